//! `POST /reservations`: validate against our copy of the screening, call payment synchronously
//! (through the circuit breaker), then store the paid booking and its `ReservationPlaced` event
//! in one transaction. No payment, no booking: a decline or an unavailable payment stores nothing.

use std::time::Duration;

use cinema_eventing::{Meta, envelope, outbox, sql};
use cinema_http::{ApiError, RequestContext, parse_json};
use reservation_core::breaker::Admission;
use reservation_core::idempotency::{self, Fingerprint, Replay};
use reservation_core::reservation::quote;
use reservation_core::{CustomerId, PlaceError, Reservation, ReservationId};
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

use crate::abandon::{abandon, stale_after};
use crate::breaker_store::Breaker;
use crate::config::Config;
use crate::http::{unexpected, view};
use crate::payment_client::{self, Outcome, PaymentRequest};
use crate::{CONTEXT, store};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    screening_id: String,
    seats: Vec<String>,
    payment: PaymentBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    card_token: String,
}

fn accepted(reservation_id: &str, body: String) -> Response {
    Response::builder()
        .status(202)
        .header("content-type", "application/json")
        .header("location", format!("/reservations/{reservation_id}"))
        .body(body)
        .build()
}

fn place_error(e: PlaceError) -> ApiError {
    match e {
        PlaceError::ShowtimePassed => ApiError::new(422, "showtime_passed", e.to_string()),
        PlaceError::InvalidSeats(_)
        | PlaceError::UnknownSeat { .. }
        | PlaceError::PriceOverflow => ApiError::validation(e.to_string()),
    }
}

pub fn handle(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = CustomerId::parse(ctx.customer()?)
        .map_err(|_| ApiError::unauthorized("the customer id is not valid"))?;
    let body: Body = parse_json(req)?;
    let card_token = body.payment.card_token.trim();
    if card_token.is_empty() || card_token.len() > 128 {
        return Err(ApiError::validation("payment.card_token is required"));
    }
    let key = req
        .header("idempotency-key")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    if let Some(key) = &key {
        idempotency::validate_key(key).map_err(ApiError::validation)?;
    }
    let config = Config::load();
    let conn = store::open().map_err(unexpected)?;

    let screening = store::screening(&conn, &body.screening_id)
        .map_err(unexpected)?
        .ok_or_else(|| ApiError::new(404, "unknown_screening", "no such screening (a screening registered a moment ago can take a second to appear)"))?;
    let now = cinema_http::now();
    let quote = quote(&screening, &body.seats, now).map_err(place_error)?;

    // The reservation id is fixed before paying: it is payment's idempotency key, so a retried or
    // concurrent duplicate request (same Idempotency-Key) is charged once.
    let reservation_id = cinema_http::new_id();
    if let Some(key) = &key {
        let fingerprint = Fingerprint {
            screening_id: body.screening_id.clone(),
            seats: body.seats.clone(),
            card_token: card_token.to_string(),
        };
        let stored = store::claim_key(
            &conn,
            customer.as_str(),
            key,
            &fingerprint.canonical(),
            &reservation_id,
        )
        .map_err(unexpected)?;
        match idempotency::check(
            stored
                .as_ref()
                .map(|s| (s.fingerprint.as_str(), s.reservation_id.as_str())),
            &fingerprint,
        ) {
            Replay::Fresh => {}
            Replay::Conflict => {
                return Err(ApiError::new(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request",
                ));
            }
            Replay::Same {
                reservation_id: existing,
            } => {
                // The same 202 reply as the first time, byte for byte.
                if let Some(response) = stored.as_ref().and_then(|s| s.response.clone()) {
                    return Ok(accepted(&existing, response));
                }
                if let Some(r) = store::reservation(&conn, &existing).map_err(unexpected)? {
                    return Ok(accepted(&existing, view(&r).to_string()));
                }
                // The first request is still at work (or died without a trace long ago: then
                // this one takes the key over under its own id). Never continue under the
                // first's id: its attempt may be abandoned while this one is approved.
                let cutoff = cinema_http::now() - stale_after(config.payment_timeout_ms);
                let cutoff = cutoff.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                let taken_over = store::take_over_stale_key(
                    &conn,
                    customer.as_str(),
                    key,
                    &existing,
                    &reservation_id,
                    &cutoff,
                )
                .map_err(unexpected)?;
                if !taken_over {
                    return Err(in_progress(config.payment_timeout_ms));
                }
            }
        }
    }
    // Only the key row this request claimed (under its own reservation id) is ever released.
    let customer_id = customer.as_str().to_string();
    let forget_key = || {
        if let Some(key) = &key
            && let Err(e) = store::release_key(&conn, &customer_id, key, &reservation_id)
        {
            cinema_http::log(
                CONTEXT,
                cinema_http::Level::Warn,
                &format!("could not release idempotency key: {e}"),
                &[],
            );
        }
    };

    let taken = store::held_by_others(&conn, &screening.screening_id, &quote.seats.labels())
        .map_err(unexpected)?;
    if !taken.is_empty() {
        forget_key();
        return Err(ApiError::new(
            409,
            "seats_taken",
            format!("already taken: {}", taken.join(", ")),
        ));
    }

    let breaker = Breaker::open(config.breaker).map_err(unexpected)?;
    if let Admission::Reject { retry_after_s } = breaker.admit() {
        forget_key();
        return Err(unavailable(retry_after_s));
    }
    store::begin_attempt(&conn, &reservation_id, customer.as_str()).map_err(unexpected)?;
    let outcome = payment_client::authorize(
        &config.payment_url,
        &ctx.correlation_id,
        &PaymentRequest {
            reservation_id: &reservation_id,
            customer_id: customer.as_str(),
            amount: &quote.total,
            card_token,
        },
        Duration::from_millis(config.payment_timeout_ms),
    );
    let payment_id = match outcome {
        Outcome::Approved { payment_id } => {
            breaker.record_success();
            payment_id
        }
        Outcome::Declined { message } => {
            breaker.record_success();
            forget_attempt(&conn, &reservation_id);
            forget_key();
            let message = if message.is_empty() {
                "the payment was declined".to_string()
            } else {
                message
            };
            return Err(ApiError::new(402, "payment_declined", message));
        }
        Outcome::Invalid { message } => {
            breaker.record_success();
            forget_attempt(&conn, &reservation_id);
            forget_key();
            return Err(ApiError::validation(format!(
                "payment refused the request: {message}"
            )));
        }
        Outcome::Unavailable { reason } => {
            let retry_after_s = breaker.record_failure();
            forget_key();
            // A timed-out call may still have been approved: make sure it is refunded.
            let why = if reason.contains("deadline") {
                "payment-timeout"
            } else {
                "payment-failed"
            };
            abandon(
                &conn,
                &config.redis_address,
                &reservation_id,
                why,
                &ctx.correlation_id,
            );
            cinema_http::log(
                CONTEXT,
                cinema_http::Level::Warn,
                &format!("payment unavailable: {reason}"),
                &[
                    ("correlation_id", &ctx.correlation_id),
                    ("reservation_id", &reservation_id),
                ],
            );
            return Err(unavailable(retry_after_s));
        }
    };

    let id = ReservationId::parse(&reservation_id).map_err(unexpected)?;
    let (reservation, event) = Reservation::place(
        id,
        customer,
        &screening.screening_id,
        quote,
        payment_id,
        now,
    );
    // `None`: a sweep abandoned this attempt meanwhile (its refund is under way): store nothing.
    let stored = sql::transaction(
        &conn,
        |c| -> Result<Option<Reservation>, cinema_eventing::Error> {
            if !store::attempt_placed(c, reservation.id.as_str())? {
                return Ok(None);
            }
            if !store::insert(c, &reservation)? {
                return Err(cinema_eventing::Error::Other(
                    "reservation id already used".into(),
                ));
            }
            if let Some(key) = &key {
                let reply = view(&reservation).to_string();
                store::remember_response(c, reservation.customer_id.as_str(), key, &reply)?;
            }
            let meta = Meta::new(&ctx.correlation_id)
                .reservation(reservation.id.as_str(), Some(reservation.version));
            outbox::append::<crate::Published>(c, &envelope(CONTEXT, &meta, event))?;
            Ok(Some(reservation.clone()))
        },
    );
    let stored = match stored {
        Ok(Some(r)) => r,
        Ok(None) => {
            forget_key();
            return Err(unavailable(1));
        }
        Err(e) => {
            // Paid but not stored: give the money back.
            abandon(
                &conn,
                &config.redis_address,
                &reservation_id,
                "not-stored",
                &ctx.correlation_id,
            );
            cinema_http::log(
                CONTEXT,
                cinema_http::Level::Error,
                &format!("payment approved but booking not stored: {e}"),
                &[
                    ("correlation_id", &ctx.correlation_id),
                    ("reservation_id", &reservation_id),
                ],
            );
            forget_key();
            return Err(unexpected(e));
        }
    };
    outbox::relay_best_effort(&conn, &config.redis_address, CONTEXT, &ctx.correlation_id);
    cinema_http::log(
        CONTEXT,
        cinema_http::Level::Info,
        "reservation placed",
        &[
            ("correlation_id", &ctx.correlation_id),
            ("reservation_id", stored.id.as_str()),
        ],
    );
    Ok(accepted(stored.id.as_str(), view(&stored).to_string()))
}

fn forget_attempt(conn: &spin_sdk::sqlite3::Connection, reservation_id: &str) {
    if let Err(e) = store::forget_attempt(conn, reservation_id) {
        cinema_http::log(
            CONTEXT,
            cinema_http::Level::Warn,
            &format!("could not forget the payment attempt: {e}"),
            &[],
        );
    }
}

/// 409 `request_in_progress`: the first request with this key is still being processed.
fn in_progress(payment_timeout_ms: u64) -> ApiError {
    let retry_after_s = payment_timeout_ms.div_ceil(1000).max(1);
    ApiError::new(
        409,
        "request_in_progress",
        "a request with this Idempotency-Key is still being processed; retry shortly for its answer",
    )
    .with_retry_after(retry_after_s)
}

fn unavailable(retry_after_s: u64) -> ApiError {
    ApiError::unavailable(
        "payment_unavailable",
        format!("payment is temporarily unavailable; please retry in {retry_after_s} s"),
        retry_after_s,
    )
}
