//! The events side (component `payment-events`, consumer group `payment`): the saga's
//! compensation. A rejected or cancelled reservation gets its payment refunded exactly once.

use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_eventing::{inbox, outbox, sql};
use cinema_events::{Envelope, EventData};
use cinema_http::{Level, log};
use payment_core::model::ReservationId;
use payment_core::payment::RefundReason;
use payment_core::refund::{RefundOutcome, RefundPayment, RefundPaymentError};
use spin_sdk::sqlite3::Connection;

use crate::CONTEXT;
use crate::config::Config;
use crate::store::{self, TxRefunds};
use crate::system::{SystemClock, UuidIds};

#[derive(Debug, thiserror::Error)]
enum HandleError {
    #[error(transparent)]
    Storage(#[from] cinema_eventing::Error),
    #[error(transparent)]
    Refund(#[from] RefundPaymentError),
}

// The event types this context acts on (`handle` below); the consumer acknowledges the others
// unread. Keep in step with that match when a type is added there.
cinema_events::payload_set!(
    Consumed:
    ReservationRejected,
    ReservationCancelled,
    ReservationAbandoned,
);

/// Drains the group, then relays the events the refunds produced. Called by the Redis doorbell
/// and by `POST /admin/events/drain`.
///
/// # Errors
/// Redis or the database unreachable: the entries stay pending and are retried on a later wake-up.
pub fn drain() -> anyhow::Result<DrainReport> {
    let config = Config::load();
    let conn = store::open()?;
    let report = Consumer::new(&config.redis_address, CONTEXT)
        .drain::<Consumed, _>(CONTEXT, |event| handle(&conn, event))?;
    // Also publishes rows an earlier relay could not (Redis was down), whoever wrote them.
    outbox::relay_best_effort(&conn, &config.redis_address, CONTEXT, "payment-events");
    outbox::verify_now_and_then(&conn, &config.redis_address, CONTEXT);
    Ok(report)
}

fn handle(conn: &Connection, event: &Envelope) -> Result<(), HandleError> {
    let empty = String::new();
    let (reservation_id, payment_id, reason) = match &event.data {
        EventData::ReservationRejected(r) => (
            &r.reservation_id,
            &r.payment_id,
            RefundReason::ReservationRejected,
        ),
        EventData::ReservationCancelled(c) => (
            &c.reservation_id,
            &c.payment_id,
            RefundReason::ReservationCancelled,
        ),
        // No payment id: the reservation side never learned it (that is why it gave up).
        EventData::ReservationAbandoned(a) => (
            &a.reservation_id,
            &empty,
            RefundReason::ReservationAbandoned,
        ),
        _ => return Ok(()),
    };
    let fields = [
        ("correlation_id", event.correlation_id.as_str()),
        ("reservation_id", reservation_id.as_str()),
    ];
    let Ok(reservation) = ReservationId::parse(reservation_id) else {
        // Retrying cannot make this id valid: acknowledge it and say so.
        log(
            CONTEXT,
            Level::Warn,
            &format!(
                "{} {} names an invalid reservation id",
                event.type_, event.event_id
            ),
            &fields,
        );
        return Ok(());
    };
    let outcome = sql::transaction(conn, |tx| {
        if !inbox::claim(tx, &event.event_id)? {
            return Ok(None);
        }
        if let EventData::ReservationAbandoned(a) = &event.data {
            store::record_abandoned(tx, &a.reservation_id, &a.reason)?;
        }
        let refunds = TxRefunds { tx, cause: event };
        Ok::<_, HandleError>(Some(
            RefundPayment {
                refunds: &refunds,
                clock: &SystemClock,
                ids: &UuidIds,
            }
            .execute(&reservation, reason)?,
        ))
    })?;
    match outcome {
        Some(RefundOutcome::Refunded(refund)) => {
            if !payment_id.is_empty() && refund.payment_id != *payment_id {
                log(
                    CONTEXT,
                    Level::Warn,
                    &format!(
                        "{} named payment {payment_id}, but the reservation was paid by {}",
                        event.type_, refund.payment_id
                    ),
                    &fields,
                );
            }
            log(
                CONTEXT,
                Level::Info,
                &format!("payment {} refunded ({})", refund.payment_id, refund.reason),
                &fields,
            );
        }
        Some(RefundOutcome::AlreadyRefunded) => {
            log(
                CONTEXT,
                Level::Info,
                &format!("{}: payment already refunded", event.type_),
                &fields,
            );
        }
        Some(RefundOutcome::NothingToRefund) if reason == RefundReason::ReservationAbandoned => {
            log(
                CONTEXT,
                Level::Info,
                "abandoned reservation: it was never charged",
                &fields,
            );
        }
        Some(RefundOutcome::NothingToRefund) => {
            log(
                CONTEXT,
                Level::Warn,
                &format!("{}: no approved payment for this reservation", event.type_),
                &fields,
            );
        }
        None => {}
    }
    Ok(())
}
