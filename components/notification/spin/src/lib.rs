//! The notification Spin component: Redis, HTTP and chat-channel adapters around
//! `notification-core`.
//!
//! - `notification-events` (Redis doorbell on `cinema.events`, consumer group `notification`):
//!   [`events`] records one notification per (reservation, status) and rings the delivery bell.
//! - `notification-delivery` (Redis, `cinema.deliveries` on an address of its own, variable
//!   `delivery_bell = "true"`): delivers what is due through the configured [`channels`]
//!   (KakaoTalk-style HTTP endpoint, or the log).
//! - `notification` (HTTP, private): [`http`] serves `GET /my/notifications` (read-only), and
//!   `POST /admin/events/drain` (off unless `http_drain=true`): the events side's drain, for
//!   platforms without the Redis trigger — then, and only then, this side writes the store.
//! - [`store`]: the key-value store `notification` (documents and indexes, compare-and-swap).

mod channels;
mod config;
mod events;
mod http;
mod store;

/// The context's name in logs and the consumer group.
pub(crate) const CONTEXT: &str = "notification";

#[allow(unsafe_code)] // the spin-sdk entry-point macros expand to FFI glue; no logic lives here
mod entry {
    #[spin_sdk::http_component]
    fn handle(req: spin_sdk::http::Request) -> spin_sdk::http::Response {
        crate::http::handle(&req)
    }

    #[spin_sdk::redis_component]
    fn on_message(_message: bytes::Bytes) -> anyhow::Result<()> {
        // The two Redis components share this wasm; the manifest tells them apart.
        if cinema_http::variable_or("delivery_bell", "false") == "true" {
            crate::events::on_delivery_bell()
        } else {
            crate::events::on_doorbell()
        }
    }
}
