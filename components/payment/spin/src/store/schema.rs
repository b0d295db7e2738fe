//! Schema creation, versioned with `PRAGMA user_version` so a request pays one query once the
//! schema exists.

use cinema_eventing::sql::{exec, migrate};
use cinema_eventing::{Error, counters, inbox, outbox};
use spin_sdk::sqlite3::Connection;

/// 3: the outbox's `stream_last` / `confirmed_at` (added by `outbox::ensure_schema`).
/// 4: the metrics' running totals (`counters`, bumped with the payments, attempts and refunds
/// they count).
const VERSION: i64 = 4;

const TABLES: &[&str] = &[
    // One row per approved charge: a reservation is charged at most once (UNIQUE), so two
    // concurrent authorizations for one reservation cannot both commit.
    "CREATE TABLE IF NOT EXISTS payments (
        payment_id     TEXT PRIMARY KEY,
        reservation_id TEXT NOT NULL UNIQUE,
        customer_id    TEXT NOT NULL,
        amount         INTEGER NOT NULL CHECK (amount > 0),
        currency       TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('APPROVED', 'REFUNDED')),
        created_at     TEXT NOT NULL
    )",
    // At most one refund per payment, always of the whole amount.
    "CREATE TABLE IF NOT EXISTS refunds (
        refund_id  TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL UNIQUE REFERENCES payments (payment_id),
        amount     INTEGER NOT NULL,
        currency   TEXT NOT NULL,
        reason     TEXT NOT NULL,
        created_at TEXT NOT NULL
    )",
    // Authorizations that did not become payments (declined, provider unavailable).
    "CREATE TABLE IF NOT EXISTS payment_attempts (
        attempt_id     TEXT PRIMARY KEY,
        reservation_id TEXT NOT NULL,
        customer_id    TEXT NOT NULL,
        amount         INTEGER NOT NULL,
        currency       TEXT NOT NULL,
        outcome        TEXT NOT NULL,
        created_at     TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS payment_attempts_by_reservation ON payment_attempts (reservation_id)",
    // v2: reservations the booking side gave up on (tombstones: a late approval is refused).
    "CREATE TABLE IF NOT EXISTS abandoned_reservations (
        reservation_id TEXT PRIMARY KEY,
        reason         TEXT NOT NULL,
        created_at     TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS simulator_settings (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        latency_ms   INTEGER NOT NULL,
        failure_rate REAL NOT NULL,
        updated_at   TEXT NOT NULL
    )",
];

/// # Errors
/// The database's.
pub fn ensure(conn: &Connection) -> Result<(), Error> {
    migrate(conn, VERSION, |tx, _from| {
        for statement in TABLES {
            exec(tx, statement, &[])?;
        }
        outbox::ensure_schema(tx)?;
        inbox::ensure_schema(tx)?;
        counters::ensure_schema(tx)
    })
}
