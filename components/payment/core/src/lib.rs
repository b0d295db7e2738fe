//! The payment bounded context's domain core: a stand-in for a payment provider that owns
//! payments, refunds and idempotency.
//!
//! - [`model`]: value objects (ids, [`model::Money`], [`model::CardToken`]).
//! - [`payment`]: the [`payment::Payment`] aggregate (approved → refunded, once, in full).
//! - [`decision`] and [`authorization`]: the pure authorization decision and the idempotent
//!   authorization use case around it.
//! - [`refund`]: the saga's compensation (reservation rejected or cancelled → refund).
//! - [`simulator`] and [`admin`]: the provider simulator's settings and the operator's use cases.
//! - [`tally`]: what the metrics' counters count.
//! - [`ports`]: what the core needs from storage, the clock, ids and the simulator's dice.
//!
//! No Spin, no I/O, no logging: the Spin component (`payment`) adapts this to HTTP, SQLite and
//! Redis.

pub mod admin;
pub mod authorization;
pub mod decision;
pub mod model;
pub mod payment;
pub mod ports;
pub mod refund;
pub mod simulator;
pub mod tally;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
