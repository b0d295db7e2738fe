//! The private HTTP API (reached through the gateway, which strips `/api` and sets identity
//! headers): parse the request, execute a core use case, map its answer or its
//! [`ReservationError`] to the API's JSON. Nothing here decides a booking rule.

use cinema_eventing::{Meta, dead_letters, drain_endpoint, metrics_endpoint, outbox, sql};
use cinema_http::{ApiError, Level, RequestContext, json, parse_json};
use reservation_core::breaker::CircuitBreaker;
use reservation_core::ports::{Clock, Ids, Reservations};
use reservation_core::use_cases::cancel::CancelReservation;
use reservation_core::use_cases::holds::{HoldSeats, ReleaseHold, ViewHold};
use reservation_core::use_cases::place::{PlaceRequest, PlaceReservation, Placed, Target};
use reservation_core::use_cases::tickets::{CheckIn, ViewTicket};
use reservation_core::{CustomerId, ReservationError, TicketRequest, TicketSecret};
use serde::Deserialize;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::sqlite3::Connection;

use crate::breaker_store::KvBreaker;
use crate::config::Config;
use crate::payment_client::HttpPayments;
use crate::store::{self, Db};
use crate::{CONTEXT, views};

pub fn handle(req: Request) -> Response {
    let ctx = RequestContext::from_request(&req);
    let path = req.path().split('?').next().unwrap_or("").to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let result = match (req.method(), segments.as_slice()) {
        (Method::Post, ["holds"]) => hold_seats(&req, &ctx),
        (Method::Get, ["holds", id]) => view_hold(&ctx, id),
        (Method::Delete, ["holds", id]) => release_hold(&ctx, id),
        (Method::Post, ["reservations"]) => place(&req, &ctx),
        (Method::Get, ["reservations"]) => list(&ctx),
        (Method::Get, ["reservations", id]) => get(&ctx, id),
        (Method::Delete, ["reservations", id]) => cancel(&ctx, id),
        (Method::Get, ["reservations", id, "ticket"]) => ticket(&ctx, id),
        (Method::Post, ["admin", "check-ins"]) => check_in(&req, &ctx),
        (Method::Post, ["admin", "events", "relay"]) => relay(&ctx),
        (method, ["admin", "events", "drain"]) => {
            drain_endpoint::serve(CONTEXT, method, &ctx, crate::events::drain)
        }
        (method, ["admin", "events", "dead-letters", rest @ ..]) => {
            dead_letters::serve(CONTEXT, method, &rest.join("/"), &ctx)
        }
        (method, ["admin", "metrics"]) => {
            metrics_endpoint::serve(CONTEXT, method, &ctx, crate::metrics::gather)
        }
        (_, ["holds"] | ["admin", "events", "relay"] | ["admin", "check-ins"]) => {
            Err(ApiError::method_not_allowed("POST"))
        }
        (_, ["reservations", _, "ticket"]) => Err(ApiError::method_not_allowed("GET")),
        (_, ["reservations"]) => Err(ApiError::method_not_allowed("GET, POST")),
        (_, ["holds" | "reservations", _]) => Err(ApiError::method_not_allowed("GET, DELETE")),
        _ => Err(ApiError::not_found("no such resource")),
    };
    result.unwrap_or_else(ApiError::into_response)
}

/// The wall clock and time-ordered ids, for the core.
pub struct System;

impl Clock for System {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        cinema_http::now()
    }
}

impl Ids for System {
    fn new_id(&self) -> String {
        cinema_http::new_id()
    }
}

/// A storage failure the request cannot fix: logged with its cause, answered 500.
pub fn unexpected(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(CONTEXT, e)
}

/// The API's answer to a refusal or failure of a use case.
fn refusal(e: ReservationError, ctx: &RequestContext, reservation_id: Option<&str>) -> ApiError {
    let message = e.to_string();
    match e {
        ReservationError::Invalid(_) => ApiError::validation(message),
        ReservationError::UnknownScreening => ApiError::new(404, "unknown_screening", message),
        ReservationError::ShowtimePassed => ApiError::new(422, "showtime_passed", message),
        ReservationError::SeatsTaken(seats) => {
            ApiError::new(409, "seats_taken", message).with_seats(seats)
        }
        ReservationError::HoldNotFound | ReservationError::NotFound => ApiError::not_found(message),
        ReservationError::HoldExpired => ApiError::new(409, "hold_expired", message),
        ReservationError::HoldBooked(_) => ApiError::new(409, "hold_booked", message),
        ReservationError::NotCancellable(_) | ReservationError::CancelTooLate => {
            ApiError::new(409, "not_cancellable", message)
        }
        ReservationError::CheckedIn(_) => ApiError::new(409, "already_checked_in", message),
        ReservationError::NotConfirmed(_) => ApiError::new(409, "not_confirmed", message),
        ReservationError::NoTicket => ApiError::new(409, "no_ticket", message),
        ReservationError::InvalidTicket => ApiError::new(422, "invalid_ticket", message),
        ReservationError::TicketNotValid(_) => ApiError::new(409, "ticket_not_valid", message),
        ReservationError::KeyReused => ApiError::new(422, "idempotency_key_reused", message),
        ReservationError::InProgress { retry_after_s, .. } => {
            ApiError::new(409, "request_in_progress", message).with_retry_after(retry_after_s)
        }
        ReservationError::PaymentDeclined(_) => ApiError::new(402, "payment_declined", message),
        ReservationError::PaymentInvalid(_) => ApiError::validation(message),
        ReservationError::PaymentUnavailable {
            retry_after_s,
            cause,
        } => {
            warn(
                ctx,
                reservation_id,
                &format!("payment unavailable: {cause}"),
            );
            ApiError::unavailable("payment_unavailable", message, retry_after_s)
        }
        ReservationError::Busy { retry_after_s, .. } => {
            // Overload, not a fault.
            warn(
                ctx,
                reservation_id,
                "store busy past its timeout: answered 503 busy",
            );
            ApiError::unavailable("busy", message, retry_after_s)
        }
        ReservationError::Storage(e) => unexpected(e),
    }
}

/// A warning with the request's ids.
fn warn(ctx: &RequestContext, reservation_id: Option<&str>, message: &str) {
    let mut fields = vec![("correlation_id", ctx.correlation_id.as_str())];
    if let Some(id) = reservation_id {
        fields.push(("reservation_id", id));
    }
    cinema_http::log(CONTEXT, Level::Warn, message, &fields);
}

fn customer(ctx: &RequestContext) -> Result<CustomerId, ApiError> {
    CustomerId::parse(ctx.customer()?)
        .map_err(|_| ApiError::unauthorized("the customer id is not valid"))
}

/// One request's view of the store and the configuration.
struct Scope {
    config: Config,
    conn: Connection,
}

impl Scope {
    fn open() -> Result<Self, ApiError> {
        Ok(Self {
            config: Config::load(),
            conn: store::open().map_err(unexpected)?,
        })
    }

    fn db<'a>(&'a self, ctx: &RequestContext) -> Db<'a> {
        Db::new(&self.conn, &self.config.redis_address, &ctx.correlation_id)
    }
}

fn with_location(status: u16, location: String, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("location", location)
        .body(body)
        .build()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldBody {
    screening_id: String,
    seats: Vec<String>,
    /// `{"adult": 1, "youth": 1}`; absent: all adult.
    tickets: Option<TicketRequest>,
}

fn hold_seats(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let body: HoldBody = parse_json(req)?;
    let scope = Scope::open()?;
    let db = scope.db(ctx);
    let hold = HoldSeats {
        screenings: &db,
        holds: &db,
        outbox: &db,
        clock: &System,
        ids: &System,
        timing: scope.config.timing,
    }
    .execute(
        &customer,
        &body.screening_id,
        &body.seats,
        body.tickets.as_ref(),
    )
    .map_err(|e| refusal(e, ctx, None))?;
    cinema_http::log(
        CONTEXT,
        Level::Info,
        "seats held",
        &[
            ("correlation_id", &ctx.correlation_id),
            ("hold_id", hold.id.as_str()),
        ],
    );
    let body = views::hold(&hold, System.now()).to_string();
    Ok(with_location(201, format!("/holds/{}", hold.id), body))
}

fn view_hold(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let scope = Scope::open()?;
    let db = scope.db(ctx);
    let hold = ViewHold { holds: &db }
        .execute(&customer, id)
        .map_err(|e| refusal(e, ctx, None))?;
    Ok(json(200, &views::hold(&hold, System.now())))
}

fn release_hold(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let scope = Scope::open()?;
    let db = scope.db(ctx);
    let hold = ReleaseHold {
        holds: &db,
        outbox: &db,
    }
    .execute(&customer, id)
    .map_err(|e| refusal(e, ctx, None))?;
    Ok(json(200, &views::hold(&hold, System.now())))
}

/// `{"screening_id", "seats", "tickets"?, "payment"}` or `{"hold_id", "payment"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceBody {
    screening_id: Option<String>,
    seats: Option<Vec<String>>,
    hold_id: Option<String>,
    tickets: Option<TicketRequest>,
    payment: PaymentBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    card_token: String,
}

impl PlaceBody {
    /// What to book, with which tickets (the core refuses tickets with a hold), and the card.
    fn target(self) -> Result<(Target, Option<TicketRequest>, String), ApiError> {
        let target = match (self.hold_id, self.screening_id, self.seats) {
            (Some(hold_id), None, None) => Target::Hold(hold_id),
            (None, Some(screening_id), Some(seats)) => Target::Seats {
                screening_id,
                seats,
            },
            (Some(_), _, _) => {
                return Err(ApiError::validation(
                    "name either a hold_id or a screening_id with seats, not both",
                ));
            }
            (None, _, _) => {
                return Err(ApiError::validation(
                    "screening_id and seats (or a hold_id) are required",
                ));
            }
        };
        Ok((target, self.tickets, self.payment.card_token))
    }
}

fn accepted(reservation_id: &str, body: String) -> Response {
    with_location(202, format!("/reservations/{reservation_id}"), body)
}

fn place(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let body: PlaceBody = parse_json(req)?;
    let (target, tickets, card_token) = body.target()?;
    let idempotency_key = req
        .header("idempotency-key")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let scope = Scope::open()?;
    let db = scope.db(ctx);
    let breaker_states = KvBreaker::open();
    let payments = HttpPayments {
        payment_url: &scope.config.payment_url,
        correlation_id: &ctx.correlation_id,
        timeout: std::time::Duration::from_millis(scope.config.timing.payment_timeout_ms),
    };
    let placed = PlaceReservation {
        screenings: &db,
        holds: &db,
        reservations: &db,
        attempts: &db,
        keys: &db,
        payments: &payments,
        breaker: CircuitBreaker {
            states: &breaker_states,
            config: scope.config.breaker,
        },
        outbox: &db,
        clock: &System,
        ids: &System,
        timing: scope.config.timing,
    }
    .execute(&PlaceRequest {
        customer,
        target,
        tickets,
        card_token,
        idempotency_key,
    })
    .map_err(|e| refusal(e, ctx, None))?;
    match placed {
        Placed::New(r) => {
            cinema_http::log(
                CONTEXT,
                Level::Info,
                "reservation placed",
                &[
                    ("correlation_id", &ctx.correlation_id),
                    ("reservation_id", r.id.as_str()),
                ],
            );
            Ok(accepted(r.id.as_str(), views::reservation(&r).to_string()))
        }
        // The same 202 reply as the first time, byte for byte where it was remembered.
        Placed::Replay {
            reservation_id,
            reply,
            reservation,
        } => {
            let body = match (reply, reservation) {
                (Some(reply), _) => reply,
                (None, Some(r)) => views::reservation(&r).to_string(),
                (None, None) => return Err(unexpected("a replay without its booking")),
            };
            Ok(accepted(&reservation_id, body))
        }
    }
}

fn get(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let scope = Scope::open()?;
    match scope.db(ctx).reservation(id).map_err(unexpected)? {
        Some(r) if r.customer_id == customer => {
            if r.allocation_overdue(cinema_http::now()) {
                nudge(&scope, &ctx.correlation_id);
            }
            Ok(json(200, &views::reservation(&r)))
        }
        // Another customer's booking is reported as absent: its existence is not theirs to know.
        _ => Err(ApiError::not_found("reservation not found")),
    }
}

fn list(ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let scope = Scope::open()?;
    let all = scope
        .db(ctx)
        .reservations_of(&customer)
        .map_err(unexpected)?;
    let now = cinema_http::now();
    if all.iter().any(|r| r.allocation_overdue(now)) {
        nudge(&scope, &ctx.correlation_id);
    }
    Ok(json(
        200,
        &all.iter().map(views::reservation).collect::<Vec<_>>(),
    ))
}

/// How often a read of an overdue booking may nudge the pipeline.
const NUDGE_EVERY_MS: i64 = 5_000;

/// A booking waits for its seats longer than it should (Redis lost its events, or a consumer host
/// died with entries read and unacknowledged, and nothing has rung since): at most every
/// [`NUDGE_EVERY_MS`], do the relay tick's work — send again what Redis lost, relay, ring the
/// doorbell, which makes every consumer reclaim what it left pending. A customer watching a stuck
/// booking thus repairs the pipeline without an operator. Best effort: failures are logged.
fn nudge(scope: &Scope, correlation_id: &str) {
    let address = &scope.config.redis_address;
    if !cinema_eventing::due(address, "cinema:nudge:reservation", NUDGE_EVERY_MS) {
        return;
    }
    let outcome = match outbox::relay_all_and_ring(&scope.conn, address) {
        Ok(relayed) => format!("pipeline nudged ({relayed} events relayed)"),
        Err(e) => format!("nudge failed: {e}"),
    };
    cinema_http::log(
        CONTEXT,
        Level::Warn,
        &format!("a booking is overdue for its seats: {outcome}"),
        &[("correlation_id", correlation_id)],
    );
}

fn cancel(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let scope = Scope::open()?;
    let address = scope.config.redis_address.as_str();
    // Read and write in one transaction: a saga event landing meanwhile cannot interleave, and a
    // refusal rolls back whatever was touched.
    let r = sql::transaction(&scope.conn, |c| {
        let db = Db::within(c, address, Meta::new(&ctx.correlation_id));
        CancelReservation {
            reservations: &db,
            screenings: &db,
            check_ins: &db,
            clock: &System,
        }
        .execute(&customer, id)
        .map_err(Failed::Refused)
    })
    .map_err(|e| match e {
        Failed::Refused(e) => refusal(e, ctx, Some(id)),
        Failed::Db(e) => unexpected(e),
    })?;
    outbox::relay_best_effort(&scope.conn, address, CONTEXT, &ctx.correlation_id);
    cinema_http::log(
        CONTEXT,
        Level::Info,
        "reservation cancelled",
        &[
            ("correlation_id", &ctx.correlation_id),
            ("reservation_id", r.id.as_str()),
        ],
    );
    Ok(json(200, &views::reservation(&r)))
}

/// The ticket key, or 503 `tickets_not_configured` (the log says what to set): no ticket is
/// issued or accepted under a missing or guessable key.
fn ticket_secret(ctx: &RequestContext) -> Result<TicketSecret, ApiError> {
    crate::config::ticket_secret().map_err(|problem| {
        cinema_http::log(
            CONTEXT,
            Level::Error,
            &format!(
                "ticket_secret {problem}: tickets and check-in are off until the Spin variable \
                 ticket_secret is set to at least 32 random bytes (e.g. \
                 SPIN_VARIABLE_TICKET_SECRET=$(openssl rand -hex 32))"
            ),
            &[("correlation_id", &ctx.correlation_id)],
        );
        ApiError::unavailable(
            "tickets_not_configured",
            "tickets are not configured on this server; the operator must set ticket_secret",
            30,
        )
    })
}

/// `GET /reservations/{id}/ticket`: the owner's CONFIRMED booking's signed code.
fn ticket(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    let customer = customer(ctx)?;
    let secret = ticket_secret(ctx)?;
    let scope = Scope::open()?;
    let db = scope.db(ctx);
    let ticket = ViewTicket {
        reservations: &db,
        screenings: &db,
        secret: &secret,
    }
    .execute(&customer, id)
    .map_err(|e| refusal(e, ctx, Some(id)))?;
    Ok(json(200, &views::ticket(&ticket)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInBody {
    code: String,
}

/// `POST /admin/check-ins`: staff scan a ticket. Checked and recorded in one transaction, so a
/// cancel cannot land between the status check and the record, and a refusal stores nothing.
fn check_in(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let body: CheckInBody = parse_json(req)?;
    let secret = ticket_secret(ctx)?;
    let scope = Scope::open()?;
    let address = scope.config.redis_address.as_str();
    let checked = sql::transaction(&scope.conn, |c| {
        let db = Db::within(c, address, Meta::new(&ctx.correlation_id));
        CheckIn {
            reservations: &db,
            screenings: &db,
            check_ins: &db,
            clock: &System,
            secret: &secret,
        }
        .execute(&body.code)
        .map_err(Failed::Refused)
    })
    .map_err(|e| match e {
        Failed::Refused(e) => refusal(e, ctx, None),
        Failed::Db(e) => unexpected(e),
    })?;
    cinema_http::log(
        CONTEXT,
        Level::Info,
        if checked.first {
            "checked in"
        } else {
            "ticket scanned again"
        },
        &[
            ("correlation_id", &ctx.correlation_id),
            ("reservation_id", checked.reservation.id.as_str()),
        ],
    );
    Ok(json(200, &views::check_in(&checked)))
}

/// A use case run inside a transaction: refused (rolled back) or the transaction itself failed.
enum Failed {
    Refused(ReservationError),
    Db(cinema_eventing::Error),
}

impl From<cinema_eventing::Error> for Failed {
    fn from(e: cinema_eventing::Error) -> Self {
        Self::Db(e)
    }
}

fn relay(ctx: &RequestContext) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let scope = Scope::open()?;
    let answer = outbox::tick(&scope.conn, &scope.config.redis_address, &store::RETENTION)
        .map_err(|e| match e {
            cinema_eventing::Error::Redis(_) => ApiError::unavailable(
                "events_unavailable",
                format!("the event log is unreachable: {e}"),
                1,
            ),
            other => unexpected(other),
        })?;
    Ok(json(200, &answer))
}
