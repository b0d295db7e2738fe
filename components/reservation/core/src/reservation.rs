//! The reservation aggregate: placing (after an approved payment), the theater's answer,
//! cancellation, refunds. Every change bumps `version`, which orders status changes downstream.
//!
//! ```text
//! PAID ──SeatsAllocated──▶ CONFIRMED ──cancel──▶ CANCELLED
//!  │  └──SeatsRejected───▶ REJECTED
//!  └──────cancel──────────────────────────────▶ CANCELLED
//! payment: APPROVED ──PaymentRefunded──▶ REFUNDED   (after REJECTED or CANCELLED)
//! ```

use chrono::{DateTime, Utc};
use cinema_events as ev;
use serde::{Deserialize, Serialize};

use crate::model::{CustomerId, Money, ReservationId};
use crate::pricing::Tickets;
use crate::quote::Quote;
use crate::ticket::BookingNumber;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Paid,
    Confirmed,
    Rejected,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "PAID",
            Self::Confirmed => "CONFIRMED",
            Self::Rejected => "REJECTED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// # Errors
    /// An unknown name.
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "PAID" => Self::Paid,
            "CONFIRMED" => Self::Confirmed,
            "REJECTED" => Self::Rejected,
            "CANCELLED" => Self::Cancelled,
            other => return Err(format!("unknown status {other:?}")),
        })
    }

    /// Whether the reservation still holds (or is about to hold) its seats.
    pub fn holds_seats(self) -> bool {
        matches!(self, Self::Paid | Self::Confirmed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    Approved,
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::Refunded => "REFUNDED",
        }
    }

    /// # Errors
    /// An unknown name.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "APPROVED" => Ok(Self::Approved),
            "REFUNDED" => Ok(Self::Refunded),
            other => Err(format!("unknown payment status {other:?}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    pub id: ReservationId,
    pub customer_id: CustomerId,
    pub screening_id: String,
    pub seats: Vec<String>,
    /// How many tickets of each type; `None` for bookings stored before ticket types (all
    /// adult): see [`Reservation::tickets`].
    #[serde(default)]
    pub tickets: Option<Tickets>,
    pub total: Money,
    pub status: Status,
    pub payment_status: PaymentStatus,
    pub payment_id: String,
    /// The number people read, given when the booking is stored (unique); `None` only for
    /// bookings stored before booking numbers existed.
    #[serde(default)]
    pub booking_number: Option<BookingNumber>,
    /// The theater's rejection reason, when `REJECTED`.
    pub rejection: Option<ev::RejectionReason>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CancelError {
    #[error("reservation not found")]
    NotFound,
    #[error("a {0} reservation cannot be cancelled")]
    NotCancellable(&'static str),
    #[error("the screening has already started")]
    ShowtimePassed,
}

/// A paid booking about to be stored, but for its booking number: the store finds a free number
/// and [`Placement::numbered`] makes the booking and its announcement with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub id: ReservationId,
    pub customer_id: CustomerId,
    pub screening_id: String,
    pub quote: Quote,
    pub payment_id: String,
    pub at: DateTime<Utc>,
}

impl Placement {
    /// The booking under `number`, and its `ReservationPlaced`.
    pub fn numbered(&self, number: BookingNumber) -> (Reservation, ev::EventData) {
        Reservation::place(
            self.id.clone(),
            self.customer_id.clone(),
            &self.screening_id,
            self.quote.clone(),
            self.payment_id.clone(),
            number,
            self.at,
        )
    }
}

/// How long a paid booking normally waits for the theater's answer. A booking `PAID` for longer
/// suggests the event pipeline is stuck (Redis lost data, a consumer host died mid-batch).
pub const ALLOCATION_PATIENCE_S: i64 = 10;

impl Reservation {
    /// Paid, and still waiting for its seats after [`ALLOCATION_PATIENCE_S`].
    pub fn allocation_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::Paid
            && now - self.updated_at > chrono::Duration::seconds(ALLOCATION_PATIENCE_S)
    }

    /// A paid booking: the payment was approved, the seats are being allocated.
    pub fn place(
        id: ReservationId,
        customer_id: CustomerId,
        screening_id: &str,
        quote: Quote,
        payment_id: String,
        booking_number: BookingNumber,
        now: DateTime<Utc>,
    ) -> (Self, ev::EventData) {
        let r = Self {
            id,
            customer_id,
            screening_id: screening_id.to_string(),
            seats: quote.seats.labels(),
            tickets: Some(quote.tickets),
            total: quote.total,
            status: Status::Paid,
            payment_status: PaymentStatus::Approved,
            payment_id,
            booking_number: Some(booking_number),
            rejection: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let event = ev::EventData::ReservationPlaced(ev::ReservationPlaced {
            reservation_id: r.id.to_string(),
            customer_id: r.customer_id.to_string(),
            screening_id: r.screening_id.clone(),
            seats: r.seats.clone(),
            total: r.total.clone().into(),
            payment_id: r.payment_id.clone(),
            booking_number: r.number(),
            tickets: Some(r.tickets().to_events()),
        });
        (r, event)
    }

    /// How many tickets of each type (a booking from before ticket types: one adult per seat).
    pub fn tickets(&self) -> Tickets {
        self.tickets
            .clone()
            .unwrap_or_else(|| Tickets::adults(self.seats.len()))
    }

    /// The booking number as events carry it.
    fn number(&self) -> Option<String> {
        self.booking_number.as_ref().map(ToString::to_string)
    }

    fn bump(&mut self, now: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = now;
    }

    /// The theater allocated the seats. Only a `PAID` booking becomes `CONFIRMED`; a booking
    /// cancelled meanwhile stays cancelled (the theater releases the seats on our cancel event).
    pub fn seats_allocated(&mut self, now: DateTime<Utc>) -> Option<ev::EventData> {
        if self.status != Status::Paid {
            return None;
        }
        self.status = Status::Confirmed;
        self.bump(now);
        Some(ev::EventData::ReservationConfirmed(
            ev::ReservationConfirmed {
                reservation_id: self.id.to_string(),
                customer_id: self.customer_id.to_string(),
                screening_id: self.screening_id.clone(),
                seats: self.seats.clone(),
                booking_number: self.number(),
                total: Some(self.total.clone().into()),
            },
        ))
    }

    /// The theater could not allocate the seats: the booking is rejected and the payment will be
    /// refunded (payment reacts to `ReservationRejected`).
    pub fn seats_rejected(
        &mut self,
        reason: ev::RejectionReason,
        now: DateTime<Utc>,
    ) -> Option<ev::EventData> {
        if self.status != Status::Paid {
            return None;
        }
        self.status = Status::Rejected;
        self.rejection = Some(reason);
        self.bump(now);
        Some(ev::EventData::ReservationRejected(
            ev::ReservationRejected {
                reservation_id: self.id.to_string(),
                customer_id: self.customer_id.to_string(),
                screening_id: self.screening_id.clone(),
                seats: self.seats.clone(),
                payment_id: self.payment_id.clone(),
                reason,
                booking_number: self.number(),
                total: Some(self.total.clone().into()),
            },
        ))
    }

    /// The customer cancels. Idempotent: cancelling a cancelled booking changes nothing and
    /// returns no event.
    ///
    /// # Errors
    /// Someone else's booking (reported as not found), a rejected booking, or a screening that
    /// has started.
    pub fn cancel(
        &mut self,
        by: &CustomerId,
        screening_starts_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<ev::EventData>, CancelError> {
        if &self.customer_id != by {
            return Err(CancelError::NotFound);
        }
        match self.status {
            Status::Cancelled => return Ok(None),
            Status::Rejected => return Err(CancelError::NotCancellable(Status::Rejected.as_str())),
            Status::Paid | Status::Confirmed => {}
        }
        if screening_starts_at.is_some_and(|t| t <= now) {
            return Err(CancelError::ShowtimePassed);
        }
        let was_confirmed = self.status == Status::Confirmed;
        self.status = Status::Cancelled;
        self.bump(now);
        Ok(Some(ev::EventData::ReservationCancelled(
            ev::ReservationCancelled {
                reservation_id: self.id.to_string(),
                customer_id: self.customer_id.to_string(),
                screening_id: self.screening_id.clone(),
                seats: self.seats.clone(),
                payment_id: self.payment_id.clone(),
                was_confirmed,
                booking_number: self.number(),
                total: Some(self.total.clone().into()),
            },
        )))
    }

    /// The payment was refunded. Returns whether anything changed. The version orders the
    /// booking's own status changes (those it publishes), so a refund does not bump it.
    pub fn payment_refunded(&mut self, now: DateTime<Utc>) -> bool {
        if self.payment_status == PaymentStatus::Refunded {
            return false;
        }
        self.payment_status = PaymentStatus::Refunded;
        self.updated_at = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Screening;
    use crate::quote::quote;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, h, 0, 0).unwrap()
    }

    fn screening() -> Screening {
        Screening {
            screening_id: "s1".into(),
            movie_id: "m1".into(),
            movie_title: "Parasite".into(),
            hall_id: "h1".into(),
            hall_name: "Hall 1".into(),
            starts_at: t(20),
            rows: 5,
            seats_per_row: 8,
            price: Money {
                amount: 12_000,
                currency: "KRW".into(),
            },
            layout: None,
            ticket_prices: std::collections::BTreeMap::new(),
            seat_surcharges: std::collections::BTreeMap::new(),
        }
    }

    fn seats(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn alice() -> CustomerId {
        CustomerId::parse("alice").unwrap()
    }

    fn number() -> BookingNumber {
        BookingNumber::parse("3001-0457-3921").unwrap()
    }

    fn placed() -> Reservation {
        let q = quote(&screening(), &seats(&["A1", "A2"]), None, t(10)).unwrap();
        Reservation::place(
            ReservationId::parse("r1").unwrap(),
            alice(),
            "s1",
            q,
            "p1".into(),
            number(),
            t(10),
        )
        .0
    }

    #[test]
    fn placing_a_booking_makes_it_paid_at_version_one_and_announces_it() {
        let q = quote(&screening(), &seats(&["A1"]), None, t(10)).unwrap();
        let (r, event) = Reservation::place(
            ReservationId::parse("r1").unwrap(),
            alice(),
            "s1",
            q,
            "p1".into(),
            number(),
            t(10),
        );
        assert_eq!(
            (r.status, r.payment_status, r.version),
            (Status::Paid, PaymentStatus::Approved, 1)
        );
        assert_eq!(r.booking_number, Some(number()));
        assert!(
            matches!(event, ev::EventData::ReservationPlaced(p) if p.payment_id == "p1" && p.seats == ["A1"]
                && p.booking_number.as_deref() == Some("3001-0457-3921"))
        );
    }

    #[test]
    fn every_status_change_announces_the_booking_number() {
        let number = Some("3001-0457-3921".to_string());
        let mut confirmed = placed();
        match confirmed.seats_allocated(t(11)) {
            Some(ev::EventData::ReservationConfirmed(e)) => assert_eq!(e.booking_number, number),
            other => panic!("{other:?}"),
        }
        match confirmed.cancel(&alice(), Some(t(20)), t(12)) {
            Ok(Some(ev::EventData::ReservationCancelled(e))) => {
                assert_eq!(e.booking_number, number);
            }
            other => panic!("{other:?}"),
        }
        match placed().seats_rejected(ev::RejectionReason::SeatsTaken, t(11)) {
            Some(ev::EventData::ReservationRejected(e)) => assert_eq!(e.booking_number, number),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_booking_stored_before_booking_numbers_reads_without_one() {
        let mut doc = serde_json::to_value(placed()).unwrap();
        doc.as_object_mut().unwrap().remove("booking_number");
        let old: Reservation = serde_json::from_value(doc).unwrap();
        assert_eq!(old.booking_number, None);
    }

    #[test]
    fn given_paid_when_seats_allocated_then_confirmed() {
        let mut r = placed();
        let event = r.seats_allocated(t(11));
        assert_eq!(r.status, Status::Confirmed);
        assert_eq!(r.version, 2);
        assert!(matches!(
            event,
            Some(ev::EventData::ReservationConfirmed(_))
        ));
    }

    #[test]
    fn given_paid_when_seats_rejected_then_rejected_with_the_reason() {
        let mut r = placed();
        let event = r.seats_rejected(ev::RejectionReason::SeatsTaken, t(11));
        assert_eq!(r.status, Status::Rejected);
        assert!(
            matches!(event, Some(ev::EventData::ReservationRejected(e)) if e.reason == ev::RejectionReason::SeatsTaken)
        );
    }

    #[test]
    fn a_duplicate_allocation_changes_nothing() {
        let mut r = placed();
        r.seats_allocated(t(11));
        let before = r.clone();
        assert!(r.seats_allocated(t(12)).is_none());
        assert_eq!(r, before);
    }

    #[test]
    fn a_late_rejection_after_confirmation_is_ignored() {
        let mut r = placed();
        r.seats_allocated(t(11));
        assert!(
            r.seats_rejected(ev::RejectionReason::SeatsTaken, t(12))
                .is_none()
        );
        assert_eq!(r.status, Status::Confirmed);
    }

    #[test]
    fn given_cancelled_while_paid_when_the_allocation_lands_then_it_stays_cancelled() {
        let mut r = placed();
        let cancel = r.cancel(&alice(), Some(t(20)), t(11)).unwrap();
        assert!(matches!(cancel, Some(ev::EventData::ReservationCancelled(c)) if !c.was_confirmed));
        assert!(r.seats_allocated(t(12)).is_none());
        assert_eq!(r.status, Status::Cancelled);
    }

    #[test]
    fn cancelling_a_confirmed_booking_says_the_seats_were_allocated() {
        let mut r = placed();
        r.seats_allocated(t(11));
        let cancel = r.cancel(&alice(), Some(t(20)), t(12)).unwrap();
        assert!(matches!(cancel, Some(ev::EventData::ReservationCancelled(c)) if c.was_confirmed));
    }

    #[test]
    fn cancelling_twice_is_idempotent() {
        let mut r = placed();
        r.cancel(&alice(), Some(t(20)), t(11)).unwrap();
        let version = r.version;
        assert_eq!(r.cancel(&alice(), Some(t(20)), t(12)), Ok(None));
        assert_eq!(r.version, version);
    }

    #[test]
    fn only_the_owner_may_cancel() {
        let mut r = placed();
        let bob = CustomerId::parse("bob").unwrap();
        assert_eq!(
            r.cancel(&bob, Some(t(20)), t(11)),
            Err(CancelError::NotFound)
        );
        assert_eq!(r.status, Status::Paid);
    }

    #[test]
    fn a_rejected_booking_or_a_started_screening_cannot_be_cancelled() {
        let mut rejected = placed();
        rejected.seats_rejected(ev::RejectionReason::SeatsTaken, t(11));
        assert!(matches!(
            rejected.cancel(&alice(), Some(t(20)), t(12)),
            Err(CancelError::NotCancellable(_))
        ));
        let mut late = placed();
        assert_eq!(
            late.cancel(&alice(), Some(t(20)), t(20)),
            Err(CancelError::ShowtimePassed)
        );
    }

    #[test]
    fn a_refund_is_recorded_once_without_changing_the_status_version() {
        let mut r = placed();
        r.cancel(&alice(), Some(t(20)), t(11)).unwrap();
        let cancelled_version = r.version;
        assert!(r.payment_refunded(t(12)));
        assert_eq!(r.version, cancelled_version);
        let version = r.version;
        assert!(!r.payment_refunded(t(13)));
        assert_eq!(
            (r.payment_status, r.version),
            (PaymentStatus::Refunded, version)
        );
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in [
            Status::Paid,
            Status::Confirmed,
            Status::Rejected,
            Status::Cancelled,
        ] {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
        }
        assert!(Status::parse("paid").is_err());
    }

    #[test]
    fn a_paid_booking_is_overdue_only_after_the_allocation_patience() {
        // `placed()` is paid at t(10).
        let placed_at = t(10);
        let mut r = placed();
        assert!(
            !r.allocation_overdue(placed_at + chrono::Duration::seconds(ALLOCATION_PATIENCE_S))
        );
        assert!(
            r.allocation_overdue(placed_at + chrono::Duration::seconds(ALLOCATION_PATIENCE_S + 1))
        );
        r.status = Status::Confirmed;
        assert!(!r.allocation_overdue(placed_at + chrono::Duration::hours(1)));
    }
}
