//! The reservation Spin component: booking HTTP API (private, behind the gateway) and the
//! `reservation-events` consumer (same wasm) that moves bookings along the saga. The same drain
//! also runs over HTTP (`POST /admin/events/drain`) where no Redis trigger exists.

mod breaker_store;
mod config;
mod events;
mod http;
mod metrics;
mod payment_client;
mod store;
mod views;

pub(crate) const CONTEXT: &str = "reservation";

// The event types this context publishes (its outbox refuses others; only their serialisers are
// linked in).
cinema_events::payload_set!(
    pub(crate) Published:
    ReservationPlaced,
    ReservationConfirmed,
    ReservationRejected,
    ReservationCancelled,
    ReservationAbandoned,
    SeatsHeld,
    HoldReleased,
);

#[allow(unsafe_code)]
mod entry {
    use spin_sdk::http::{Request, Response};

    #[spin_sdk::http_component]
    fn handle(req: Request) -> Response {
        cinema_http::timing::reset();
        let mut response = crate::http::handle(req);
        cinema_http::timing::stamp(&mut response, "rsv");
        response
    }

    #[spin_sdk::redis_component]
    fn on_doorbell(_message: bytes::Bytes) -> anyhow::Result<()> {
        crate::events::drain()?;
        Ok(())
    }
}
