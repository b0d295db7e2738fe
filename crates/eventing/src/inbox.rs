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

/// How often a key-value consumer prunes its inbox ([`KvInbox::prune_now_and_then`]).
pub const KV_PRUNE_EVERY_MS: i64 = 3_600_000;
/// Inbox keys deleted per pass.
const KV_PRUNE_BATCH: usize = 1000;

impl KvInbox {
    /// At most once per [`KV_PRUNE_EVERY_MS`] per context (a Redis flag), deletes up to a batch of
    /// inbox entries older than `retention_days`. Event ids are UUIDv7, so an entry's age is in
    /// its key: nothing is read but the key list. Runs on a consumer's wake-up, never on a
    /// request; problems are logged.
    pub fn prune_now_and_then(&self, redis_address: &str, context: &str) {
        if !crate::due(
            redis_address,
            &format!("cinema:inbox:pruned:{context}"),
            KV_PRUNE_EVERY_MS,
        ) {
            return;
        }
        let days = crate::retention::days();
        let cutoff_ms = cinema_http::now().timestamp_millis() - days * 86_400_000;
        match self.prune_before(cutoff_ms) {
            Ok(0) => {}
            Ok(n) => cinema_http::log(
                context,
                cinema_http::Level::Info,
                &format!("pruned {n} inbox entries older than {days} days"),
                &[],
            ),
            Err(e) => cinema_http::log(
                context,
                cinema_http::Level::Warn,
                &format!("inbox pruning deferred: {e}"),
                &[],
            ),
        }
    }

    fn prune_before(&self, cutoff_ms: i64) -> Result<usize, Error> {
        let mut old = Vec::new();
        let mut cursor: Option<String> = None;
        while old.len() < KV_PRUNE_BATCH {
            let page = self
                .bucket
                .list_keys(cursor.as_deref())
                .map_err(|e| Error::KeyValue(format!("list keys: {e:?}")))?;
            old.extend(
                page.keys
                    .into_iter()
                    .filter(|k| {
                        k.strip_prefix("inbox:")
                            .and_then(uuid_v7_millis)
                            .is_some_and(|ms| ms < cutoff_ms)
                    })
                    .take(KV_PRUNE_BATCH - old.len()),
            );
            match page.cursor {
                Some(next) if cursor.as_deref() != Some(next.as_str()) => cursor = Some(next),
                _ => break,
            }
        }
        if !old.is_empty() {
            batch::delete_many(&self.bucket, &old)
                .map_err(|e| Error::KeyValue(format!("delete-many: {e:?}")))?;
        }
        Ok(old.len())
    }
}

/// The creation time (Unix ms) of a UUIDv7 in its text form; `None` for anything else.
fn uuid_v7_millis(id: &str) -> Option<i64> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || hex.as_bytes()[12] != b'7' {
        return None;
    }
    i64::from_str_radix(&hex[..12], 16).ok()
}

#[cfg(test)]
mod tests {
    use super::uuid_v7_millis;

    #[test]
    fn the_time_of_a_v7_event_id_is_read_from_the_id() {
        assert_eq!(
            uuid_v7_millis("01a24252-8e56-7025-982c-e0fac5445bdb"),
            Some(0x01a2_4252_8e56)
        );
        assert_eq!(uuid_v7_millis("01a24252-8e56-4025-982c-e0fac5445bdb"), None);
        assert_eq!(uuid_v7_millis("not-an-id"), None);
    }
}
