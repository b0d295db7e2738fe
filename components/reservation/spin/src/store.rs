//! The reservation database (SQLite label `reservation`): bookings, the seats they hold, the
//! screenings learned from the theater, idempotency keys, and the outbox/inbox.

use cinema_eventing::sql::{exec, text};
use cinema_eventing::{Error, inbox, outbox};
use reservation_core::{Reservation, Screening};
use spin_sdk::sqlite3::Connection;

const SCHEMA_VERSION: i64 = 1;

/// Opens the database, creating the schema on first use (one `PRAGMA user_version` read after).
///
/// # Errors
/// The database's.
pub fn open() -> Result<Connection, Error> {
    let conn = cinema_eventing::sql::open("reservation")?;
    let version = exec(&conn, "PRAGMA user_version", &[])?
        .rows()
        .next()
        .and_then(|r| r.get::<i64>("user_version"))
        .unwrap_or(0);
    if version < SCHEMA_VERSION {
        cinema_eventing::sql::transaction(&conn, |c| -> Result<(), Error> {
            for sql in [
                "CREATE TABLE IF NOT EXISTS screenings (
                    screening_id TEXT PRIMARY KEY,
                    doc          TEXT NOT NULL
                )",
                "CREATE TABLE IF NOT EXISTS reservations (
                    reservation_id TEXT PRIMARY KEY,
                    customer_id    TEXT NOT NULL,
                    screening_id   TEXT NOT NULL,
                    status         TEXT NOT NULL,
                    created_at     TEXT NOT NULL,
                    doc            TEXT NOT NULL
                )",
                "CREATE INDEX IF NOT EXISTS reservations_by_customer ON reservations (customer_id, created_at)",
                "CREATE TABLE IF NOT EXISTS held_seats (
                    screening_id   TEXT NOT NULL,
                    seat           TEXT NOT NULL,
                    reservation_id TEXT NOT NULL,
                    PRIMARY KEY (screening_id, seat)
                )",
                "CREATE TABLE IF NOT EXISTS idempotency_keys (
                    customer_id    TEXT NOT NULL,
                    key            TEXT NOT NULL,
                    fingerprint    TEXT NOT NULL,
                    reservation_id TEXT NOT NULL,
                    created_at     TEXT NOT NULL,
                    PRIMARY KEY (customer_id, key)
                )",
            ] {
                exec(c, sql, &[])?;
            }
            outbox::ensure_schema(c)?;
            inbox::ensure_schema(c)?;
            exec(c, &format!("PRAGMA user_version = {SCHEMA_VERSION}"), &[])?;
            Ok(())
        })?;
    }
    Ok(conn)
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|e| Error::Other(format!("corrupt row: {e}")))
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("documents always serialise")
}

/// # Errors
/// The database's.
pub fn screening(conn: &Connection, id: &str) -> Result<Option<Screening>, Error> {
    let result = exec(
        conn,
        "SELECT doc FROM screenings WHERE screening_id = ?",
        &[text(id)],
    )?;
    result
        .rows()
        .next()
        .and_then(|r| r.get::<&str>("doc").map(decode))
        .transpose()
}

/// # Errors
/// The database's.
pub fn upsert_screening(conn: &Connection, s: &Screening) -> Result<(), Error> {
    exec(
        conn,
        "INSERT INTO screenings (screening_id, doc) VALUES (?, ?)
         ON CONFLICT (screening_id) DO UPDATE SET doc = excluded.doc",
        &[text(&s.screening_id), text(encode(s))],
    )?;
    Ok(())
}

/// # Errors
/// The database's.
pub fn reservation(conn: &Connection, id: &str) -> Result<Option<Reservation>, Error> {
    let result = exec(
        conn,
        "SELECT doc FROM reservations WHERE reservation_id = ?",
        &[text(id)],
    )?;
    result
        .rows()
        .next()
        .and_then(|r| r.get::<&str>("doc").map(decode))
        .transpose()
}

/// # Errors
/// The database's.
pub fn reservations_of(conn: &Connection, customer_id: &str) -> Result<Vec<Reservation>, Error> {
    let result = exec(
        conn,
        "SELECT doc FROM reservations WHERE customer_id = ? ORDER BY created_at DESC, reservation_id DESC LIMIT 500",
        &[text(customer_id)],
    )?;
    result
        .rows()
        .filter_map(|r| r.get::<&str>("doc").map(decode))
        .collect()
}

/// Inserts a new booking and holds its seats (a seat already held by another booking is left to
/// the theater to decide). Returns `false` if the booking already existed.
///
/// # Errors
/// The database's.
pub fn insert(conn: &Connection, r: &Reservation) -> Result<bool, Error> {
    let inserted = exec(
        conn,
        "INSERT INTO reservations (reservation_id, customer_id, screening_id, status, created_at, doc)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (reservation_id) DO NOTHING RETURNING reservation_id",
        &[
            text(r.id.as_str()),
            text(r.customer_id.as_str()),
            text(&r.screening_id),
            text(r.status.as_str()),
            text(r.created_at.to_rfc3339()),
            text(encode(r)),
        ],
    )?;
    if inserted.rows().next().is_none() {
        return Ok(false);
    }
    for seat in &r.seats {
        exec(
            conn,
            "INSERT INTO held_seats (screening_id, seat, reservation_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            &[text(&r.screening_id), text(seat), text(r.id.as_str())],
        )?;
    }
    Ok(true)
}

/// Saves a changed booking; a booking that no longer holds seats releases them.
///
/// # Errors
/// The database's.
pub fn update(conn: &Connection, r: &Reservation) -> Result<(), Error> {
    exec(
        conn,
        "UPDATE reservations SET status = ?, doc = ? WHERE reservation_id = ?",
        &[
            text(r.status.as_str()),
            text(encode(r)),
            text(r.id.as_str()),
        ],
    )?;
    if !r.status.holds_seats() {
        exec(
            conn,
            "DELETE FROM held_seats WHERE reservation_id = ?",
            &[text(r.id.as_str())],
        )?;
    }
    Ok(())
}

/// The requested seats that another active booking of ours already holds.
///
/// # Errors
/// The database's.
pub fn held_by_others(
    conn: &Connection,
    screening_id: &str,
    seats: &[String],
) -> Result<Vec<String>, Error> {
    let mut taken = Vec::new();
    for seat in seats {
        let result = exec(
            conn,
            "SELECT reservation_id FROM held_seats WHERE screening_id = ? AND seat = ?",
            &[text(screening_id), text(seat)],
        )?;
        if result.rows().next().is_some() {
            taken.push(seat.clone());
        }
    }
    Ok(taken)
}

pub struct StoredKey {
    pub fingerprint: String,
    pub reservation_id: String,
}

/// Claims an idempotency key for a new reservation id, or returns what it already maps to.
///
/// # Errors
/// The database's.
pub fn claim_key(
    conn: &Connection,
    customer_id: &str,
    key: &str,
    fingerprint: &str,
    reservation_id: &str,
) -> Result<Option<StoredKey>, Error> {
    let inserted = exec(
        conn,
        "INSERT INTO idempotency_keys (customer_id, key, fingerprint, reservation_id, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING key",
        &[
            text(customer_id),
            text(key),
            text(fingerprint),
            text(reservation_id),
            text(cinema_http::now_rfc3339()),
        ],
    )?;
    if inserted.rows().next().is_some() {
        return Ok(None);
    }
    let result = exec(
        conn,
        "SELECT fingerprint, reservation_id FROM idempotency_keys WHERE customer_id = ? AND key = ?",
        &[text(customer_id), text(key)],
    )?;
    Ok(result.rows().next().map(|r| StoredKey {
        fingerprint: r.get::<&str>("fingerprint").unwrap_or_default().to_string(),
        reservation_id: r
            .get::<&str>("reservation_id")
            .unwrap_or_default()
            .to_string(),
    }))
}

/// Forgets a key whose request was not accepted (declined or payment unavailable), unless a
/// booking was created under it meanwhile.
///
/// # Errors
/// The database's.
pub fn release_key(
    conn: &Connection,
    customer_id: &str,
    key: &str,
    reservation_id: &str,
) -> Result<(), Error> {
    exec(
        conn,
        "DELETE FROM idempotency_keys WHERE customer_id = ? AND key = ? AND reservation_id = ?
         AND NOT EXISTS (SELECT 1 FROM reservations WHERE reservation_id = ?)",
        &[
            text(customer_id),
            text(key),
            text(reservation_id),
            text(reservation_id),
        ],
    )?;
    Ok(())
}
