//! The reservation database (SQLite label `reservation`): bookings, the seats they hold, the
//! screenings learned from the theater, idempotency keys, and the outbox/inbox.

use cinema_eventing::sql::{exec, text};
use cinema_eventing::{Error, inbox, outbox, retention};
use reservation_core::{Reservation, Screening};
use spin_sdk::sqlite3::Connection;

/// v3: the outbox keeps relayed rows until every consumer group has them (`stream_last`,
/// `confirmed_at`, added by `outbox::ensure_schema`).
const SCHEMA_VERSION: i64 = 3;

/// Opens the database, creating the schema on first use (one `PRAGMA user_version` read after).
///
/// # Errors
/// The database's.
pub fn open() -> Result<Connection, Error> {
    let conn = cinema_eventing::sql::open("reservation")?;
    if user_version(&conn)? < SCHEMA_VERSION {
        cinema_eventing::sql::transaction(&conn, |c| -> Result<(), Error> {
            // Re-read under the write lock: a concurrent instance may have migrated meanwhile.
            let version = user_version(c)?;
            if version >= SCHEMA_VERSION {
                return Ok(());
            }
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
            if version < 2 {
                // v2: payment attempts (to refund a charge whose booking was never stored) and
                // the first accepted reply per idempotency key (replayed verbatim).
                exec(
                    c,
                    "CREATE TABLE IF NOT EXISTS payment_attempts (
                        reservation_id TEXT PRIMARY KEY,
                        customer_id    TEXT NOT NULL,
                        state          TEXT NOT NULL,
                        started_at     TEXT NOT NULL
                    )",
                    &[],
                )?;
                exec(
                    c,
                    "ALTER TABLE idempotency_keys ADD COLUMN response TEXT",
                    &[],
                )?;
            }
            exec(c, &format!("PRAGMA user_version = {SCHEMA_VERSION}"), &[])?;
            Ok(())
        })?;
    }
    Ok(conn)
}

fn user_version(conn: &Connection) -> Result<i64, Error> {
    Ok(exec(conn, "PRAGMA user_version", &[])?
        .rows()
        .next()
        .and_then(|r| r.get::<i64>("user_version"))
        .unwrap_or(0))
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, Error> {
    serde_json::from_slice(json.as_bytes()).map_err(|e| Error::Other(format!("corrupt row: {e}")))
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("documents always serialise")
}

/// # Errors
/// The database's.
pub fn screening(conn: &Connection, id: &str) -> Result<Option<Screening>, Error> {
    one_doc(
        conn,
        "SELECT doc FROM screenings WHERE screening_id = ?",
        id,
    )
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
    one_doc(
        conn,
        "SELECT doc FROM reservations WHERE reservation_id = ?",
        id,
    )
}

/// The JSON `doc` column of the row `sql` selects by one id, decoded.
fn one_doc<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    id: &str,
) -> Result<Option<T>, Error> {
    exec(conn, sql, &[text(id)])?
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
    /// The first accepted reply, once there is one.
    pub response: Option<String>,
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
        "SELECT fingerprint, reservation_id, response FROM idempotency_keys WHERE customer_id = ? AND key = ?",
        &[text(customer_id), text(key)],
    )?;
    Ok(result.rows().next().map(|r| StoredKey {
        fingerprint: r.get::<&str>("fingerprint").unwrap_or_default().to_string(),
        reservation_id: r
            .get::<&str>("reservation_id")
            .unwrap_or_default()
            .to_string(),
        response: r.get::<&str>("response").map(str::to_string),
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

/// Takes over a key row left behind by a request that died before it stored a booking or
/// released its key: no booking and no pending or placed payment attempt under the old id, and
/// claimed before `cutoff`. The row then maps to `reservation_id`; `true` if it was taken over.
/// A row a live request still owns is never touched.
///
/// # Errors
/// The database's.
pub fn take_over_stale_key(
    conn: &Connection,
    customer_id: &str,
    key: &str,
    stale_reservation_id: &str,
    reservation_id: &str,
    cutoff: &str,
) -> Result<bool, Error> {
    let changed = exec(
        conn,
        "UPDATE idempotency_keys SET reservation_id = ?, created_at = ?
         WHERE customer_id = ? AND key = ? AND reservation_id = ? AND response IS NULL
           AND created_at < ?
           AND NOT EXISTS (SELECT 1 FROM reservations WHERE reservation_id = ?)
           AND NOT EXISTS (SELECT 1 FROM payment_attempts WHERE reservation_id = ?
                           AND state IN ('PENDING', 'PLACED'))
         RETURNING key",
        &[
            text(reservation_id),
            text(cinema_http::now_rfc3339()),
            text(customer_id),
            text(key),
            text(stale_reservation_id),
            text(cutoff),
            text(stale_reservation_id),
            text(stale_reservation_id),
        ],
    )?;
    Ok(changed.rows().next().is_some())
}

/// What the relay tick prunes here besides the outbox and the inbox: idempotency keys (a retry
/// after `retention_days` is a new request) and settled payment attempts.
pub const RETENTION: [retention::Rule; 2] = [
    retention::Rule {
        table: "idempotency_keys",
        condition: "created_at < ?",
    },
    retention::Rule {
        table: "payment_attempts",
        condition: "state <> 'PENDING' AND started_at < ?",
    },
];

/// Remembers the accepted reply for a key (inside the transaction that stores the booking).
///
/// # Errors
/// The database's.
pub fn remember_response(
    conn: &Connection,
    customer_id: &str,
    key: &str,
    response: &str,
) -> Result<(), Error> {
    exec(
        conn,
        "UPDATE idempotency_keys SET response = ? WHERE customer_id = ? AND key = ? AND response IS NULL",
        &[text(response), text(customer_id), text(key)],
    )?;
    Ok(())
}

/// Notes that payment is about to be asked to charge this reservation.
///
/// # Errors
/// The database's.
pub fn begin_attempt(
    conn: &Connection,
    reservation_id: &str,
    customer_id: &str,
) -> Result<(), Error> {
    exec(
        conn,
        "INSERT INTO payment_attempts (reservation_id, customer_id, state, started_at)
         VALUES (?, ?, 'PENDING', ?) ON CONFLICT DO NOTHING",
        &[
            text(reservation_id),
            text(customer_id),
            text(cinema_http::now_rfc3339()),
        ],
    )?;
    Ok(())
}

/// Payment answered that nothing was charged (declined, invalid): forget the attempt.
///
/// # Errors
/// The database's.
pub fn forget_attempt(conn: &Connection, reservation_id: &str) -> Result<(), Error> {
    exec(
        conn,
        "DELETE FROM payment_attempts WHERE reservation_id = ? AND state = 'PENDING'",
        &[text(reservation_id)],
    )?;
    Ok(())
}

/// The booking is being stored: the charge belongs to it. `false` when the attempt is no
/// longer pending (abandoned by a sweep: its refund is under way), so the booking must not be
/// stored.
///
/// # Errors
/// The database's.
pub fn attempt_placed(conn: &Connection, reservation_id: &str) -> Result<bool, Error> {
    let changed = exec(
        conn,
        "UPDATE payment_attempts SET state = 'PLACED' WHERE reservation_id = ? AND state = 'PENDING'
         RETURNING reservation_id",
        &[text(reservation_id)],
    )?;
    Ok(changed.rows().next().is_some())
}

/// Marks a pending attempt abandoned; `true` if it was pending (the caller then publishes
/// `ReservationAbandoned` in the same transaction).
///
/// # Errors
/// The database's.
pub fn abandon_attempt(conn: &Connection, reservation_id: &str) -> Result<Option<String>, Error> {
    let changed = exec(
        conn,
        "UPDATE payment_attempts SET state = 'ABANDONED' WHERE reservation_id = ? AND state = 'PENDING'
         AND NOT EXISTS (SELECT 1 FROM reservations WHERE reservation_id = ?) RETURNING customer_id",
        &[text(reservation_id), text(reservation_id)],
    )?;
    Ok(changed
        .rows()
        .next()
        .and_then(|r| r.get::<&str>("customer_id").map(str::to_string)))
}

/// Attempts still pending since before `older_than` (their instance died mid-call).
///
/// # Errors
/// The database's.
pub fn stale_attempts(conn: &Connection, older_than: &str) -> Result<Vec<String>, Error> {
    let result = exec(
        conn,
        "SELECT reservation_id FROM payment_attempts WHERE state = 'PENDING' AND started_at < ? LIMIT 100",
        &[text(older_than)],
    )?;
    Ok(result
        .rows()
        .filter_map(|r| r.get::<&str>("reservation_id").map(str::to_string))
        .collect())
}
