//! Payments, refunds, attempts and simulator settings in SQLite, behind the core's ports.

use chrono::{DateTime, SecondsFormat, Utc};
use cinema_eventing::sql::{exec, int, text, transaction};
use cinema_eventing::{Error, Meta, envelope, outbox};
use cinema_events::{Envelope, EventData};
use payment_core::authorization::Attempt;
use payment_core::model::{CustomerId, Money, PaymentId, RefundId, ReservationId};
use payment_core::payment::{Payment, Refund, RefundReason};
use payment_core::ports::{
    Approvals, PaymentLookup, Recorded, Refunds, SimulatorSettingsStore, StoreError,
};
use payment_core::simulator::SimulatorSettings;
use spin_sdk::sqlite3::{Connection, Value};

use super::store_error;
use crate::CONTEXT;

const SELECT_PAYMENT: &str = "SELECT p.payment_id, p.reservation_id, p.customer_id, p.amount, p.currency, p.created_at,
        r.refund_id, r.amount AS refund_amount, r.currency AS refund_currency, r.reason AS refund_reason,
        r.created_at AS refunded_at
    FROM payments p LEFT JOIN refunds r ON r.payment_id = p.payment_id";

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn corrupt(what: &str) -> Error {
    Error::Other(format!("corrupt payment row: {what}"))
}

fn parse_time(value: Option<&str>) -> Result<DateTime<Utc>, Error> {
    let value = value.ok_or_else(|| corrupt("missing timestamp"))?;
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt("timestamp"))
}

fn load_one(conn: &Connection, filter: &str, key: &str) -> Result<Option<Payment>, Error> {
    let result = exec(
        conn,
        &format!("{SELECT_PAYMENT} WHERE {filter} = ?"),
        &[text(key)],
    )?;
    let Some(row) = result.rows().next() else {
        return Ok(None);
    };
    let get = |column: &str| row.get::<&str>(column);
    let money = |amount: Option<i64>, currency: Option<&str>| {
        Money::new(
            amount.ok_or_else(|| corrupt("amount"))?,
            currency.unwrap_or_default(),
        )
        .map_err(|_| corrupt("amount"))
    };
    let refund = match get("refund_id") {
        None => None,
        Some(refund_id) => Some(Refund {
            id: RefundId::parse(refund_id).map_err(|_| corrupt("refund_id"))?,
            amount: money(row.get::<i64>("refund_amount"), get("refund_currency"))?,
            reason: get("refund_reason")
                .and_then(RefundReason::parse)
                .ok_or_else(|| corrupt("refund reason"))?,
            created_at: parse_time(get("refunded_at"))?,
        }),
    };
    Ok(Some(Payment::restore(
        PaymentId::parse(get("payment_id").unwrap_or_default())
            .map_err(|_| corrupt("payment_id"))?,
        ReservationId::parse(get("reservation_id").unwrap_or_default())
            .map_err(|_| corrupt("reservation_id"))?,
        CustomerId::parse(get("customer_id").unwrap_or_default())
            .map_err(|_| corrupt("customer_id"))?,
        money(row.get::<i64>("amount"), get("currency"))?,
        parse_time(get("created_at"))?,
        refund,
    )))
}

fn payment_for_reservation(
    conn: &Connection,
    reservation_id: &ReservationId,
) -> Result<Option<Payment>, Error> {
    load_one(conn, "p.reservation_id", reservation_id.as_str())
}

/// The payment database for the HTTP side: each write is its own transaction.
pub struct SqlPayments<'a> {
    pub conn: &'a Connection,
    /// The request's correlation id, carried by the events this request causes.
    pub correlation_id: &'a str,
}

impl Approvals for SqlPayments<'_> {
    fn payment_for(&self, reservation_id: &ReservationId) -> Result<Option<Payment>, StoreError> {
        payment_for_reservation(self.conn, reservation_id).map_err(store_error)
    }

    fn record_approval(
        &self,
        payment: &Payment,
        event: &cinema_events::PaymentApproved,
    ) -> Result<Recorded, StoreError> {
        let meta =
            Meta::new(self.correlation_id).reservation(payment.reservation_id().as_str(), None);
        let approved = envelope(CONTEXT, &meta, EventData::PaymentApproved(event.clone()));
        transaction(self.conn, |tx| {
            // The booking side already gave up on this reservation: charge nothing.
            if is_abandoned(tx, payment.reservation_id().as_str())? {
                return Ok(Recorded::Abandoned);
            }
            let inserted = exec(
                tx,
                "INSERT INTO payments (payment_id, reservation_id, customer_id, amount, currency, status, created_at)
                 VALUES (?, ?, ?, ?, ?, 'APPROVED', ?)
                 ON CONFLICT (reservation_id) DO NOTHING RETURNING payment_id",
                &[
                    text(payment.id().as_str()),
                    text(payment.reservation_id().as_str()),
                    text(payment.customer_id().as_str()),
                    int(payment.amount().minor()),
                    text(payment.amount().currency().as_str()),
                    text(timestamp(payment.created_at())),
                ],
            )?;
            if inserted.rows().next().is_some() {
                crate::metrics::count_approval(tx, payment)?;
                outbox::append::<crate::Published>(tx, &approved)?;
                return Ok(Recorded::New);
            }
            let winner = payment_for_reservation(tx, payment.reservation_id())?
                .ok_or_else(|| Error::Other("conflicting payment vanished".into()))?;
            Ok(Recorded::Existing(winner))
        })
        .map_err(store_error)
    }

    fn record_attempt(&self, attempt: &Attempt) -> Result<(), StoreError> {
        transaction(self.conn, |tx| {
            exec(
                tx,
                "INSERT INTO payment_attempts (attempt_id, reservation_id, customer_id, amount, currency, outcome, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                &[
                    text(attempt.id.as_str()),
                    text(attempt.reservation_id.as_str()),
                    text(attempt.customer_id.as_str()),
                    int(attempt.amount.minor()),
                    text(attempt.amount.currency().as_str()),
                    text(attempt.outcome.as_str()),
                    text(timestamp(attempt.at)),
                ],
            )?;
            crate::metrics::count_attempt(tx, attempt)
        })
        .map_err(store_error)
    }
}

impl PaymentLookup for SqlPayments<'_> {
    fn find(&self, id: &PaymentId) -> Result<Option<Payment>, StoreError> {
        load_one(self.conn, "p.payment_id", id.as_str()).map_err(store_error)
    }
}

impl SimulatorSettingsStore for SqlPayments<'_> {
    fn load(&self) -> Result<SimulatorSettings, StoreError> {
        let result = exec(
            self.conn,
            "SELECT latency_ms, failure_rate FROM simulator_settings WHERE id = 1",
            &[],
        )
        .map_err(store_error)?;
        let Some(row) = result.rows().next() else {
            return Ok(SimulatorSettings::HEALTHY);
        };
        let latency = row.get::<u64>("latency_ms");
        let rate = row.get::<f64>("failure_rate");
        match (latency, rate) {
            (Some(latency), Some(rate)) => SimulatorSettings::new(latency, rate)
                .map_err(|e| StoreError(format!("stored simulator settings: {e}"))),
            _ => Err(StoreError(
                "stored simulator settings are unreadable".into(),
            )),
        }
    }

    fn save(&self, settings: &SimulatorSettings) -> Result<(), StoreError> {
        let latency =
            i64::try_from(settings.latency_ms()).map_err(|e| StoreError(e.to_string()))?;
        exec(
            self.conn,
            "INSERT INTO simulator_settings (id, latency_ms, failure_rate, updated_at) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET latency_ms = excluded.latency_ms,
                 failure_rate = excluded.failure_rate, updated_at = excluded.updated_at",
            &[int(latency), Value::Real(settings.failure_rate()), text(cinema_http::now_rfc3339())],
        )
        .map(drop)
        .map_err(store_error)
    }
}

/// The payment database inside the transaction that applies one incoming event.
pub struct TxRefunds<'a> {
    pub tx: &'a Connection,
    /// The event being handled: the refund's event is caused by it.
    pub cause: &'a Envelope,
}

impl Refunds for TxRefunds<'_> {
    fn payment_for(&self, reservation_id: &ReservationId) -> Result<Option<Payment>, StoreError> {
        payment_for_reservation(self.tx, reservation_id).map_err(store_error)
    }

    fn record_refund(
        &self,
        payment: &Payment,
        refund: &Refund,
        event: &cinema_events::PaymentRefunded,
    ) -> Result<(), StoreError> {
        let write = || -> Result<(), Error> {
            exec(
                self.tx,
                "INSERT INTO refunds (refund_id, payment_id, amount, currency, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    text(refund.id.as_str()),
                    text(payment.id().as_str()),
                    int(refund.amount.minor()),
                    text(refund.amount.currency().as_str()),
                    text(refund.reason.as_str()),
                    text(timestamp(refund.created_at)),
                ],
            )?;
            exec(
                self.tx,
                "UPDATE payments SET status = 'REFUNDED' WHERE payment_id = ?",
                &[text(payment.id().as_str())],
            )?;
            crate::metrics::count_refund(self.tx, refund)?;
            let meta =
                Meta::caused_by(self.cause).reservation(payment.reservation_id().as_str(), None);
            outbox::append::<crate::Published>(
                self.tx,
                &envelope(CONTEXT, &meta, EventData::PaymentRefunded(event.clone())),
            )
        };
        write().map_err(store_error)
    }
}

fn is_abandoned(conn: &Connection, reservation_id: &str) -> Result<bool, Error> {
    let found = exec(
        conn,
        "SELECT 1 AS x FROM abandoned_reservations WHERE reservation_id = ?",
        &[text(reservation_id)],
    )?;
    Ok(found.rows().next().is_some())
}

/// Records that the booking side gave up on a reservation, so an approval still in flight for it
/// is refused instead of charged. Call in the transaction handling `ReservationAbandoned`.
///
/// # Errors
/// The database's.
pub fn record_abandoned(
    conn: &Connection,
    reservation_id: &str,
    reason: &str,
) -> Result<(), Error> {
    exec(
        conn,
        "INSERT INTO abandoned_reservations (reservation_id, reason, created_at) VALUES (?, ?, ?)
         ON CONFLICT (reservation_id) DO NOTHING",
        &[
            text(reservation_id),
            text(reason),
            text(cinema_http::now_rfc3339()),
        ],
    )?;
    Ok(())
}
