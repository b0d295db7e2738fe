//! JSON documents in `wasi:keyvalue`, read-modify-written with compare-and-swap.
//!
//! Spin's CAS guards updates of an existing key, but swapping from "absent" is a plain upsert: two
//! writers creating one document at once would both succeed and one write would be lost. So a
//! document is created by one elected writer only: the first to increment the key's `#create`
//! counter. The others wait until the document exists and then update it with a normal CAS. If
//! the elected writer died before writing, the others create it after a short patience.

use std::time::Duration;

use notification_core::ports::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use spin_sdk::wit::wasi::keyvalue::atomics::{self, Cas, CasError};
use spin_sdk::wit::wasi::keyvalue::{batch, store};

/// Rounds of read-modify-write before giving up under contention.
const MAX_ROUNDS: u32 = 100;
/// Rounds a non-elected writer waits for the creator before creating the document itself.
const CREATOR_PATIENCE: u32 = 30;
const PAUSE: Duration = Duration::from_millis(10);

pub struct Docs {
    bucket: store::Bucket,
}

fn kv_error(what: &str, e: impl std::fmt::Debug) -> StoreError {
    StoreError(format!("key-value {what}: {e:?}"))
}

impl Docs {
    /// # Errors
    /// The store is not granted or unavailable.
    pub fn open(label: &str) -> Result<Self, StoreError> {
        Ok(Self {
            bucket: store::open(label).map_err(|e| kv_error("open", e))?,
        })
    }

    /// # Errors
    /// Storage unavailable, or the stored bytes are not a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.bucket
            .get(key)
            .map_err(|e| kv_error("get", e))?
            .map(|bytes| decode(key, &bytes))
            .transpose()
    }

    /// Existing documents among `keys`, in no particular order (unreadable ones are skipped).
    ///
    /// # Errors
    /// Storage unavailable.
    pub fn get_many<T: DeserializeOwned>(&self, keys: Vec<String>) -> Result<Vec<T>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found = batch::get_many(&self.bucket, &keys).map_err(|e| kv_error("get-many", e))?;
        Ok(found
            .into_iter()
            .filter_map(|(key, bytes)| decode(&key, &bytes?).ok())
            .collect())
    }

    /// Plain write, for documents only one writer ever sets to the same value.
    ///
    /// # Errors
    /// Storage unavailable.
    pub fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.bucket
            .set(key, &encode(value)?)
            .map_err(|e| kv_error("set", e))
    }

    /// Read-modify-write: `change` gets the current document (`None` if absent) and returns the
    /// new one, or `None` to leave it as it is. It may run several times (once per conflict).
    /// Returns the document as stored afterwards.
    ///
    /// # Errors
    /// Storage unavailable, an unreadable document, or contention beyond [`MAX_ROUNDS`].
    pub fn modify<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        mut change: impl FnMut(Option<&T>) -> Option<T>,
    ) -> Result<Option<T>, StoreError> {
        let mut may_create = false;
        for round in 0..MAX_ROUNDS {
            let cas = Cas::new(&self.bucket, key).map_err(|e| kv_error("cas", e))?;
            let current: Option<T> = cas
                .current()
                .map_err(|e| kv_error("cas read", e))?
                .map(|bytes| decode(key, &bytes))
                .transpose()?;
            let Some(next) = change(current.as_ref()) else {
                return Ok(current);
            };
            if current.is_none() && !may_create {
                may_create = round >= CREATOR_PATIENCE || self.elected_creator(key)?;
                if !may_create {
                    std::thread::sleep(PAUSE);
                    continue;
                }
            }
            match atomics::swap(cas, &encode(&next)?) {
                Ok(()) => return Ok(Some(next)),
                Err(CasError::CasFailed(_)) => std::thread::sleep(PAUSE * (round % 4 + 1)),
                Err(CasError::StoreError(e)) => return Err(kv_error("cas swap", e)),
            }
        }
        Err(StoreError(format!("too much contention on {key}")))
    }

    fn elected_creator(&self, key: &str) -> Result<bool, StoreError> {
        let n = atomics::increment(&self.bucket, &format!("{key}#create"), 1)
            .map_err(|e| kv_error("increment", e))?;
        Ok(n == 1)
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError(format!("encode: {e}")))
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError(format!("unreadable document {key}: {e}")))
}
