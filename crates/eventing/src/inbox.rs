//! Inboxes: the ids of events a consumer has already applied, so a redelivered event changes
//! nothing.

use spin_sdk::key_value::Store;
use spin_sdk::sqlite3::Connection;

use crate::Error;
use crate::sql::{exec, text};

/// # Errors
/// The database's.
pub fn ensure_schema(conn: &Connection) -> Result<(), Error> {
    exec(
        conn,
        "CREATE TABLE IF NOT EXISTS inbox (event_id TEXT PRIMARY KEY, processed_at TEXT NOT NULL)",
        &[],
    )?;
    Ok(())
}

/// Records the event as processed; `false` if it already was. Call inside the transaction that
/// applies the event, so the record and the effect commit together.
///
/// # Errors
/// The database's.
pub fn claim(conn: &Connection, event_id: &str) -> Result<bool, Error> {
    let inserted = exec(
        conn,
        "INSERT INTO inbox (event_id, processed_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        &[text(event_id), text(cinema_http::now_rfc3339())],
    )?;
    Ok(inserted.rows().next().is_some())
}

fn kv_key(event_id: &str) -> String {
    format!("inbox:{event_id}")
}

/// Whether a key-value consumer already applied the event.
///
/// # Errors
/// The store's.
pub fn kv_seen(store: &Store, event_id: &str) -> Result<bool, Error> {
    store
        .exists(&kv_key(event_id))
        .map_err(|e| Error::KeyValue(format!("{e:?}")))
}

/// Marks the event applied in a key-value store (after the idempotent update).
///
/// # Errors
/// The store's.
pub fn kv_record(store: &Store, event_id: &str) -> Result<(), Error> {
    store
        .set(&kv_key(event_id), b"1")
        .map_err(|e| Error::KeyValue(format!("{e:?}")))
}
