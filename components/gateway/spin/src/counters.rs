//! The rate-limit counters: `wasi:keyvalue` store `gateway`, atomic increment (8-byte counters,
//! never `set`, so increment always finds a counter), one batch delete per sweep.

use std::cell::OnceCell;

use gateway_core::ports::{CounterError, WindowCounters};
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store};

const STORE: &str = "gateway";

/// Opens the store on first use only: a request with every limit disabled never touches it.
#[derive(Default)]
pub struct KvCounters {
    bucket: OnceCell<Result<store::Bucket, CounterError>>,
}

impl KvCounters {
    fn bucket(&self) -> Result<&store::Bucket, CounterError> {
        self.bucket
            .get_or_init(|| {
                store::open(STORE).map_err(|e| CounterError(format!("open {STORE}: {e:?}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl WindowCounters for KvCounters {
    fn increment(&self, key: &str) -> Result<i64, CounterError> {
        atomics::increment(self.bucket()?, key, 1)
            .map_err(|e| CounterError(format!("increment: {e:?}")))
    }

    fn keys(&self) -> Result<Vec<String>, CounterError> {
        let bucket = self.bucket()?;
        let mut keys = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = bucket
                .list_keys(cursor.as_deref())
                .map_err(|e| CounterError(format!("list keys: {e:?}")))?;
            keys.extend(page.keys);
            match page.cursor {
                Some(next) if cursor.as_deref() != Some(next.as_str()) => cursor = Some(next),
                _ => return Ok(keys),
            }
        }
    }

    fn delete(&self, keys: &[String]) -> Result<(), CounterError> {
        batch::delete_many(self.bucket()?, keys).map_err(|e| CounterError(format!("delete: {e:?}")))
    }
}
