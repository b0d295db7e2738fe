//! The SQLite database `theater`: schema and the core's repositories.
//!
//! Tables: `halls`, `movies`, `screenings` (with the hall's layout copied and the running
//! interval in epoch milliseconds for overlap queries), `seat_allocations` (PRIMARY KEY
//! `(screening_id, seat)`: the database itself refuses to sell a seat twice), `reservations`
//! (the theater's answer or tombstone per reservation), `seat_holds` (the reservation context's
//! holds as the seat maps show them: `SHOWN` until `expires_at`, or `RELEASED`; its times are
//! RFC 3339 UTC text with milliseconds, which sorts like time), plus the shared `outbox` and
//! `inbox`.

mod holds;
mod repos;

use cinema_eventing::sql::{self, exec};
use cinema_eventing::{Error, inbox, outbox, retention};
use spin_sdk::sqlite3::Connection;

pub use repos::SqliteTheater;

const DATABASE: &str = "theater";
/// Bump when adding a migration step below.
/// v2: the outbox's `stream_last` / `confirmed_at` (added by `outbox::ensure_schema`).
/// v3: `seat_holds`.
const SCHEMA_VERSION: i64 = 3;

const SCHEMA_V1: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS halls (
        hall_id       TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        rows_count    INTEGER NOT NULL,
        seats_per_row INTEGER NOT NULL,
        created_at    TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS movies (
        movie_id       TEXT PRIMARY KEY,
        title          TEXT NOT NULL,
        runtime_min    INTEGER NOT NULL,
        price_amount   INTEGER NOT NULL,
        price_currency TEXT NOT NULL,
        created_at     TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS screenings (
        screening_id  TEXT PRIMARY KEY,
        movie_id      TEXT NOT NULL REFERENCES movies (movie_id),
        hall_id       TEXT NOT NULL REFERENCES halls (hall_id),
        starts_at     TEXT NOT NULL,
        starts_ms     INTEGER NOT NULL,
        ends_ms       INTEGER NOT NULL,
        runtime_min   INTEGER NOT NULL,
        rows_count    INTEGER NOT NULL,
        seats_per_row INTEGER NOT NULL,
        created_at    TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS screenings_by_hall ON screenings (hall_id, starts_ms)",
    "CREATE TABLE IF NOT EXISTS seat_allocations (
        screening_id   TEXT NOT NULL,
        seat           TEXT NOT NULL,
        reservation_id TEXT NOT NULL,
        allocated_at   TEXT NOT NULL,
        PRIMARY KEY (screening_id, seat)
    )",
    "CREATE INDEX IF NOT EXISTS seat_allocations_by_reservation ON seat_allocations (reservation_id)",
    "CREATE TABLE IF NOT EXISTS reservations (
        reservation_id TEXT PRIMARY KEY,
        screening_id   TEXT NOT NULL,
        seats          TEXT NOT NULL,
        state          TEXT NOT NULL,
        reason         TEXT,
        updated_at     TEXT NOT NULL
    )",
];

const SCHEMA_V3: &[&str] = &[
    // `screening_id`, `seats` (a JSON array) and `expires_at` are NULL for a hold released
    // before its `SeatsHeld` arrived.
    "CREATE TABLE IF NOT EXISTS seat_holds (
        hold_id      TEXT PRIMARY KEY,
        screening_id TEXT,
        seats        TEXT,
        expires_at   TEXT,
        state        TEXT NOT NULL CHECK (state IN ('SHOWN', 'RELEASED')),
        updated_at   TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS seat_holds_shown ON seat_holds (screening_id, expires_at)
        WHERE state = 'SHOWN'",
];

/// What the relay tick prunes here besides the outbox and the inbox (`retention_days` after
/// the stored time): holds past their expiry (a late `SeatsHeld` for one shows nothing anyway),
/// and releases whose `SeatsHeld` never came.
pub const RETENTION: [retention::Rule; 2] = [
    retention::Rule {
        table: "seat_holds",
        condition: "expires_at < ?",
    },
    retention::Rule {
        table: "seat_holds",
        condition: "expires_at IS NULL AND updated_at < ?",
    },
];

/// Opens the database (WAL, busy timeout) and brings its schema up to date.
///
/// # Errors
/// The database's.
pub fn open() -> Result<Connection, Error> {
    let conn = sql::open(DATABASE)?;
    // Every statement is idempotent, so an upgrade from any version runs them all.
    sql::migrate(&conn, SCHEMA_VERSION, |tx, _from| {
        for statement in SCHEMA_V1.iter().chain(SCHEMA_V3) {
            exec(tx, statement, &[])?;
        }
        outbox::ensure_schema(tx)?;
        inbox::ensure_schema(tx)
    })?;
    Ok(conn)
}

/// The error of a use case run in a transaction: its own, or the transaction's.
#[derive(Debug)]
pub enum TxError<E> {
    Domain(E),
    Storage(Error),
}

impl<E> From<Error> for TxError<E> {
    fn from(e: Error) -> Self {
        Self::Storage(e)
    }
}

/// Runs a use case in `BEGIN IMMEDIATE … COMMIT`, rolling back on its error.
///
/// # Errors
/// The use case's ([`TxError::Domain`]) or the database's.
pub fn in_transaction<T, E>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, TxError<E>> {
    sql::transaction(conn, |tx| f(tx).map_err(TxError::Domain))
}
