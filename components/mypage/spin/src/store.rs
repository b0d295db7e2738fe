//! The read model in key-value store `mypage`:
//!
//! | key | value |
//! |---|---|
//! | `reservation:{id}` | the reservation's view (JSON), updated by compare-and-swap |
//! | `customer:{id}:reservations` | the customer's reservation ids (JSON list), compare-and-swap |
//! | `screening:{id}` | screening details (JSON), set as announced |
//! | `{key}#created` | creation ticket of a CAS document (8-byte counter, see below) |
//! | `inbox:{event id}` | applied events (`cinema_eventing::inbox`) |
//!
//! **Creating a document under CAS.** Spin's SQLite-backed store (and devhost, which copies it)
//! turns a swap on a key that was absent into an unconditional upsert. Two replicas creating the
//! same document at once would then both "succeed" and one update would be lost. So the step
//! from absent to present is serialised with an atomic ticket: the writer that increments
//! `{key}#created` to 1 creates the document; any other writer waits for it to appear and
//! retries as an ordinary compare-and-swap update. (A Redis-backed store needs none of this, but
//! the ticket is harmless there.)

use std::time::Duration;

use cinema_eventing::inbox;
use mypage_core::ports::{Change, CustomerIndex, Inbox, ReservationViews, Screenings, StoreError};
use mypage_core::screening::ScreeningInfo;
use mypage_core::view::ReservationView;
use serde::Serialize;
use serde::de::DeserializeOwned;
use spin_sdk::key_value::Store;
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store};

const LABEL: &str = "mypage";
/// Compare-and-swap attempts before giving up (the event is then retried later).
const MAX_ATTEMPTS: u32 = 20;
/// How long a writer waits for another one's creation before creating the document itself
/// (covers a creator that died between taking the ticket and writing).
const CREATION_WAIT_ATTEMPTS: u32 = 10;

pub struct KvStore {
    bucket: store::Bucket,
    /// The same store through Spin's key-value API, for the shared inbox helpers.
    spin: Store,
}

fn err(what: &str, e: impl std::fmt::Debug) -> StoreError {
    StoreError(format!("{what}: {e:?}"))
}

impl KvStore {
    /// # Errors
    /// The store is not granted to the component or cannot be opened.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            bucket: store::open(LABEL).map_err(|e| err("open", e))?,
            spin: Store::open(LABEL).map_err(|e| err("open", e))?,
        })
    }

    fn get_json<T: DeserializeOwned>(&self, keys: Vec<String>) -> Result<Vec<T>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found = batch::get_many(&self.bucket, &keys).map_err(|e| err("get many", e))?;
        // Spin answers only the keys it found, devhost every key with `None` for missing ones:
        // keep the requested order and skip the missing.
        let mut by_key: std::collections::HashMap<String, Vec<u8>> = found
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
        keys.iter()
            .filter_map(|k| by_key.remove(k))
            .map(|bytes| serde_json::from_slice(&bytes).map_err(|e| err("decode", e)))
            .collect()
    }

    /// Read-modify-write of one JSON document under compare-and-swap, retried on conflict.
    fn update_json<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        change: Change<'_, T>,
    ) -> Result<(), StoreError> {
        for attempt in 0..MAX_ATTEMPTS {
            let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| err("cas", e))?;
            let current_bytes = cas.current().map_err(|e| err("cas current", e))?;
            let current: Option<T> = current_bytes
                .as_deref()
                .map(serde_json::from_slice)
                .transpose()
                .map_err(|e| err("decode", e))?;
            let Some(next) = change(current.as_ref()) else {
                return Ok(());
            };
            let bytes = serde_json::to_vec(&next).map_err(|e| err("encode", e))?;
            if current_bytes.is_none() && !self.may_create(key, attempt)? {
                std::thread::sleep(Duration::from_millis(5 * u64::from(attempt + 1)));
                continue;
            }
            match atomics::swap(cas, &bytes) {
                Ok(()) => return Ok(()),
                Err(atomics::CasError::CasFailed(_)) => continue,
                Err(atomics::CasError::StoreError(e)) => return Err(err("swap", e)),
            }
        }
        Err(StoreError(format!(
            "{key}: compare-and-swap did not settle after {MAX_ATTEMPTS} attempts"
        )))
    }

    /// Whether this writer may create the absent document `key` now (see the module docs).
    fn may_create(&self, key: &str, attempt: u32) -> Result<bool, StoreError> {
        let ticket = atomics::increment(&self.bucket, &format!("{key}#created"), 1)
            .map_err(|e| err("ticket", e))?;
        Ok(ticket == 1 || attempt >= CREATION_WAIT_ATTEMPTS)
    }
}

fn reservation_key(id: &str) -> String {
    format!("reservation:{id}")
}

fn customer_key(id: &str) -> String {
    format!("customer:{id}:reservations")
}

fn screening_key(id: &str) -> String {
    format!("screening:{id}")
}

impl ReservationViews for KvStore {
    fn update(
        &self,
        reservation_id: &str,
        change: Change<'_, ReservationView>,
    ) -> Result<(), StoreError> {
        self.update_json(&reservation_key(reservation_id), change)
    }

    fn get_many(&self, reservation_ids: &[String]) -> Result<Vec<ReservationView>, StoreError> {
        self.get_json(
            reservation_ids
                .iter()
                .map(|id| reservation_key(id))
                .collect(),
        )
    }
}

impl CustomerIndex for KvStore {
    fn add(&self, customer_id: &str, reservation_id: &str) -> Result<(), StoreError> {
        self.update_json::<Vec<String>>(&customer_key(customer_id), &|ids| {
            let ids = ids.cloned().unwrap_or_default();
            if ids.iter().any(|id| id == reservation_id) {
                return None;
            }
            let mut ids = ids;
            ids.push(reservation_id.to_string());
            Some(ids)
        })
    }

    fn list(&self, customer_id: &str) -> Result<Vec<String>, StoreError> {
        match self
            .bucket
            .get(&customer_key(customer_id))
            .map_err(|e| err("get", e))?
        {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| err("decode", e)),
            None => Ok(Vec::new()),
        }
    }
}

impl Screenings for KvStore {
    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(screening).map_err(|e| err("encode", e))?;
        self.bucket
            .set(&screening_key(&screening.screening_id), &bytes)
            .map_err(|e| err("set", e))
    }

    fn get_many(&self, screening_ids: &[String]) -> Result<Vec<ScreeningInfo>, StoreError> {
        self.get_json(screening_ids.iter().map(|id| screening_key(id)).collect())
    }
}

impl Inbox for KvStore {
    fn seen(&self, event_id: &str) -> Result<bool, StoreError> {
        inbox::kv_seen(&self.spin, event_id).map_err(|e| err("inbox", e))
    }

    fn record(&self, event_id: &str) -> Result<(), StoreError> {
        inbox::kv_record(&self.spin, event_id).map_err(|e| err("inbox", e))
    }
}
