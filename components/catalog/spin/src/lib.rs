//! The catalog Spin component: the public read model of movies, screenings and seats left.
//!
//! - [`http`]: `GET /movies`, `GET /movies/{id}` — read-only; [`programme`]:
//!   `GET /admin/programme` (admin), read-only; and `POST /admin/events/drain`
//!   (off unless `http_drain=true`), which runs the projector for platforms without the Redis
//!   trigger — then, and only then, this side writes the store.
//! - [`events`]: the Redis-triggered projector (`catalog-events`, consumer group `catalog`).
//! - [`store`]: documents in key-value store `catalog`, updated with compare-and-swap.

mod events;
mod http;
mod programme;
mod store;

/// The context's name: log `context`, consumer group.
const CONTEXT: &str = "catalog";

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
