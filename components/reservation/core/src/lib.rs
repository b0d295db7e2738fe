//! The reservation context's domain core: bookings and their lifecycle (the saga's booking side),
//! seat holds, the circuit breaker guarding the payment call, and idempotency of booking requests.
//!
//! - [`model`]: value objects and the screening copy; [`reservation`]: the booking aggregate;
//!   [`hold`]: seat holds.
//! - [`quote`]: a request checked against the screening (seats, couple pairs, tickets);
//!   [`pricing`]: ticket types and what a booking costs.
//! - [`ticket`]: booking numbers and signed ticket codes.
//! - [`breaker`] and [`idempotency`]: pure decisions; [`tally`]: what the metrics' counters count.
//! - [`use_cases`]: `HoldSeats`, `PlaceReservation`, `CancelReservation`, `ApplySagaEvent`,
//!   `AbandonStale`, `ViewTicket`, `CheckIn` (and viewing/releasing holds), all failing with one
//!   [`ReservationError`].
//! - [`ports`]: what the core needs from storage, payment, the breaker's shared state, the
//!   outbox, the clock and ids; fakes in `testing`.
//!
//! Pure Rust: no Spin, no I/O, no logging. The Spin component parses, executes, maps.

pub mod breaker;
pub mod error;
pub mod hold;
pub mod idempotency;
pub mod model;
pub mod ports;
pub mod pricing;
pub mod quote;
pub mod reservation;
pub mod tally;
pub mod ticket;
pub mod use_cases;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::ReservationError;
pub use hold::{Hold, HoldStatus};
pub use model::{CustomerId, HoldId, Money, ReservationId, Screening, SeatLabel, SeatSelection};
pub use pricing::{TicketRequest, Tickets};
pub use quote::PlaceError;
pub use reservation::{CancelError, PaymentStatus, Placement, Reservation, Status};
pub use ticket::{BookingNumber, TicketCode, TicketSecret};
