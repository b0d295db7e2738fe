//! The mypage Spin component: the customer's booking-status page (CQRS read model).
//!
//! - [`http`] (component `mypage`): `GET /my/reservations` — reads the key-value store only;
//!   `POST /admin/events/drain` (off unless `http_drain=true`) runs the same drain as the events
//!   side, for platforms without the Redis trigger;
//! - [`events`] (component `mypage-events`, Redis doorbell): drains consumer group `mypage` and
//!   projects each event with `mypage-core`;
//! - [`store`]: the key-value adapter (store `mypage`), with compare-and-swap for shared documents.
//!
//! Only one trigger type may write the store (see SPIN-NOTES): the events side, or — where no Redis
//! trigger runs — the HTTP drain.

mod events;
mod http;
mod store;

/// The context name in log lines.
const CONTEXT: &str = "mypage";

/// The Spin entry points (the SDK's macros expand to `unsafe` glue; no logic lives here).
#[allow(unsafe_code)]
mod entry {
    use spin_sdk::http::{Request, Response};

    #[spin_sdk::http_component]
    fn handle(req: Request) -> Response {
        crate::http::handle(&req)
    }

    #[spin_sdk::redis_component]
    fn on_doorbell(_message: bytes::Bytes) -> anyhow::Result<()> {
        crate::events::drain()?;
        Ok(())
    }
}
