//! The mypage bounded context's domain core: the customer's booking-status page as a CQRS read
//! model, built only from integration events (never by reading another context's data).
//!
//! - [`view`]: the per-reservation view and [`view::apply`], the pure projection step that
//!   tolerates duplicate and out-of-order events;
//! - [`screening`]: screening details learned from `ScreeningScheduled`;
//! - [`listing`]: the API shape, joined with screenings at read time, newest first;
//! - [`projector`] (events in) and [`queries`] (page out): the use cases over the [`ports`].
//!
//! No Spin, no I/O; in-memory fakes and sample events in [`testing`].

pub mod listing;
pub mod ports;
pub mod projector;
pub mod queries;
pub mod screening;
pub mod view;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
