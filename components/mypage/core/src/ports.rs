//! What the mypage core needs from its store. Every write is idempotent (set semantics), so an
//! event applied twice, or by two replicas at once, leaves the same state.

use crate::screening::ScreeningInfo;
use crate::view::ReservationView;

/// The store failed or kept conflicting; the event should be retried later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mypage store: {0}")]
pub struct StoreError(pub String);

/// A change to one document: given the current value, the new one, or `None` to leave it.
pub type Change<'a, T> = &'a dyn Fn(Option<&T>) -> Option<T>;

/// One view per reservation.
pub trait ReservationViews {
    /// Applies `change` atomically: if another writer got there first, `change` runs again on
    /// the newer value (compare-and-swap).
    ///
    /// # Errors
    /// [`StoreError`] when the store fails or contention does not settle.
    fn update(
        &self,
        reservation_id: &str,
        change: Change<'_, ReservationView>,
    ) -> Result<(), StoreError>;

    /// The views that exist among `reservation_ids` (missing ones are skipped).
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    fn get_many(&self, reservation_ids: &[String]) -> Result<Vec<ReservationView>, StoreError>;
}

/// Which reservations belong to a customer.
pub trait CustomerIndex {
    /// Adds the reservation to the customer's list (a no-op if it is there), atomically.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails or contention does not settle.
    fn add(&self, customer_id: &str, reservation_id: &str) -> Result<(), StoreError>;

    /// The customer's reservation ids (empty for an unknown customer).
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    fn list(&self, customer_id: &str) -> Result<Vec<String>, StoreError>;
}

/// Screenings as announced by the theater.
pub trait Screenings {
    /// Stores (or replaces) a screening.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError>;

    /// The screenings that are known among `screening_ids`.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    fn get_many(&self, screening_ids: &[String]) -> Result<Vec<ScreeningInfo>, StoreError>;
}

/// Ids of the events already applied.
pub trait Inbox {
    /// # Errors
    /// [`StoreError`] when the store fails.
    fn seen(&self, event_id: &str) -> Result<bool, StoreError>;

    /// # Errors
    /// [`StoreError`] when the store fails.
    fn record(&self, event_id: &str) -> Result<(), StoreError>;
}
