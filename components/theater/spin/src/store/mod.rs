//! The SQLite database `theater`: schema and the core's repositories.
//!
//! Tables: `halls` (with the layout as JSON), `movies` (prices, surcharges and details as
//! JSON/text), `screenings` (with the hall's layout and the movie's prices copied, and the
//! running interval in epoch milliseconds for overlap queries), `seat_allocations` (PRIMARY KEY
//! `(screening_id, seat)`: the database itself refuses to sell a seat twice), `reservations`
//! (the theater's answer or tombstone per reservation, with its booking number), `seat_holds` (the reservation context's
//! holds as the seat maps show them: `SHOWN` until `expires_at`, or `RELEASED`; its times are
//! RFC 3339 UTC text with milliseconds, which sorts like time), plus the shared `outbox` and
//! `inbox`.

mod holds;
mod programme;
mod repos;

use cinema_eventing::sql::{self, exec};
use cinema_eventing::{Error, inbox, outbox, retention};
use spin_sdk::sqlite3::Connection;

pub use repos::SqliteTheater;

const DATABASE: &str = "theater";
/// Bump when adding a migration step below.
/// v2: the outbox's `stream_last` / `confirmed_at` (added by `outbox::ensure_schema`).
/// v3: `seat_holds`.
/// v4: hall layouts, ticket prices and movie details, booking numbers ([`COLUMNS_V4`]).
const SCHEMA_VERSION: i64 = 4;

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

/// Nullable columns added in v4; `NULL` in an older row means: a rectangular all-standard layout
/// (`rows_count` × `seats_per_row`), adult tickets only at the movie's `price`, no surcharges,
/// rated for all ages, no booking number.
const COLUMNS_V4: &[(&str, &[&str])] = &[
    ("halls", &["layout"]),
    (
        "movies",
        &[
            "prices",
            "seat_surcharges",
            "age_rating",
            "genre",
            "synopsis",
        ],
    ),
    ("screenings", &["layout", "prices", "seat_surcharges"]),
    ("reservations", &["booking_number"]),
];

/// Adds the `TEXT` columns a table does not have yet (so the step can run on any version).
fn add_text_columns(tx: &Connection, table: &str, columns: &[&str]) -> Result<(), Error> {
    let existing = exec(
        tx,
        &format!("SELECT name FROM pragma_table_info('{table}')"),
        &[],
    )?;
    let has = |name: &str| existing.rows().any(|r| r.get::<&str>("name") == Some(name));
    for column in columns.iter().filter(|c| !has(c)) {
        exec(
            tx,
            &format!("ALTER TABLE {table} ADD COLUMN {column} TEXT"),
            &[],
        )?;
    }
    Ok(())
}

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
        for (table, columns) in COLUMNS_V4 {
            add_text_columns(tx, table, columns)?;
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
