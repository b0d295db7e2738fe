//! The notification bounded context's domain core: every booking status change becomes exactly
//! one chat message to the customer, delivered with bounded retries and a delivery log.
//!
//! - [`model`]: statuses, notification ids (derived from reservation + status), status changes
//!   read from integration events, screening details.
//! - [`message`]: the customer-facing text, per language ([`locale`]: Korean by default, English on
//!   request in the customer's [`preferences`]), with the showtime in the venue's time zone.
//! - [`notification`] and [`delivery`]: the notification and its delivery state machine
//!   (PENDING → SENT | FAILED → retry … → give up).
//! - [`record`], [`deliver`], [`queries`]: the use cases.
//! - [`ports`]: storage (compare-and-swap documents and indexes), the chat channel, the clock.
//!
//! No Spin, no I/O, no logging: the Spin component (`notification`) adapts this to Redis events,
//! the key-value store, outbound HTTP and the `/my/notifications` and `/my/preferences` routes.

pub mod deliver;
pub mod delivery;
pub mod locale;
pub mod message;
pub mod model;
pub mod notification;
pub mod ports;
pub mod preferences;
pub mod queries;
pub mod record;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
