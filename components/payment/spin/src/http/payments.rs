//! `POST /payments` (authorize, idempotent per reservation) and `GET /payments/{id}` (admin).

use cinema_http::{ApiError, Level, RequestContext, json, log, parse_json};
use payment_core::admin::find_payment;
use payment_core::authorization::{
    Authorization, AuthorizationRequest, AuthorizeError, AuthorizePayment,
};
use payment_core::model::PaymentId;
use spin_sdk::http::{Request, Response};

use super::errors;
use super::views::{AuthorizeBody, PaymentView};
use crate::CONTEXT;
use crate::store::{self, SqlPayments};
use crate::system::{RandomDraw, SystemClock, ThreadSleeper, UuidIds};

pub fn authorize(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    let body: AuthorizeBody = parse_json(req)?;
    let key = req.header("idempotency-key").and_then(|v| v.as_str());
    let request = AuthorizationRequest::parse(
        key,
        &body.reservation_id,
        &body.customer_id,
        body.amount.amount,
        &body.amount.currency,
        &body.card_token,
    )
    .map_err(|e| errors::invalid(&e))?;

    let conn = store::open().map_err(errors::storage)?;
    let payments = SqlPayments {
        conn: &conn,
        correlation_id: &ctx.correlation_id,
    };
    let result = AuthorizePayment {
        approvals: &payments,
        settings: &payments,
        clock: &SystemClock,
        ids: &UuidIds,
        draw: &RandomDraw,
        sleeper: &ThreadSleeper,
    }
    .execute(&request);
    log_outcome(ctx, &request, &result);

    match result {
        // `PaymentApproved` is committed in the outbox but not relayed here: the only caller,
        // the reservation, relays its own outcome as soon as it has stored it (the booking, or
        // its abandonment), and that relay rings the doorbell after this commit; the payment
        // consumer's wake-up on that ring relays every pending row (`events::drain`). Relaying
        // here too cost the booking a Redis connection on Spin, an `EVAL` and a second write to
        // payment.db (`relay-mark`): ~11 of its ~22 ms under load (bench/ANALYSIS.md). Where
        // no relay of the reservation follows (it died mid-call, or its sweep abandoned the
        // attempt before this approval landed), the row waits for the next wake-up or the relay
        // CronJob, as any row whose relay failed does; it is never lost.
        Ok(Authorization::Approved(payment)) => Ok(json(201, &PaymentView::from(&payment))),
        Ok(Authorization::Replayed(payment)) => Ok(json(200, &PaymentView::from(&payment))),
        Err(e) => Err(errors::authorize(e)),
    }
}

fn log_outcome(
    ctx: &RequestContext,
    request: &AuthorizationRequest,
    result: &Result<Authorization, AuthorizeError>,
) {
    let (level, outcome, id) = match result {
        Ok(Authorization::Approved(p)) => (Level::Info, "approved", p.id().to_string()),
        Ok(Authorization::Replayed(p)) => (Level::Info, "replayed", p.id().to_string()),
        Err(AuthorizeError::Declined { attempt_id }) => {
            (Level::Info, "declined", attempt_id.to_string())
        }
        Err(AuthorizeError::Unavailable { attempt_id }) => {
            (Level::Warn, "provider unavailable", attempt_id.to_string())
        }
        Err(AuthorizeError::KeyReused(_)) => (Level::Warn, "idempotency key reused", String::new()),
        Err(AuthorizeError::AlreadyRefunded(p)) => {
            (Level::Warn, "already refunded", p.id().to_string())
        }
        Err(AuthorizeError::Abandoned(_)) => {
            (Level::Warn, "refused: reservation abandoned", String::new())
        }
        // Logged with its cause when mapped to a 500.
        Err(AuthorizeError::Unexpected(_)) => return,
    };
    log(
        CONTEXT,
        level,
        &format!("authorization {outcome}"),
        &[
            ("correlation_id", &ctx.correlation_id),
            ("reservation_id", request.reservation_id.as_str()),
            ("id", &id),
            ("amount", &request.amount.minor().to_string()),
        ],
    );
}

pub fn get(ctx: &RequestContext, payment_id: &str) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let id = PaymentId::parse(payment_id)
        .map_err(|_| ApiError::not_found(format!("no payment {payment_id}")))?;
    let conn = store::open().map_err(errors::storage)?;
    let payments = SqlPayments {
        conn: &conn,
        correlation_id: &ctx.correlation_id,
    };
    let payment = find_payment(&payments, &id).map_err(errors::find)?;
    Ok(json(200, &PaymentView::from(&payment)))
}
