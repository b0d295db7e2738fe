//! The catalog bounded context's domain core: the public read model of movies, their
//! screenings and the seats left, projected from the theater's events; and the staff
//! programme's sales figures, projected from the reservation and payment events.
//!
//! - [`documents`]: what the read model stores — one document per movie, one per screening and
//!   an index of movie ids.
//! - [`projection`]: pure `apply(event, document) -> document` functions. They are idempotent
//!   and order-insensitive (set semantics), so duplicates and reordering leave the same result;
//!   `seats_left` is derived from the set of allocated reservations, never counted up or down.
//! - [`views`]: the API's shapes, built from documents.
//! - [`sales`]: each booking's state from the reservation and refund events, and a screening's
//!   sales figures; [`programme`]: the staff programme built from them.
//! - [`ports`], [`services`]: the projector (events → documents, then the inbox) and the queries.
//!
//! No Spin, no I/O: the Spin component stores the documents in key-value store `catalog` and
//! guards every read-modify-write with compare-and-swap.

pub mod documents;
pub mod ports;
pub mod programme;
pub mod projection;
pub mod sales;
pub mod services;
pub mod views;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

/// A port failed (store unavailable, corrupt document…). The text is for logs only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

impl StoreError {
    pub fn new(cause: impl std::fmt::Display) -> Self {
        Self(cause.to_string())
    }
}
