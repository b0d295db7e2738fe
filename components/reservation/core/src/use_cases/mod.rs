//! The reservation context's use cases. Each takes its ports as references and returns a
//! [`ReservationError`](crate::error::ReservationError) when it refuses or fails; the Spin
//! component parses requests, executes a use case and maps the result.
//!
//! - [`holds`]: `HoldSeats`, `ReleaseHold`, `ViewHold` — choosing seats claims them for a while.
//! - [`place`]: `PlaceReservation` — the booking flow: hold, breaker, payment, paid booking.
//! - [`cancel`]: `CancelReservation` — the customer's cancellation.
//! - [`saga`]: `ApplySagaEvent` — the theater's and payment's answers.
//! - [`abandon`]: `AbandonStale` — attempts whose instance died mid-call get refunded.
//! - [`tickets`]: `ViewTicket`, `CheckIn` — a confirmed booking's signed ticket, admitted once.
//!
//! Holds and bookings with ticket types, seat kinds and couple pairs are tested together in
//! `ticket_tests` (`place.rs` is long enough).

pub mod abandon;
pub mod cancel;
pub mod holds;
pub mod place;
pub mod saga;
pub mod tickets;

#[cfg(test)]
mod ticket_tests;

use chrono::Duration;

/// The context's timing rules (from Spin variables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// How long a hold lasts (`hold_ttl_s`, default 600 s).
    pub hold_ttl: Duration,
    /// The deadline of the payment call (`payment_timeout_ms`, default 2000, at most 3000).
    pub payment_timeout_ms: u64,
}

impl Timing {
    pub const DEFAULT_HOLD_TTL_S: i64 = 600;

    /// How long after it started a booking request is certainly gone: twice the payment deadline
    /// plus a margin. Its seats stay claimed that long; afterwards its pending attempt is abandoned
    /// by the sweep and its idempotency key may be taken over.
    pub fn call_allowance(&self) -> Duration {
        Duration::milliseconds(i64::try_from(self.payment_timeout_ms).unwrap_or(3000) * 2 + 10_000)
    }
}
