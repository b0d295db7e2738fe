//! The theater bounded context's domain core: halls and their seat layouts, movies, screenings
//! (which occupy a hall for the movie's runtime plus a cleaning gap), and the seat inventory of
//! each screening — no seat is ever sold twice.
//!
//! - Model: [`hall`], [`seat`], [`money`], [`pricing`], [`movie`], [`showtime`], [`screening`], [`seat_map`].
//! - Decisions (pure, return events): [`allocation`] — what a `ReservationPlaced` or
//!   `ReservationCancelled` does to the seat inventory; [`hold`] — what a `SeatsHeld` or
//!   `HoldReleased` shows in the seat maps (display only: holds never block an allocation).
//! - Ports: [`ports`] — repositories, the event publisher (an outbox in the same transaction),
//!   clock and ids.
//! - Use cases: [`services`].
//!
//! No Spin, no I/O, no logging: the Spin component wraps every use case in one SQLite
//! transaction and provides the ports.

pub mod allocation;
pub mod error;
pub mod hall;
pub mod hold;
pub mod ids;
pub mod money;
pub mod movie;
pub mod ports;
pub mod pricing;
pub mod screening;
pub mod seat;
pub mod seat_map;
pub mod services;
pub mod showtime;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{StoreError, ValidationError};
