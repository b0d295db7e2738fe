//! A customer's reservation as my page shows it, and how each integration event changes it.
//!
//! [`apply`] is a pure fold step built to tolerate the event log's habits: events arrive twice
//! and out of order, from three publishers. So every field merges monotonically:
//!
//! - `status` comes from reservation events and is the one carried by the highest
//!   `Envelope::reservation_version` (ties, and events without a version, broken by the
//!   lifecycle order PAID < CONFIRMED < REJECTED < CANCELLED): a late, older event never rolls
//!   it back;
//! - `payment_status` only moves up, APPROVED < REFUNDED (a refund is never undone by a late
//!   approval);
//! - timestamps: `updated_at` is the latest event time, `created_at` the placement's time (until
//!   the placement is seen, the earliest event time);
//! - the booking's facts (screening, seats, total, payment id) come from `ReservationPlaced`;
//!   until it arrives, other events fill in what they carry;
//! - `booking_number` never changes: the first event that carries one sets it (events from before
//!   booking numbers carry none).
//!
//! Applying an event twice gives the same view as applying it once.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use cinema_events::{Envelope, EventData, Money, TicketCount};
use serde::{Deserialize, Serialize};

/// The reservation's status (the reservation context's lifecycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Paid,
    Confirmed,
    Rejected,
    Cancelled,
}

impl Status {
    /// Lifecycle order, used only to break ties between events of the same version.
    fn rank(self) -> u8 {
        match self {
            Self::Paid => 0,
            Self::Confirmed => 1,
            Self::Rejected => 2,
            Self::Cancelled => 3,
        }
    }
}

/// The payment's status: it only ever moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    Approved,
    Refunded,
}

/// The projection's state for one reservation (stored as JSON; the API shape is
/// [`crate::listing::MyReservation`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationView {
    pub reservation_id: String,
    pub customer_id: String,
    pub screening_id: Option<String>,
    pub seats: Vec<String>,
    pub total: Option<Money>,
    /// `None` until a reservation event is seen (a payment alone is not a booking).
    pub status: Option<Status>,
    /// The reservation version that set `status`.
    pub version: u64,
    pub payment_status: Option<PaymentStatus>,
    pub payment_id: Option<String>,
    /// The booking number people read (`YYMM-NNNN-NNNN`); `None` for bookings made before numbers.
    #[serde(default)]
    pub booking_number: Option<String>,
    /// The API error code of a rejection (`seats_taken`…).
    pub rejection_reason: Option<String>,
    /// Tickets by type as the API names them (`{"adult": 1, "youth": 1}`), from the placement;
    /// empty for bookings placed before ticket types (all adult).
    #[serde(default)]
    pub tickets: BTreeMap<String, u32>,
    /// Whether `ReservationPlaced` has been applied (its facts are authoritative).
    pub placed: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// What one event says about a reservation.
struct Fact<'a> {
    reservation_id: &'a str,
    customer_id: &'a str,
    screening_id: Option<&'a str>,
    seats: Option<&'a [String]>,
    total: Option<&'a Money>,
    payment_id: Option<&'a str>,
    booking_number: Option<&'a str>,
    tickets: Option<&'a [TicketCount]>,
    status: Option<Status>,
    payment_status: Option<PaymentStatus>,
    rejection_reason: Option<&'static str>,
    placement: bool,
}

impl<'a> Fact<'a> {
    fn of(data: &'a EventData) -> Option<Self> {
        let fact = |reservation_id: &'a str, customer_id: &'a str| Fact {
            reservation_id,
            customer_id,
            screening_id: None,
            seats: None,
            total: None,
            payment_id: None,
            booking_number: None,
            tickets: None,
            status: None,
            payment_status: None,
            rejection_reason: None,
            placement: false,
        };
        Some(match data {
            EventData::ReservationPlaced(e) => Fact {
                screening_id: Some(&e.screening_id),
                seats: Some(&e.seats),
                total: Some(&e.total),
                payment_id: Some(&e.payment_id),
                booking_number: e.booking_number.as_deref(),
                tickets: e.tickets.as_deref(),
                status: Some(Status::Paid),
                payment_status: Some(PaymentStatus::Approved),
                placement: true,
                ..fact(&e.reservation_id, &e.customer_id)
            },
            EventData::ReservationConfirmed(e) => Fact {
                screening_id: Some(&e.screening_id),
                seats: Some(&e.seats),
                booking_number: e.booking_number.as_deref(),
                status: Some(Status::Confirmed),
                ..fact(&e.reservation_id, &e.customer_id)
            },
            EventData::ReservationRejected(e) => Fact {
                screening_id: Some(&e.screening_id),
                seats: Some(&e.seats),
                payment_id: Some(&e.payment_id),
                booking_number: e.booking_number.as_deref(),
                status: Some(Status::Rejected),
                rejection_reason: Some(e.reason.code()),
                ..fact(&e.reservation_id, &e.customer_id)
            },
            EventData::ReservationCancelled(e) => Fact {
                screening_id: Some(&e.screening_id),
                seats: Some(&e.seats),
                payment_id: Some(&e.payment_id),
                booking_number: e.booking_number.as_deref(),
                status: Some(Status::Cancelled),
                ..fact(&e.reservation_id, &e.customer_id)
            },
            EventData::PaymentApproved(e) => Fact {
                total: Some(&e.amount),
                payment_id: Some(&e.payment_id),
                payment_status: Some(PaymentStatus::Approved),
                ..fact(&e.reservation_id, &e.customer_id)
            },
            EventData::PaymentRefunded(e) => Fact {
                payment_id: Some(&e.payment_id),
                payment_status: Some(PaymentStatus::Refunded),
                ..fact(&e.reservation_id, &e.customer_id)
            },
            _ => return None,
        })
    }
}

/// The reservation and customer an event is about, if my page keeps a view for it.
pub fn subject(event: &Envelope) -> Option<(&str, &str)> {
    Fact::of(&event.data).map(|f| (f.reservation_id, f.customer_id))
}

/// One fold step: the view after `event`. Events about no reservation leave it as it is.
pub fn apply(view: Option<ReservationView>, event: &Envelope) -> Option<ReservationView> {
    let Some(fact) = Fact::of(&event.data) else {
        return view;
    };
    let mut view = view.unwrap_or_else(|| ReservationView {
        reservation_id: fact.reservation_id.to_string(),
        customer_id: fact.customer_id.to_string(),
        screening_id: None,
        seats: Vec::new(),
        total: None,
        status: None,
        version: 0,
        payment_status: None,
        payment_id: None,
        booking_number: None,
        rejection_reason: None,
        tickets: BTreeMap::new(),
        placed: false,
        created_at: None,
        updated_at: None,
    });
    merge_status(
        &mut view,
        fact.status,
        event.reservation_version.unwrap_or(0),
    );
    view.payment_status = view.payment_status.max(fact.payment_status);
    if let Some(reason) = fact.rejection_reason {
        view.rejection_reason = Some(reason.to_string());
    }
    merge_facts(&mut view, &fact);
    merge_times(&mut view, &event.occurred_at, fact.placement);
    Some(view)
}

fn merge_status(view: &mut ReservationView, status: Option<Status>, version: u64) {
    let Some(status) = status else { return };
    let newer = match view.status {
        None => true,
        Some(current) => (version, status.rank()) > (view.version, current.rank()),
    };
    if newer {
        view.status = Some(status);
        view.version = version;
    }
}

fn merge_facts(view: &mut ReservationView, fact: &Fact<'_>) {
    if view.booking_number.is_none() {
        view.booking_number = fact.booking_number.map(str::to_string);
    }
    if fact.placement {
        view.placed = true;
        view.screening_id = fact.screening_id.map(str::to_string);
        view.seats = fact.seats.map(<[String]>::to_vec).unwrap_or_default();
        view.total = fact.total.cloned();
        view.payment_id = fact.payment_id.map(str::to_string);
        view.tickets = fact
            .tickets
            .unwrap_or_default()
            .iter()
            .filter(|t| t.count > 0)
            .map(|t| (t.ticket_type.api_name().to_string(), t.count))
            .collect();
        return;
    }
    if view.placed {
        return;
    }
    if view.screening_id.is_none() {
        view.screening_id = fact.screening_id.map(str::to_string);
    }
    if view.seats.is_empty() {
        view.seats = fact.seats.map(<[String]>::to_vec).unwrap_or_default();
    }
    if view.total.is_none() {
        view.total = fact.total.cloned();
    }
    if view.payment_id.is_none() {
        view.payment_id = fact.payment_id.map(str::to_string);
    }
}

fn merge_times(view: &mut ReservationView, occurred_at: &str, placement: bool) {
    if later(occurred_at, view.updated_at.as_deref()) {
        view.updated_at = Some(occurred_at.to_string());
    }
    // The placement's time is the booking's creation; until it is seen, the earliest event's.
    let placement_time = placement;
    let earliest_so_far = !view.placed && earlier(occurred_at, view.created_at.as_deref());
    if placement_time || earliest_so_far {
        view.created_at = Some(occurred_at.to_string());
    }
}

/// RFC 3339 as an instant (offsets honoured); text that is not RFC 3339 sorts first.
pub fn instant(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}

fn later(candidate: &str, current: Option<&str>) -> bool {
    current.is_none_or(|current| (instant(candidate), candidate) > (instant(current), current))
}

fn earlier(candidate: &str, current: Option<&str>) -> bool {
    current.is_none_or(|current| (instant(candidate), candidate) < (instant(current), current))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::events::*;

    fn fold(events: &[Envelope]) -> ReservationView {
        events.iter().fold(None, apply).expect("a view")
    }

    #[test]
    fn a_placed_reservation_is_paid_with_an_approved_payment() {
        let view = fold(&[placed(1)]);
        assert_eq!(view.status, Some(Status::Paid));
        assert_eq!(view.payment_status, Some(PaymentStatus::Approved));
        assert_eq!(view.version, 1);
        assert_eq!(view.seats, vec!["A1".to_string(), "A2".to_string()]);
        assert_eq!(view.total.as_ref().map(|m| m.amount), Some(24_000));
        assert_eq!(view.payment_id.as_deref(), Some("p-1"));
        assert_eq!(view.created_at.as_deref(), Some(at(0).as_str()));
    }

    #[test]
    fn the_booking_number_comes_with_the_first_event_that_carries_one() {
        assert_eq!(
            fold(&[confirmed(2)]).booking_number.as_deref(),
            Some(BOOKING_NUMBER)
        );
        // An event from before booking numbers leaves it unset, a later one fills it in, and a
        // late old event does not erase it.
        let mut old = placed(1);
        if let EventData::ReservationPlaced(p) = &mut old.data {
            p.booking_number = None;
        }
        assert_eq!(fold(&[old.clone()]).booking_number, None);
        let view = fold(&[old.clone(), cancelled(3), old]);
        assert_eq!(view.booking_number.as_deref(), Some(BOOKING_NUMBER));
    }

    #[test]
    fn a_confirmation_moves_the_status_forward() {
        let view = fold(&[placed(1), confirmed(2)]);
        assert_eq!(view.status, Some(Status::Confirmed));
        assert_eq!(view.version, 2);
        assert_eq!(view.updated_at.as_deref(), Some(at(2).as_str()));
    }

    #[test]
    fn an_older_event_arriving_late_does_not_roll_the_status_back() {
        // given a confirmed then cancelled reservation, when the placement arrives last
        let view = fold(&[cancelled(3), confirmed(2), placed(1)]);
        // then it stays cancelled, and the placement's facts are still taken
        assert_eq!(view.status, Some(Status::Cancelled));
        assert_eq!(view.version, 3);
        assert!(view.placed);
        assert_eq!(view.total.as_ref().map(|m| m.amount), Some(24_000));
        assert_eq!(view.created_at.as_deref(), Some(at(0).as_str()));
        assert_eq!(view.updated_at.as_deref(), Some(at(3).as_str()));
    }

    #[test]
    fn every_order_of_the_same_events_gives_the_same_view() {
        let events = [
            placed(1),
            approved(),
            confirmed(2),
            cancelled(3),
            refunded(),
        ];
        let expected = fold(&events);
        let mut order: Vec<usize> = (0..events.len()).collect();
        // all 120 permutations (Heap's algorithm, iterative)
        let mut c = vec![0; order.len()];
        let mut i = 0;
        while i < order.len() {
            if c[i] < i {
                if i % 2 == 0 {
                    order.swap(0, i)
                } else {
                    order.swap(c[i], i)
                }
                let permuted: Vec<Envelope> = order.iter().map(|&k| events[k].clone()).collect();
                assert_eq!(fold(&permuted), expected, "order {order:?}");
                c[i] += 1;
                i = 0;
            } else {
                c[i] = 0;
                i += 1;
            }
        }
    }

    #[test]
    fn a_duplicate_event_changes_nothing() {
        let once = fold(&[placed(1), confirmed(2)]);
        let twice = fold(&[placed(1), confirmed(2), confirmed(2), placed(1)]);
        assert_eq!(once, twice);
        assert_eq!(apply(Some(once.clone()), &confirmed(2)), Some(once));
    }

    #[test]
    fn a_refund_after_a_cancellation_marks_the_payment_refunded_for_good() {
        let view = fold(&[placed(1), confirmed(2), cancelled(3), refunded()]);
        assert_eq!(view.status, Some(Status::Cancelled));
        assert_eq!(view.payment_status, Some(PaymentStatus::Refunded));
        // a late approval (redelivered) does not undo the refund
        let view = apply(Some(view), &approved()).unwrap();
        assert_eq!(view.payment_status, Some(PaymentStatus::Refunded));
    }

    #[test]
    fn a_rejection_keeps_its_reason_and_the_refund_follows() {
        let view = fold(&[placed(1), rejected(2), refunded()]);
        assert_eq!(view.status, Some(Status::Rejected));
        assert_eq!(view.rejection_reason.as_deref(), Some("seats_taken"));
        assert_eq!(view.payment_status, Some(PaymentStatus::Refunded));
    }

    #[test]
    fn a_payment_seen_before_its_reservation_is_not_yet_a_booking() {
        let view = fold(&[approved()]);
        assert_eq!(view.status, None);
        assert_eq!(view.payment_status, Some(PaymentStatus::Approved));
        assert_eq!(view.total.as_ref().map(|m| m.amount), Some(24_000));
    }

    #[test]
    fn events_mypage_does_not_consume_leave_the_view_alone() {
        let view = fold(&[placed(1)]);
        assert_eq!(apply(Some(view.clone()), &scheduled()), Some(view));
        assert_eq!(apply(None, &scheduled()), None);
    }

    #[test]
    fn offsets_are_compared_as_instants() {
        // 10:00+09:00 is 01:00Z: earlier than 02:00Z although it sorts later as text
        let mut late = placed(1);
        late.occurred_at = "2026-11-23T02:00:00Z".into();
        let mut early = confirmed(2);
        early.occurred_at = "2026-11-23T10:00:00+09:00".into();
        let view = fold(&[late, early]);
        assert_eq!(view.updated_at.as_deref(), Some("2026-11-23T02:00:00Z"));
    }
}
