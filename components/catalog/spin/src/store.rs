//! The read model in key-value store `catalog`: `movie:{id}`, `screening:{id}` and
//! `index:movies` hold JSON documents, `summary:{id}` what a listing shows of screening `id`
//! (written after each change of the screening, newer versions only); `booking:{reservation id}`
//! and `sales:{screening id}` what the staff programme counts; `inbox:{event_id}` marks
//! projected events.
//!
//! Every write goes through [`cinema_eventing::kv::Documents::update_json`]: a compare-and-swap
//! loop, retried (and logged) on conflict, that also creates absent documents safely — projector
//! replicas may run in parallel.

use catalog_core::StoreError;
use catalog_core::documents::{MovieDoc, MovieIndex, ScreeningDoc, ScreeningSummary};
use catalog_core::ports::{CatalogReader, CatalogWriter, Inbox};
use catalog_core::sales::{BookingDoc, SalesDoc};
use cinema_eventing::{inbox, kv::Documents};

const STORE: &str = "catalog";
const INDEX_KEY: &str = "index:movies";

fn movie_key(id: &str) -> String {
    format!("movie:{id}")
}

fn screening_key(id: &str) -> String {
    format!("screening:{id}")
}

fn summary_key(id: &str) -> String {
    format!("summary:{id}")
}

fn booking_key(id: &str) -> String {
    format!("booking:{id}")
}

fn sales_key(id: &str) -> String {
    format!("sales:{id}")
}

pub struct KvCatalog {
    documents: Documents,
}

impl KvCatalog {
    /// # Errors
    /// The store is not granted or cannot be opened.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            documents: Documents::open(STORE, crate::CONTEXT).map_err(StoreError::new)?,
        })
    }
}

impl CatalogReader for KvCatalog {
    fn movie_index(&self) -> Result<Option<MovieIndex>, StoreError> {
        self.documents.get_json(INDEX_KEY).map_err(StoreError::new)
    }

    fn movie(&self, movie_id: &str) -> Result<Option<MovieDoc>, StoreError> {
        self.documents
            .get_json(&movie_key(movie_id))
            .map_err(StoreError::new)
    }

    fn screening(&self, screening_id: &str) -> Result<Option<ScreeningDoc>, StoreError> {
        self.documents
            .get_json(&screening_key(screening_id))
            .map_err(StoreError::new)
    }

    /// The summary document; derived from the screening document when there is none yet (a
    /// store written by an earlier version, or a crash between the two writes).
    fn screening_summary(
        &self,
        screening_id: &str,
    ) -> Result<Option<ScreeningSummary>, StoreError> {
        match self
            .documents
            .get_json(&summary_key(screening_id))
            .map_err(StoreError::new)?
        {
            Some(summary) => Ok(Some(summary)),
            None => Ok(self
                .screening(screening_id)?
                .map(|doc| ScreeningSummary::from(&doc))),
        }
    }

    fn sales(&self, screening_id: &str) -> Result<Option<SalesDoc>, StoreError> {
        self.documents
            .get_json(&sales_key(screening_id))
            .map_err(StoreError::new)
    }
}

impl CatalogWriter for KvCatalog {
    fn update_index(
        &self,
        change: &dyn Fn(Option<MovieIndex>) -> Option<MovieIndex>,
    ) -> Result<(), StoreError> {
        self.documents
            .update_json(INDEX_KEY, change)
            .map(drop)
            .map_err(StoreError::new)
    }

    fn update_movie(
        &self,
        movie_id: &str,
        change: &dyn Fn(Option<MovieDoc>) -> Option<MovieDoc>,
    ) -> Result<(), StoreError> {
        self.documents
            .update_json(&movie_key(movie_id), change)
            .map(drop)
            .map_err(StoreError::new)
    }

    fn update_screening(
        &self,
        screening_id: &str,
        change: &dyn Fn(Option<ScreeningDoc>) -> Option<ScreeningDoc>,
    ) -> Result<(), StoreError> {
        let Some(stored) = self
            .documents
            .update_json(&screening_key(screening_id), change)
            .map_err(StoreError::new)?
        else {
            return Ok(());
        };
        // Also when this event changed nothing: a summary missed by a crash is written now.
        let summary = ScreeningSummary::from(&stored);
        self.documents
            .update_json(
                &summary_key(screening_id),
                |current: Option<ScreeningSummary>| match current {
                    Some(current) if current.version >= summary.version => None,
                    _ => Some(summary.clone()),
                },
            )
            .map(drop)
            .map_err(StoreError::new)
    }

    fn update_booking(
        &self,
        reservation_id: &str,
        change: &dyn Fn(Option<BookingDoc>) -> Option<BookingDoc>,
    ) -> Result<Option<BookingDoc>, StoreError> {
        self.documents
            .update_json(&booking_key(reservation_id), change)
            .map_err(StoreError::new)
    }

    fn update_sales(
        &self,
        screening_id: &str,
        change: &dyn Fn(Option<SalesDoc>) -> Option<SalesDoc>,
    ) -> Result<(), StoreError> {
        self.documents
            .update_json(&sales_key(screening_id), change)
            .map(drop)
            .map_err(StoreError::new)
    }
}

/// The shared key-value inbox of `cinema-eventing`, written once per batch
/// ([`KvInbox::flush`] before the batch is acknowledged).
pub struct KvInbox(inbox::KvInbox);

impl KvInbox {
    /// # Errors
    /// The store is not granted or cannot be opened.
    pub fn open() -> Result<Self, StoreError> {
        inbox::KvInbox::open(STORE)
            .map(Self)
            .map_err(StoreError::new)
    }

    /// Prunes old entries now and then (see `cinema_eventing::inbox`).
    pub fn prune_now_and_then(&self, redis_address: &str) {
        self.0.prune_now_and_then(redis_address, crate::CONTEXT);
    }

    /// # Errors
    /// The store's: the batch must not be acknowledged.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.0.flush().map_err(StoreError::new)
    }
}

impl Inbox for KvInbox {
    fn seen(&self, event_id: &str) -> Result<bool, StoreError> {
        self.0.seen(event_id).map_err(StoreError::new)
    }

    fn record(&self, event_id: &str) -> Result<(), StoreError> {
        self.0.record(event_id);
        Ok(())
    }
}
