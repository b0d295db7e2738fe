//! The read model in key-value store `catalog`: `movie:{id}`, `screening:{id}` and
//! `index:movies` hold JSON documents; `inbox:{event_id}` marks projected events.
//!
//! Writes are compare-and-swap loops (`wasi:keyvalue/atomics`), retried on conflict, because
//! projector replicas may run in parallel. One gap needs care: on Spin's SQLite-backed store a
//! swap from "absent" is an unconditional upsert, so two writers creating the same document
//! could overwrite each other. A document is therefore created empty (`null`) by exactly one
//! writer, elected with an atomic counter `seed:{key}`; every content write is a CAS from an
//! existing value.

use catalog_core::StoreError;
use catalog_core::documents::{MovieDoc, MovieIndex, ScreeningDoc};
use catalog_core::ports::{CatalogReader, CatalogWriter, Inbox};
use cinema_eventing::inbox;
use serde::Serialize;
use serde::de::DeserializeOwned;
use spin_sdk::key_value::Store;
use spin_sdk::wit::wasi::keyvalue::atomics::{self, CasError};
use spin_sdk::wit::wasi::keyvalue::store::{self as wkv, Bucket};

const STORE: &str = "catalog";
const INDEX_KEY: &str = "index:movies";
/// What the elected creator writes: an empty document.
const EMPTY: &[u8] = b"null";
const MAX_ATTEMPTS: u32 = 40;
/// After this many attempts without the document appearing, the elected creator is presumed
/// gone (crashed between election and creation) and any writer creates it.
const TAKEOVER_AFTER: u32 = 20;
const WAIT: std::time::Duration = std::time::Duration::from_millis(5);

fn movie_key(id: &str) -> String {
    format!("movie:{id}")
}

fn screening_key(id: &str) -> String {
    format!("screening:{id}")
}

fn kv_error(what: &str, e: impl std::fmt::Debug) -> StoreError {
    StoreError::new(format!("key-value {what}: {e:?}"))
}

pub struct KvCatalog {
    bucket: Bucket,
}

impl KvCatalog {
    /// # Errors
    /// The store is not granted or cannot be opened.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            bucket: wkv::open(STORE).map_err(|e| kv_error("open", e))?,
        })
    }

    fn read<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.bucket.get(key).map_err(|e| kv_error("get", e))? {
            None => Ok(None),
            Some(bytes) => decode(key, &bytes),
        }
    }

    fn update<T: Serialize + DeserializeOwned + PartialEq + Clone>(
        &self,
        key: &str,
        change: &dyn Fn(Option<T>) -> Option<T>,
    ) -> Result<(), StoreError> {
        for attempt in 0..MAX_ATTEMPTS {
            let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| kv_error("cas", e))?;
            let Some(bytes) = cas.current().map_err(|e| kv_error("cas current", e))? else {
                if change(None).is_none() {
                    return Ok(());
                }
                self.create_empty(key, attempt)?;
                continue;
            };
            let current: Option<T> = decode(key, &bytes)?;
            let Some(next) = change(current.clone()) else {
                return Ok(());
            };
            if current.as_ref() == Some(&next) {
                return Ok(());
            }
            let encoded = serde_json::to_vec(&next).map_err(StoreError::new)?;
            match atomics::swap(cas, &encoded) {
                Ok(()) => return Ok(()),
                Err(CasError::CasFailed(_)) => cinema_http::log(
                    crate::CONTEXT,
                    cinema_http::Level::Info,
                    "concurrent update; retrying",
                    &[("key", key), ("attempt", &attempt.to_string())],
                ),
                Err(CasError::StoreError(e)) => return Err(kv_error("swap", e)),
            }
        }
        Err(StoreError::new(format!(
            "{key}: still conflicting after {MAX_ATTEMPTS} attempts"
        )))
    }

    /// Creates `key` as an empty document if this writer wins the election (or the winner
    /// seems gone); otherwise waits a moment for the winner.
    fn create_empty(&self, key: &str, attempt: u32) -> Result<(), StoreError> {
        let elected = attempt == 0
            && atomics::increment(&self.bucket, &format!("seed:{key}"), 1)
                .map_err(|e| kv_error("increment", e))?
                == 1;
        if elected || attempt >= TAKEOVER_AFTER {
            if !self.bucket.exists(key).map_err(|e| kv_error("exists", e))? {
                self.bucket
                    .set(key, EMPTY)
                    .map_err(|e| kv_error("set", e))?;
            }
        } else {
            std::thread::sleep(WAIT);
        }
        Ok(())
    }
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<Option<T>, StoreError> {
    serde_json::from_slice::<Option<T>>(bytes)
        .map_err(|e| StoreError::new(format!("unreadable document {key}: {e}")))
}

impl CatalogReader for KvCatalog {
    fn movie_index(&self) -> Result<Option<MovieIndex>, StoreError> {
        self.read(INDEX_KEY)
    }

    fn movie(&self, movie_id: &str) -> Result<Option<MovieDoc>, StoreError> {
        self.read(&movie_key(movie_id))
    }

    fn screening(&self, screening_id: &str) -> Result<Option<ScreeningDoc>, StoreError> {
        self.read(&screening_key(screening_id))
    }
}

impl CatalogWriter for KvCatalog {
    fn update_index(
        &self,
        change: &dyn Fn(Option<MovieIndex>) -> Option<MovieIndex>,
    ) -> Result<(), StoreError> {
        self.update(INDEX_KEY, change)
    }

    fn update_movie(
        &self,
        movie_id: &str,
        change: &dyn Fn(Option<MovieDoc>) -> Option<MovieDoc>,
    ) -> Result<(), StoreError> {
        self.update(&movie_key(movie_id), change)
    }

    fn update_screening(
        &self,
        screening_id: &str,
        change: &dyn Fn(Option<ScreeningDoc>) -> Option<ScreeningDoc>,
    ) -> Result<(), StoreError> {
        self.update(&screening_key(screening_id), change)
    }
}

/// The shared key-value inbox of `cinema-eventing`.
pub struct KvInbox {
    store: Store,
}

impl KvInbox {
    /// # Errors
    /// The store is not granted or cannot be opened.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            store: Store::open(STORE).map_err(|e| kv_error("open", e))?,
        })
    }
}

impl Inbox for KvInbox {
    fn seen(&self, event_id: &str) -> Result<bool, StoreError> {
        inbox::kv_seen(&self.store, event_id).map_err(StoreError::new)
    }

    fn record(&self, event_id: &str) -> Result<(), StoreError> {
        inbox::kv_record(&self.store, event_id).map_err(StoreError::new)
    }
}
