//! JSON documents in a `wasi:keyvalue` bucket, for key-value read models: plain reads, and
//! read-modify-writes that stay correct when several replicas write the same document at once.
//!
//! [`Documents::update_json`] is a compare-and-swap loop (`wasi:keyvalue/atomics`): read the
//! document, let the caller compute the next one, swap it in only if nobody changed it
//! meanwhile, otherwise log the conflict and start over, up to [`MAX_ATTEMPTS`] times.
//!
//! One gap needs care: on Spin's SQLite-backed store a swap from "absent" is an unconditional
//! upsert, so two writers creating the same document could overwrite each other. A document is
//! therefore created by exactly one writer, elected with an atomic counter `seed:{key}` (the
//! first to increment it), which writes its first version; every later write is a CAS from an
//! existing value. The others wait a moment for the creator; if the document still has not
//! appeared after [`TAKEOVER_AFTER`] attempts (~100 ms), the creator is presumed gone and any
//! writer creates it. (A creator that merely stalls that long between its `exists` check and its
//! write could still overwrite a document written meanwhile; the store offers no
//! insert-if-absent to close that window.) Documents created by earlier versions start as `null`
//! (the empty document), which reads as absent. Keep counters and documents apart: the `seed:`
//! keys hold 8-byte counters.

use serde::Serialize;
use serde::de::DeserializeOwned;
use spin_sdk::wit::wasi::keyvalue::atomics::{self, Cas, CasError};
use spin_sdk::wit::wasi::keyvalue::batch;
use spin_sdk::wit::wasi::keyvalue::store::{self, Bucket};

use crate::Error;

/// Read-modify-write rounds before [`Documents::update_json`] gives up under contention.
pub const MAX_ATTEMPTS: u32 = 40;
/// Rounds a writer waits for the elected creator before creating the document itself.
pub const TAKEOVER_AFTER: u32 = 20;
/// The pause of a writer that waits for the creator.
const WAIT: std::time::Duration = std::time::Duration::from_millis(5);

/// A bucket of JSON documents, and the context its log lines name.
pub struct Documents {
    bucket: Bucket,
    context: String,
}

impl Documents {
    /// Opens the key-value store `label` (it must be granted to the component).
    ///
    /// # Errors
    /// [`Error::KeyValue`]: the store is not granted, not configured or unavailable.
    pub fn open(label: &str, context: &str) -> Result<Self, Error> {
        let bucket = cinema_http::timing::time("kv-open", || store::open(label))
            .map_err(|e| kv_error("open", e))?;
        Ok(Self::new(bucket, context))
    }

    /// Wraps a bucket the caller already opened.
    pub fn new(bucket: Bucket, context: &str) -> Self {
        Self {
            bucket,
            context: context.to_string(),
        }
    }

    pub fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    /// The document at `key`; `None` if it is absent (or still empty, being created).
    ///
    /// # Errors
    /// [`Error::KeyValue`]: the store failed, or the stored bytes are not JSON for a `T`.
    pub fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        match cinema_http::timing::time("kv-get", || self.bucket.get(key))
            .map_err(|e| kv_error("get", e))?
        {
            None => Ok(None),
            Some(bytes) => decode(key, &bytes),
        }
    }

    /// The documents that exist among `keys`, in the order of `keys`; absent and still-empty
    /// ones are left out. Each is decoded on its own, so the caller decides what an unreadable
    /// one means (skip it, or fail with the first error).
    ///
    /// # Errors
    /// [`Error::KeyValue`]: the store failed.
    pub fn get_many_json<T: DeserializeOwned>(
        &self,
        keys: &[String],
    ) -> Result<Vec<Result<T, Error>>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // Spin answers only the keys it found (some hosts every key, `None` where missing), in
        // no promised order: index the answer and walk the request.
        let mut found: std::collections::HashMap<String, Vec<u8>> =
            batch::get_many(&self.bucket, keys)
                .map_err(|e| kv_error("get many", e))?
                .into_iter()
                .filter_map(|(key, value)| Some((key, value?)))
                .collect();
        Ok(keys
            .iter()
            .filter_map(|key| {
                let bytes = found.remove(key)?;
                decode(key, &bytes).transpose()
            })
            .collect())
    }

    /// Writes `value` at `key` unconditionally: only for documents that are never changed with
    /// [`Self::update_json`] (set as announced, every writer writing the same value).
    ///
    /// # Errors
    /// [`Error::KeyValue`]: the value cannot be encoded, or the store failed.
    pub fn set_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.bucket
            .set(key, &encode(key, value)?)
            .map_err(|e| kv_error("set", e))
    }

    /// Read-modify-write of one document, atomic against concurrent writers. `change` gets the
    /// current document (`None` if absent) and returns the next one, or `None` to leave it as
    /// it is; returning an equal document writes nothing either. `change` runs again after every
    /// conflict, so it must be a pure function of its argument. Returns the document as stored
    /// after the call.
    ///
    /// # Errors
    /// [`Error::KeyValue`]: the store failed, the stored bytes are not JSON for a `T`, the next
    /// document cannot be encoded, or the document was still conflicting after
    /// [`MAX_ATTEMPTS`] rounds (nothing was written then; retrying later is safe).
    pub fn update_json<T>(
        &self,
        key: &str,
        mut change: impl FnMut(Option<T>) -> Option<T>,
    ) -> Result<Option<T>, Error>
    where
        T: Serialize + DeserializeOwned + PartialEq + Clone,
    {
        for attempt in 0..MAX_ATTEMPTS {
            let cas = Cas::new(&self.bucket, key).map_err(|e| kv_error("cas", e))?;
            let stored = cas.current().map_err(|e| kv_error("cas current", e))?;
            let current: Option<T> = match &stored {
                Some(bytes) => decode(key, bytes)?,
                None => None,
            };
            let Some(next) = change(current.clone()) else {
                return Ok(current);
            };
            if current.as_ref() == Some(&next) {
                return Ok(current);
            }
            // Absent: only the elected creator writes, and its swap is the creating write (an
            // upsert on Spin's store).
            if stored.is_none() && !self.may_create(key, attempt)? {
                continue;
            }
            match atomics::swap(cas, &encode(key, &next)?) {
                Ok(()) => return Ok(Some(next)),
                Err(CasError::CasFailed(_)) => cinema_http::log(
                    &self.context,
                    cinema_http::Level::Info,
                    "concurrent update; retrying",
                    &[("key", key), ("attempt", &attempt.to_string())],
                ),
                Err(CasError::StoreError(e)) => return Err(kv_error("swap", e)),
            }
        }
        Err(Error::KeyValue(format!(
            "{key}: still conflicting after {MAX_ATTEMPTS} attempts"
        )))
    }

    /// Whether this writer may create the absent document `key`: it won the election (or the
    /// winner seems gone) and the document is still absent. A writer that may not waits a moment
    /// for the winner.
    fn may_create(&self, key: &str, attempt: u32) -> Result<bool, Error> {
        let elected = attempt == 0
            && atomics::increment(&self.bucket, &format!("seed:{key}"), 1)
                .map_err(|e| kv_error("increment", e))?
                == 1;
        if elected || attempt >= TAKEOVER_AFTER {
            Ok(!self.bucket.exists(key).map_err(|e| kv_error("exists", e))?)
        } else {
            std::thread::sleep(WAIT);
            Ok(false)
        }
    }
}

fn kv_error(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::KeyValue(format!("{what}: {e:?}"))
}

fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::KeyValue(format!("cannot encode {key}: {e}")))
}

/// `null` (the empty document of earlier versions) reads as `None`.
fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<Option<T>, Error> {
    serde_json::from_slice::<Option<T>>(bytes)
        .map_err(|e| Error::KeyValue(format!("unreadable document {key}: {e}")))
}
