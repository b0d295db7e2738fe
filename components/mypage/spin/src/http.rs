//! `GET /my/reservations` (the gateway has stripped `/api` and set `x-customer-id`), and
//! `POST /admin/events/drain` (admin, only with `http_drain=true`); `GET /admin/metrics` (admin;
//! nothing but that it answers).

use cinema_eventing::{dead_letters, drain_endpoint, metrics_endpoint};
use cinema_http::{ApiError, RequestContext};
use mypage_core::queries::{ListError, MyReservations};
use spin_sdk::http::{Method, Request, Response};

use crate::store::KvStore;

const PATH: &str = "/my/reservations";

pub fn handle(req: &Request) -> Response {
    let ctx = RequestContext::from_request(req);
    let mut response = match route(req, &ctx) {
        Ok(response) => response,
        Err(e) => e.into_response(),
    };
    response.set_header("x-correlation-id", ctx.correlation_id.as_str());
    response
}

fn route(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    if req.path() == drain_endpoint::PATH {
        return drain_endpoint::serve(crate::CONTEXT, req.method(), ctx, crate::events::drain);
    }
    if req.path() == metrics_endpoint::PATH {
        // A read model has nothing of its own worth counting: answering says it is up.
        return metrics_endpoint::serve(crate::CONTEXT, req.method(), ctx, || Ok(Vec::new()));
    }
    if let Some(rest) = req.path().strip_prefix(dead_letters::PATH) {
        return dead_letters::serve(crate::CONTEXT, req.method(), rest, ctx);
    }
    if req.path() != PATH {
        return Err(ApiError::not_found("no such endpoint"));
    }
    if *req.method() != Method::Get {
        return Err(ApiError::new(
            405,
            "method_not_allowed",
            "this endpoint accepts GET",
        ));
    }
    let customer = ctx.customer()?;
    let store = KvStore::open().map_err(|e| error(ListError::Unexpected(e), ctx))?;
    let page = MyReservations {
        views: &store,
        index: &store,
        screenings: &store,
    }
    .list(customer)
    .map_err(|e| error(e, ctx))?;
    Ok(cinema_http::json(200, &page))
}

/// The one place use-case errors become HTTP errors.
fn error(e: ListError, ctx: &RequestContext) -> ApiError {
    match e {
        ListError::Unexpected(cause) => {
            cinema_http::log(
                crate::CONTEXT,
                cinema_http::Level::Error,
                &format!("listing failed: {cause}"),
                &[("correlation_id", &ctx.correlation_id)],
            );
            ApiError::new(
                500,
                "internal",
                "something went wrong on our side; please retry",
            )
        }
    }
}
