//! The read model in key-value store `mypage`:
//!
//! | key | value |
//! |---|---|
//! | `reservation:{id}` | the reservation's view (JSON), updated by compare-and-swap |
//! | `customer:{id}:reservations` | the customer's reservation ids (JSON list), compare-and-swap |
//! | `screening:{id}` | screening details (JSON), set as announced |
//! | `seed:{key}` | creation counter of a compare-and-swap document (`cinema_eventing::kv`) |
//! | `inbox:{event id}` | applied events (`cinema_eventing::inbox`) |
//!
//! Compare-and-swap documents go through [`cinema_eventing::kv::Documents`]: a retried CAS loop
//! that also creates absent documents safely on Spin's SQLite-backed store (where a swap from
//! "absent" is an upsert), so projector replicas may run in parallel.

use cinema_eventing::inbox;
use cinema_eventing::kv::Documents;
use mypage_core::ports::{Change, CustomerIndex, Inbox, ReservationViews, Screenings, StoreError};
use mypage_core::screening::ScreeningInfo;
use mypage_core::view::ReservationView;
use serde::Serialize;
use serde::de::DeserializeOwned;

const LABEL: &str = "mypage";

pub struct KvStore {
    documents: Documents,
    /// The inbox (same store), written once per batch by [`KvStore::flush_inbox`].
    inbox: inbox::KvInbox,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl KvStore {
    /// # Errors
    /// The store is not granted to the component or cannot be opened.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            documents: Documents::open(LABEL, crate::CONTEXT).map_err(err)?,
            inbox: inbox::KvInbox::open(LABEL).map_err(err)?,
        })
    }

    /// Prunes old inbox entries now and then (see `cinema_eventing::inbox`).
    pub fn prune_inbox_now_and_then(&self, redis_address: &str) {
        self.inbox.prune_now_and_then(redis_address, crate::CONTEXT);
    }

    /// Writes the inbox records of the batch; call before the batch is acknowledged.
    ///
    /// # Errors
    /// The store's: the batch must not be acknowledged.
    pub fn flush_inbox(&self) -> Result<(), StoreError> {
        self.inbox
            .flush()
            .map_err(|e| StoreError(format!("inbox: {e}")))
    }

    /// The documents that exist among `keys`, in that order; an unreadable one is an error.
    fn get_many<T: DeserializeOwned>(&self, keys: &[String]) -> Result<Vec<T>, StoreError> {
        self.documents
            .get_many_json(keys)
            .map_err(err)?
            .into_iter()
            .map(|doc| doc.map_err(err))
            .collect()
    }

    /// Read-modify-write of one JSON document under compare-and-swap, retried on conflict.
    fn update<T>(&self, key: &str, change: Change<'_, T>) -> Result<(), StoreError>
    where
        T: Serialize + DeserializeOwned + PartialEq + Clone,
    {
        self.documents
            .update_json(key, |current: Option<T>| change(current.as_ref()))
            .map(drop)
            .map_err(err)
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
        KvStore::update(self, &reservation_key(reservation_id), change)
    }

    fn get_many(&self, reservation_ids: &[String]) -> Result<Vec<ReservationView>, StoreError> {
        let keys: Vec<String> = reservation_ids
            .iter()
            .map(|id| reservation_key(id))
            .collect();
        KvStore::get_many(self, &keys)
    }
}

impl CustomerIndex for KvStore {
    fn add(&self, customer_id: &str, reservation_id: &str) -> Result<(), StoreError> {
        self.update::<Vec<String>>(&customer_key(customer_id), &|ids| {
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
        Ok(self
            .documents
            .get_json(&customer_key(customer_id))
            .map_err(err)?
            .unwrap_or_default())
    }
}

impl Screenings for KvStore {
    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError> {
        self.documents
            .set_json(&screening_key(&screening.screening_id), screening)
            .map_err(err)
    }

    fn get_many(&self, screening_ids: &[String]) -> Result<Vec<ScreeningInfo>, StoreError> {
        let keys: Vec<String> = screening_ids.iter().map(|id| screening_key(id)).collect();
        KvStore::get_many(self, &keys)
    }
}

impl Inbox for KvStore {
    fn seen(&self, event_id: &str) -> Result<bool, StoreError> {
        self.inbox
            .seen(event_id)
            .map_err(|e| StoreError(format!("inbox: {e}")))
    }

    fn record(&self, event_id: &str) -> Result<(), StoreError> {
        self.inbox.record(event_id);
        Ok(())
    }
}
