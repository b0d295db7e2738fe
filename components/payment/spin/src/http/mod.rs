//! The HTTP side (component `payment`, private): routing and the one place where use-case errors
//! become API errors.
//!
//! | Route | Who |
//! |---|---|
//! | `POST /payments` | the reservation context, by service chaining (not exposed by the gateway) |
//! | `GET /payments/{payment_id}` | admin |
//! | `GET`, `PUT /admin/payment-simulator` | admin |
//! | `POST /admin/events/relay` | admin |
//! | `POST /admin/events/drain` (only with `http_drain=true`) | admin |
//! | `GET /admin/events/dead-letters`, `GET /admin/metrics` | admin |

mod errors;
mod payments;
mod relay;
mod simulator;
mod views;

use cinema_eventing::metrics_endpoint;
use cinema_eventing::{dead_letters, drain_endpoint};
use cinema_http::{ApiError, RequestContext};
use spin_sdk::http::{Method, Request, Response};

pub fn handle(req: &Request) -> Response {
    let ctx = RequestContext::from_request(req);
    route(req, &ctx).unwrap_or_else(ApiError::into_response)
}

fn route(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    let segments: Vec<&str> = req.path().trim_matches('/').split('/').collect();
    let method = req.method();
    match segments.as_slice() {
        ["payments"] => match method {
            Method::Post => payments::authorize(req, ctx),
            _ => Err(ApiError::method_not_allowed("POST")),
        },
        ["payments", payment_id] => match method {
            Method::Get => payments::get(ctx, payment_id),
            _ => Err(ApiError::method_not_allowed("GET")),
        },
        ["admin", "payment-simulator"] => match method {
            Method::Get => simulator::get(ctx),
            Method::Put => simulator::put(req, ctx),
            _ => Err(ApiError::method_not_allowed("GET, PUT")),
        },
        ["admin", "events", "relay"] => match method {
            Method::Post => relay::post(ctx),
            _ => Err(ApiError::method_not_allowed("POST")),
        },
        ["admin", "events", "drain"] => {
            drain_endpoint::serve(crate::CONTEXT, method, ctx, crate::events::drain)
        }
        ["admin", "events", "dead-letters", rest @ ..] => {
            dead_letters::serve(crate::CONTEXT, method, &rest.join("/"), ctx)
        }
        ["admin", "metrics"] => {
            metrics_endpoint::serve(crate::CONTEXT, method, ctx, crate::metrics::gather)
        }
        _ => Err(ApiError::not_found(format!("no route for {}", req.path()))),
    }
}
