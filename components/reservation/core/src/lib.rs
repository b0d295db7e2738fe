//! The reservation context's domain core: bookings and their lifecycle (the saga's booking side),
//! the circuit breaker guarding the payment call, and idempotency of booking requests.
//!
//! Pure Rust: decisions take the current time and return events; I/O lives in the Spin adapter.

pub mod breaker;
pub mod idempotency;
pub mod model;
pub mod reservation;

pub use model::{CustomerId, Money, ReservationId, Screening, SeatLabel, SeatSelection};
pub use reservation::{CancelError, PaymentStatus, PlaceError, Reservation, Status};
