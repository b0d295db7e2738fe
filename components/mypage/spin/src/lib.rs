//! The mypage Spin component: the customer's booking-status page (CQRS read model).
//!
//! - [`http`] (component `mypage`): `GET /my/reservations` — reads the key-value store only;
//! - [`events`] (component `mypage-events`, Redis doorbell): drains consumer group `mypage` and
//!   projects each event with `mypage-core`;
//! - [`store`]: the key-value adapter (store `mypage`), with compare-and-swap for shared documents.
//!
//! Only the events side writes the store (one trigger type per store, see SPIN-NOTES).

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
        crate::events::drain()
    }
}
