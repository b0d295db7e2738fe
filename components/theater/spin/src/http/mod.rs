//! The theater's private HTTP API (the gateway strips `/api` and checks roles; admin
//! operations check the `admin` role again here).
//!
//! | Route | Role |
//! |---|---|
//! | `POST /halls`, `GET /halls`, `GET /halls/{id}` | admin |
//! | `POST /movies`, `POST /movies/{id}/screenings` | admin |
//! | `GET /screenings/{id}/seats` | public |
//! | `GET /admin/screenings/{id}/seats` (the seat map with who has each taken seat) | admin |
//! | `POST /admin/events/relay` | admin |
//! | `POST /admin/events/drain` (only with `http_drain=true`) | admin |
//! | `GET /admin/events/dead-letters`, `GET /admin/metrics` | admin |

mod errors;
mod halls;
mod movies;
mod relay;
mod seats;

use cinema_eventing::metrics_endpoint::{self, outbox_pending};
use cinema_eventing::{dead_letters, drain_endpoint};
use cinema_http::{ApiError, RequestContext};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::sqlite3::Connection;

pub use errors::ToApiError;

type HttpResult = Result<Response, ApiError>;

pub fn handle(req: &Request) -> Response {
    let ctx = RequestContext::from_request(req);
    let path = req.path().trim_end_matches('/');
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method();
    let result = match segments.as_slice() {
        ["halls"] => match method {
            Method::Post => admin(&ctx).and_then(|()| halls::create(req, &ctx)),
            Method::Get => admin(&ctx).and_then(|()| halls::list()),
            _ => Err(ApiError::method_not_allowed("GET, POST")),
        },
        ["halls", id] => match method {
            Method::Get => admin(&ctx).and_then(|()| halls::get(id)),
            _ => Err(ApiError::method_not_allowed("GET")),
        },
        ["movies"] => match method {
            Method::Post => admin(&ctx).and_then(|()| movies::register(req, &ctx)),
            _ => Err(ApiError::method_not_allowed("POST")),
        },
        ["movies", movie_id, "screenings"] => match method {
            Method::Post => admin(&ctx).and_then(|()| movies::schedule(req, &ctx, movie_id)),
            _ => Err(ApiError::method_not_allowed("POST")),
        },
        ["screenings", screening_id, "seats"] => match method {
            Method::Get => seats::get(screening_id),
            _ => Err(ApiError::method_not_allowed("GET")),
        },
        ["admin", "screenings", screening_id, "seats"] => match method {
            Method::Get => admin(&ctx).and_then(|()| seats::get_for_staff(screening_id)),
            _ => Err(ApiError::method_not_allowed("GET")),
        },
        ["admin", "events", "relay"] => match method {
            Method::Post => admin(&ctx).and_then(|()| relay::relay(&ctx)),
            _ => Err(ApiError::method_not_allowed("POST")),
        },
        ["admin", "events", "drain"] => {
            drain_endpoint::serve(crate::CONTEXT, method, &ctx, crate::events::drain)
        }
        ["admin", "events", "dead-letters", rest @ ..] => {
            dead_letters::serve(crate::CONTEXT, method, &rest.join("/"), &ctx)
        }
        ["admin", "metrics"] => metrics_endpoint::serve(crate::CONTEXT, method, &ctx, || {
            Ok(vec![outbox_pending(&crate::store::open()?)?])
        }),
        _ => Err(ApiError::not_found(format!("no route for {path}"))),
    };
    let mut response = result.unwrap_or_else(ApiError::into_response);
    response.set_header("x-correlation-id", ctx.correlation_id);
    response
}

fn admin(ctx: &RequestContext) -> Result<(), ApiError> {
    ctx.require_admin()
}

fn open_db() -> Result<Connection, ApiError> {
    crate::store::open().map_err(|e| ApiError::internal(crate::CONTEXT, e))
}
