//! The theater Spin component: thin adapters around `theater-core`.
//!
//! - [`http`]: the private HTTP API (halls, movies and screenings, seat maps, outbox relay),
//!   reached through the gateway, which strips `/api`.
//! - [`events`]: the Redis-triggered consumer (`theater-events`): `ReservationPlaced` →
//!   allocate or reject, `ReservationCancelled` → release or tombstone, `SeatsHeld` /
//!   `HoldReleased` → show or stop showing held seats in the seat maps (display only). The same
//!   drain is served as `POST /admin/events/drain` where no Redis trigger exists.
//! - [`store`]: the SQLite database `theater` — schema and the core's repositories.
//! - [`outbound`]: the outbox publisher, clock and id generator.
//!
//! Every use case runs in one `BEGIN IMMEDIATE` transaction with its outbox rows (and, for
//! events, the inbox claim); the outbox is relayed to Redis after the commit.

mod config;
mod events;
mod forms;
mod http;
mod outbound;
mod store;

/// The context's name: log `context`, event `source`, consumer group.
const CONTEXT: &str = "theater";

// The event types this context publishes (its outbox refuses others; only their serialisers are
// linked in).
cinema_events::payload_set!(
    pub(crate) Published:
    MovieRegistered,
    ScreeningScheduled,
    SeatsAllocated,
    SeatsRejected,
    SeatsReleased,
);

#[allow(unsafe_code)] // the spin-sdk entry-point macros expand to FFI glue
mod entry {
    #[spin_sdk::http_component]
    fn handle(req: spin_sdk::http::Request) -> anyhow::Result<spin_sdk::http::Response> {
        Ok(crate::http::handle(&req))
    }

    #[spin_sdk::redis_component]
    fn on_message(_doorbell: bytes::Bytes) -> anyhow::Result<()> {
        crate::events::drain()?;
        Ok(())
    }
}
