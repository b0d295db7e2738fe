//! Inboxes: the ids of events a consumer has already applied, so a redelivered event changes
//! nothing.

use std::cell::RefCell;

use spin_sdk::sqlite3::Connection;
use spin_sdk::wit::wasi::keyvalue::batch;
use spin_sdk::wit::wasi::keyvalue::store::{self as wasi_store, Bucket};

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

/// The inbox of a key-value consumer (keys `inbox:{event id}`), written once per batch: events
/// recorded during a batch are kept in memory and written together by [`KvInbox::flush`] (one
/// `wasi:keyvalue/batch` `set-many`, one transaction on Spin's SQLite-backed store, so one sync
/// to disk instead of one per event). Call `flush` before acknowledging the batch — the
/// [`crate::consumer::Consumer::drain_batched`] hook. A crash before the flush leaves the events
/// unacknowledged: they are delivered again and re-applied, which every key-value projection
/// tolerates (each step is idempotent), exactly as a crash between an update and its record did.
pub struct KvInbox {
    bucket: Bucket,
    recorded: RefCell<Vec<String>>,
}

impl KvInbox {
    /// Opens the inbox in key-value store `label`.
    ///
    /// # Errors
    /// The store is not granted or unavailable.
    pub fn open(label: &str) -> Result<Self, Error> {
        let bucket =
            wasi_store::open(label).map_err(|e| Error::KeyValue(format!("open: {e:?}")))?;
        Ok(Self {
            bucket,
            recorded: RefCell::new(Vec::new()),
        })
    }

    /// Whether the event was applied: recorded in this batch or in an earlier one.
    ///
    /// # Errors
    /// The store's.
    pub fn seen(&self, event_id: &str) -> Result<bool, Error> {
        if self.recorded.borrow().iter().any(|id| id == event_id) {
            return Ok(true);
        }
        self.bucket
            .exists(&kv_key(event_id))
            .map_err(|e| Error::KeyValue(format!("exists: {e:?}")))
    }

    /// Marks the event applied (after its idempotent update); written by the next `flush`.
    pub fn record(&self, event_id: &str) {
        self.recorded.borrow_mut().push(event_id.to_string());
    }

    /// Writes the events recorded since the last flush, in one batch.
    ///
    /// # Errors
    /// The store's: the records stay in memory and the caller must not acknowledge the batch.
    pub fn flush(&self) -> Result<(), Error> {
        let items: Vec<(String, Vec<u8>)> = self
            .recorded
            .borrow()
            .iter()
            .map(|id| (kv_key(id), b"1".to_vec()))
            .collect();
        if items.is_empty() {
            return Ok(());
        }
        batch::set_many(&self.bucket, &items)
            .map_err(|e| Error::KeyValue(format!("set-many: {e:?}")))?;
        self.recorded.borrow_mut().clear();
        Ok(())
    }
}
