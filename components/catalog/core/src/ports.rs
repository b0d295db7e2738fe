//! Ports of the catalog: reading documents, updating them atomically, and the inbox.

use crate::StoreError;
use crate::documents::{MovieDoc, MovieIndex, ScreeningDoc, ScreeningSummary};
use crate::sales::{BookingDoc, SalesDoc};

pub trait CatalogReader {
    /// # Errors
    /// Storage failure or an unreadable document.
    fn movie_index(&self) -> Result<Option<MovieIndex>, StoreError>;
    /// # Errors
    /// Storage failure or an unreadable document.
    fn movie(&self, movie_id: &str) -> Result<Option<MovieDoc>, StoreError>;
    /// # Errors
    /// Storage failure or an unreadable document.
    fn screening(&self, screening_id: &str) -> Result<Option<ScreeningDoc>, StoreError>;
    /// What a listing needs of a screening; by default derived from the whole document.
    ///
    /// # Errors
    /// Storage failure or an unreadable document.
    fn screening_summary(
        &self,
        screening_id: &str,
    ) -> Result<Option<ScreeningSummary>, StoreError> {
        Ok(self
            .screening(screening_id)?
            .map(|doc| ScreeningSummary::from(&doc)))
    }
    /// The bookings of a screening (for the staff programme).
    ///
    /// # Errors
    /// Storage failure or an unreadable document.
    fn sales(&self, screening_id: &str) -> Result<Option<SalesDoc>, StoreError>;
}

/// Read-modify-write of one document, atomic against concurrent writers: the adapter retries
/// on a conflict, so `change` may run more than once and must be a pure function. Returning the
/// same document (or `None` for an absent one) writes nothing.
pub trait CatalogWriter {
    /// # Errors
    /// Storage failure, or conflicts that did not resolve within the retry budget.
    fn update_index(
        &self,
        change: &dyn Fn(Option<MovieIndex>) -> Option<MovieIndex>,
    ) -> Result<(), StoreError>;
    /// # Errors
    /// As [`Self::update_index`].
    fn update_movie(
        &self,
        movie_id: &str,
        change: &dyn Fn(Option<MovieDoc>) -> Option<MovieDoc>,
    ) -> Result<(), StoreError>;
    /// # Errors
    /// As [`Self::update_index`].
    fn update_screening(
        &self,
        screening_id: &str,
        change: &dyn Fn(Option<ScreeningDoc>) -> Option<ScreeningDoc>,
    ) -> Result<(), StoreError>;
    /// Returns the booking as stored after the change.
    ///
    /// # Errors
    /// As [`Self::update_index`].
    fn update_booking(
        &self,
        reservation_id: &str,
        change: &dyn Fn(Option<BookingDoc>) -> Option<BookingDoc>,
    ) -> Result<Option<BookingDoc>, StoreError>;
    /// # Errors
    /// As [`Self::update_index`].
    fn update_sales(
        &self,
        screening_id: &str,
        change: &dyn Fn(Option<SalesDoc>) -> Option<SalesDoc>,
    ) -> Result<(), StoreError>;
}

/// The ids of events already projected.
pub trait Inbox {
    /// # Errors
    /// Storage failure.
    fn seen(&self, event_id: &str) -> Result<bool, StoreError>;
    /// # Errors
    /// Storage failure.
    fn record(&self, event_id: &str) -> Result<(), StoreError>;
}
