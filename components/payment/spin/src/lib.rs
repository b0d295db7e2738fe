//! The payment Spin component: HTTP and Redis adapters around `payment-core`.
//!
//! - `payment` (HTTP, private — reached by service chaining from the reservation context and
//!   through the gateway for the admin routes): [`http`].
//! - `payment-events` (Redis doorbell on `cinema.events`, consumer group `payment`): [`events`]
//!   refunds the payment of every rejected or cancelled reservation. The same drain is served
//!   as `POST /admin/events/drain` where no Redis trigger exists.
//! - [`store`]: the SQLite database `payment` (payments, refunds, attempts, simulator settings,
//!   outbox, inbox, the metrics' counters). [`metrics`]: `GET /admin/metrics`. [`system`]: clock,
//!   ids, the simulator's dice and sleep.

mod config;
mod events;
mod http;
mod metrics;
mod store;
mod system;

/// The context's name in logs, events and the consumer group.
pub(crate) const CONTEXT: &str = "payment";

// The event types this context publishes (its outbox refuses others; only their serialisers are
// linked in).
cinema_events::payload_set!(
    pub(crate) Published:
    PaymentApproved,
    PaymentRefunded,
);

#[allow(unsafe_code)] // the spin-sdk entry-point macros expand to FFI glue; no logic lives here
mod entry {
    #[spin_sdk::http_component]
    fn handle(req: spin_sdk::http::Request) -> spin_sdk::http::Response {
        cinema_http::timing::reset();
        let mut response = crate::http::handle(&req);
        cinema_http::timing::stamp(&mut response, "pay");
        response
    }

    #[spin_sdk::redis_component]
    fn on_doorbell(_message: bytes::Bytes) -> anyhow::Result<()> {
        crate::events::drain()?;
        Ok(())
    }
}
