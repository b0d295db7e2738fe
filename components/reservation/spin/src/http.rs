//! The private HTTP API (reached through the gateway, which strips `/api` and sets identity
//! headers). Errors are mapped to the API's JSON errors here and in `place.rs` only.

use cinema_eventing::{dead_letters, drain_endpoint, outbox, sql};
use cinema_http::{ApiError, RequestContext, json};
use reservation_core::{CancelError, CustomerId, Reservation};
use serde_json::json as j;
use spin_sdk::http::{Method, Request, Response};

use crate::config::Config;
use crate::{CONTEXT, store};

pub fn handle(req: Request) -> Response {
    let ctx = RequestContext::from_request(&req);
    let path = req.path().split('?').next().unwrap_or("").to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let result = match (req.method(), segments.as_slice()) {
        (Method::Post, ["reservations"]) => crate::place::handle(&req, &ctx),
        (Method::Get, ["reservations"]) => list(&ctx),
        (Method::Get, ["reservations", id]) => get(&ctx, id),
        (Method::Delete, ["reservations", id]) => cancel(&ctx, id),
        (Method::Post, ["admin", "events", "relay"]) => relay(&ctx),
        (method, ["admin", "events", "drain"]) => {
            drain_endpoint::serve(CONTEXT, method, &ctx, crate::events::drain)
        }
        (method, ["admin", "events", "dead-letters", rest @ ..]) => {
            dead_letters::serve(CONTEXT, method, &rest.join("/"), &ctx)
        }
        (_, ["reservations"] | ["reservations", _] | ["admin", "events", "relay"]) => Err(
            ApiError::new(405, "method_not_allowed", "this method is not allowed here"),
        ),
        _ => Err(ApiError::not_found("no such resource")),
    };
    result.unwrap_or_else(ApiError::into_response)
}

/// The API's view of a booking.
pub fn view(r: &Reservation) -> serde_json::Value {
    j!({
        "reservation_id": r.id,
        "customer_id": r.customer_id,
        "screening_id": r.screening_id,
        "seats": r.seats,
        "total": r.total,
        "status": r.status.as_str(),
        "payment_status": r.payment_status.as_str(),
        "payment_id": r.payment_id,
        "rejection_reason": r.rejection.map(|reason| reason.code()),
        "version": r.version,
        "created_at": r.created_at.to_rfc3339(),
        "updated_at": r.updated_at.to_rfc3339(),
    })
}

pub fn unexpected(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(CONTEXT, e)
}

fn customer(ctx: &RequestContext) -> Result<CustomerId, ApiError> {
    CustomerId::parse(ctx.customer()?)
        .map_err(|_| ApiError::unauthorized("the customer id is not valid"))
}

fn get(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let conn = store::open().map_err(unexpected)?;
    match store::reservation(&conn, id).map_err(unexpected)? {
        Some(r) if r.customer_id == customer => {
            if r.allocation_overdue(cinema_http::now()) {
                nudge(&conn, &ctx.correlation_id);
            }
            Ok(json(200, &view(&r)))
        }
        // Another customer's booking is reported as absent: its existence is not theirs to know.
        _ => Err(ApiError::not_found("reservation not found")),
    }
}

fn list(ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let conn = store::open().map_err(unexpected)?;
    let all = store::reservations_of(&conn, customer.as_str()).map_err(unexpected)?;
    let now = cinema_http::now();
    if all.iter().any(|r| r.allocation_overdue(now)) {
        nudge(&conn, &ctx.correlation_id);
    }
    Ok(json(200, &all.iter().map(view).collect::<Vec<_>>()))
}

/// How often a read of an overdue booking may nudge the pipeline.
const NUDGE_EVERY_MS: i64 = 5_000;

/// A booking waits for its seats longer than it should (Redis lost its events, or a consumer host
/// died with entries read and unacknowledged, and nothing has rung since): at most every
/// [`NUDGE_EVERY_MS`], do the relay tick's work — send again what Redis lost, relay, ring the
/// doorbell, which makes every consumer reclaim what it left pending. A customer watching a stuck
/// booking thus repairs the pipeline without an operator. Best effort: failures are logged.
fn nudge(conn: &spin_sdk::sqlite3::Connection, correlation_id: &str) {
    let config = Config::load();
    if !cinema_eventing::due(
        &config.redis_address,
        "cinema:nudge:reservation",
        NUDGE_EVERY_MS,
    ) {
        return;
    }
    let outcome = match outbox::relay_all_and_ring(conn, &config.redis_address) {
        Ok(relayed) => format!("pipeline nudged ({relayed} events relayed)"),
        Err(e) => format!("nudge failed: {e}"),
    };
    cinema_http::log(
        CONTEXT,
        cinema_http::Level::Warn,
        &format!("a booking is overdue for its seats: {outcome}"),
        &[("correlation_id", correlation_id)],
    );
}

enum CancelOutcome {
    Done(Reservation),
    Refused(ApiError),
}

fn cancel(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let config = Config::load();
    let conn = store::open().map_err(unexpected)?;
    let now = cinema_http::now();
    let outcome = sql::transaction(
        &conn,
        |c| -> Result<CancelOutcome, cinema_eventing::Error> {
            let Some(mut r) = store::reservation(c, id)? else {
                return Ok(CancelOutcome::Refused(ApiError::not_found(
                    "reservation not found",
                )));
            };
            let starts_at = store::screening(c, &r.screening_id)?.map(|s| s.starts_at);
            match r.cancel(&customer, starts_at, now) {
                Ok(Some(event)) => {
                    store::update(c, &r)?;
                    let meta = cinema_eventing::Meta::new(&ctx.correlation_id)
                        .reservation(r.id.as_str(), Some(r.version));
                    outbox::append::<crate::Published>(
                        c,
                        &cinema_eventing::envelope(CONTEXT, &meta, event),
                    )?;
                    Ok(CancelOutcome::Done(r))
                }
                Ok(None) => Ok(CancelOutcome::Done(r)),
                Err(CancelError::NotFound) => Ok(CancelOutcome::Refused(ApiError::not_found(
                    "reservation not found",
                ))),
                Err(e @ (CancelError::NotCancellable(_) | CancelError::ShowtimePassed)) => Ok(
                    CancelOutcome::Refused(ApiError::new(409, "not_cancellable", e.to_string())),
                ),
            }
        },
    )
    .map_err(unexpected)?;
    match outcome {
        CancelOutcome::Done(r) => {
            outbox::relay_best_effort(&conn, &config.redis_address, CONTEXT, &ctx.correlation_id);
            cinema_http::log(
                CONTEXT,
                cinema_http::Level::Info,
                "reservation cancelled",
                &[
                    ("correlation_id", &ctx.correlation_id),
                    ("reservation_id", r.id.as_str()),
                ],
            );
            Ok(json(200, &view(&r)))
        }
        CancelOutcome::Refused(e) => Err(e),
    }
}

fn relay(ctx: &RequestContext) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let config = Config::load();
    let conn = store::open().map_err(unexpected)?;
    let answer =
        outbox::tick(&conn, &config.redis_address, &store::RETENTION).map_err(|e| match e {
            cinema_eventing::Error::Redis(_) => ApiError::unavailable(
                "events_unavailable",
                format!("the event log is unreachable: {e}"),
                1,
            ),
            other => unexpected(other),
        })?;
    Ok(json(200, &answer))
}
