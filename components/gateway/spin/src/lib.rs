//! The gateway Spin component: the single public entry point (`/api/...`).
//!
//! Per request: pick the correlation id, admit the request (rate limits, route table, JWT, role —
//! all decided by `gateway-core`), then either answer it here (`/auth/dev-token`, `/health`, the
//! `/admin/events/relay` and `/admin/events/drain` fan-outs) or forward it to the private context
//! with the identity headers only the gateway may set. Every answer carries `x-correlation-id` and
//! leaves one access-log line.
//!
//! - [`http`]: the request pipeline; [`errors`]: every error response, in one place;
//! - [`forward`]: the call to a private context and the copy of its answer;
//! - [`dev_token`], [`relay`], [`drain`], [`dead_letters`], [`metrics`]: the endpoints the gateway
//!   serves itself
//!   ([`admin_call`]: their calls to the contexts; [`deadline`]: the metrics fan-out's bound);
//! - [`counters`]: the rate-limit counters in Redis (they expire by themselves);
//! - [`config`]: Spin variables; [`access_log`]: the per-request log line.

mod access_log;
mod admin_call;
mod config;
mod counters;
mod dead_letters;
mod deadline;
mod dev_token;
mod drain;
mod errors;
mod forward;
mod http;
mod metrics;
mod relay;

/// The Spin entry point (the SDK's macro expands to `unsafe` glue; no logic lives here).
#[allow(unsafe_code)]
mod entry {
    use spin_sdk::http::{IncomingRequest, Response};

    #[spin_sdk::http_component]
    async fn handle(req: IncomingRequest) -> Response {
        crate::http::handle(req).await
    }
}
