//! Given events about bookings, in any order and any number of times, when they are projected,
//! then the screening's sales figures are the same.

use cinema_events::{
    Money, PaymentRefunded, RejectionReason, ReservationCancelled, ReservationConfirmed,
    ReservationPlaced, ReservationRejected,
};

use super::*;

const SCREENING: &str = "s1";

fn envelope(id: &str, version: Option<u64>, data: EventData) -> Envelope {
    Envelope {
        event_id: id.into(),
        type_: data.type_name().into(),
        version: 1,
        occurred_at: "2026-11-23T10:00:00Z".into(),
        correlation_id: "c1".into(),
        causation_id: None,
        reservation_id: None,
        reservation_version: version,
        source: "reservation".into(),
        data,
    }
}

fn krw(amount: i64) -> Money {
    Money {
        amount,
        currency: "KRW".into(),
    }
}

fn seats(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|s| (*s).to_string()).collect()
}

fn placed(r: &str, labels: &[&str], total: i64) -> Envelope {
    envelope(
        &format!("{r}-placed"),
        Some(1),
        EventData::ReservationPlaced(ReservationPlaced {
            reservation_id: r.into(),
            customer_id: "alice".into(),
            screening_id: SCREENING.into(),
            seats: seats(labels),
            total: krw(total),
            payment_id: format!("p-{r}"),
            booking_number: None,
            tickets: None,
        }),
    )
}

fn confirmed(r: &str, labels: &[&str]) -> Envelope {
    envelope(
        &format!("{r}-confirmed"),
        Some(2),
        EventData::ReservationConfirmed(ReservationConfirmed {
            reservation_id: r.into(),
            customer_id: "alice".into(),
            screening_id: SCREENING.into(),
            seats: seats(labels),
            booking_number: None,
            total: None,
        }),
    )
}

fn rejected(r: &str, labels: &[&str]) -> Envelope {
    envelope(
        &format!("{r}-rejected"),
        Some(2),
        EventData::ReservationRejected(ReservationRejected {
            reservation_id: r.into(),
            customer_id: "alice".into(),
            screening_id: SCREENING.into(),
            seats: seats(labels),
            payment_id: format!("p-{r}"),
            reason: RejectionReason::SeatsTaken,
            booking_number: None,
            total: None,
        }),
    )
}

fn cancelled(r: &str, labels: &[&str], version: u64) -> Envelope {
    envelope(
        &format!("{r}-cancelled"),
        Some(version),
        EventData::ReservationCancelled(ReservationCancelled {
            reservation_id: r.into(),
            customer_id: "alice".into(),
            screening_id: SCREENING.into(),
            seats: seats(labels),
            payment_id: format!("p-{r}"),
            was_confirmed: version > 2,
            booking_number: None,
            total: None,
        }),
    )
}

fn refunded(r: &str, amount: i64) -> Envelope {
    envelope(
        &format!("{r}-refunded"),
        None,
        EventData::PaymentRefunded(PaymentRefunded {
            payment_id: format!("p-{r}"),
            reservation_id: r.into(),
            customer_id: "alice".into(),
            amount: krw(amount),
            reason: "reservation-cancelled".into(),
        }),
    )
}

/// Projects the events as the service does: the booking, then its screening's sales.
fn project(events: &[&Envelope]) -> (BTreeMap<String, BookingDoc>, Option<SalesDoc>) {
    let mut bookings: BTreeMap<String, BookingDoc> = BTreeMap::new();
    let mut sales = None;
    for event in events {
        let Some(fact) = BookingDoc::of(event) else {
            continue;
        };
        let id = fact.reservation_id.clone();
        let booking = apply_to_booking(event, bookings.remove(&id)).expect("a booking");
        if booking.screening_id.is_some() {
            sales = apply_to_sales(&booking, sales);
        }
        bookings.insert(id, booking);
    }
    (bookings, sales)
}

fn figures(events: &[&Envelope]) -> SalesFigures {
    project(events).1.map(|s| s.figures()).unwrap_or_default()
}

#[test]
fn a_placed_booking_is_held_and_taken_until_the_theater_confirms_it() {
    let p = placed("r1", &["A1", "A2"], 24_000);
    let f = figures(&[&p]);
    assert_eq!((f.seats_sold, f.seats_held, f.bookings), (0, 2, 1));
    assert_eq!((f.takings, f.refunds), (24_000, 0));
    let f = figures(&[&p, &confirmed("r1", &["A1", "A2"])]);
    assert_eq!((f.seats_sold, f.seats_held, f.bookings), (2, 0, 1));
    assert_eq!(f.takings, 24_000);
}

#[test]
fn a_duplicate_or_republished_event_counts_once() {
    let p = placed("r1", &["A1"], 12_000);
    let c = confirmed("r1", &["A1"]);
    let once = figures(&[&p, &c]);
    let mut again = p.clone();
    again.event_id = "republished".into();
    assert_eq!(figures(&[&p, &c, &p, &again, &c]), once);
    let r = refunded("r1", 12_000);
    assert_eq!(figures(&[&p, &c, &r, &r]).refunds, 12_000);
}

#[test]
fn a_cancel_after_confirm_stops_counting_the_seats_and_its_refund_is_taken_off() {
    let (p, c) = (
        placed("r1", &["A1", "A2"], 24_000),
        confirmed("r1", &["A1", "A2"]),
    );
    let x = cancelled("r1", &["A1", "A2"], 3);
    let f = figures(&[&p, &c, &x]);
    assert_eq!((f.seats_sold, f.seats_held, f.bookings), (0, 0, 0));
    assert_eq!((f.takings, f.refunds), (24_000, 0), "not refunded yet");
    let f = figures(&[&p, &c, &x, &refunded("r1", 24_000)]);
    assert_eq!((f.takings, f.refunds), (0, 24_000));
}

#[test]
fn a_late_confirmation_does_not_revive_a_cancelled_booking() {
    let (p, c) = (placed("r1", &["A1"], 12_000), confirmed("r1", &["A1"]));
    let x = cancelled("r1", &["A1"], 3);
    assert_eq!(figures(&[&x, &c, &p]), figures(&[&p, &c, &x]));
    assert_eq!(figures(&[&p, &x, &c]).seats_sold, 0);
    // Events from before reservation versions: the later stage wins.
    let mut old_c = c.clone();
    let mut old_x = x.clone();
    old_c.reservation_version = None;
    old_x.reservation_version = None;
    assert_eq!(figures(&[&p, &old_x, &old_c]).seats_sold, 0);
}

#[test]
fn a_rejected_booking_sells_nothing_and_nets_nothing_once_refunded() {
    let p = placed("r1", &["A1"], 12_000);
    let f = figures(&[&p, &rejected("r1", &["A1"]), &refunded("r1", 12_000)]);
    assert_eq!((f.seats_sold, f.seats_held, f.bookings), (0, 0, 0));
    assert_eq!((f.takings, f.refunds), (0, 12_000));
}

#[test]
fn a_refund_before_its_placement_waits_in_the_booking_and_counts_once_the_screening_is_known() {
    let r = refunded("r1", 12_000);
    let (bookings, sales) = project(&[&r]);
    assert_eq!(sales, None, "the refund alone names no screening");
    assert_eq!(bookings["r1"].refunds.len(), 1);
    let f = figures(&[
        &r,
        &cancelled("r1", &["A1"], 2),
        &placed("r1", &["A1"], 12_000),
    ]);
    assert_eq!((f.takings, f.refunds, f.bookings), (0, 12_000, 0));
}

#[test]
fn every_order_of_a_screenings_booking_events_gives_the_same_figures() {
    let events = [
        placed("r1", &["A1", "A2"], 24_000),
        confirmed("r1", &["A1", "A2"]),
        placed("r2", &["A3"], 12_000),
        confirmed("r2", &["A3"]),
        cancelled("r2", &["A3"], 3),
        refunded("r2", 12_000),
        placed("r3", &["A3"], 12_000),
        rejected("r3", &["A3"]),
        refunded("r3", 12_000),
    ];
    let expected = figures(&events.iter().collect::<Vec<_>>());
    assert_eq!(
        expected,
        SalesFigures {
            seats_sold: 2,
            seats_held: 0,
            takings: 24_000,
            refunds: 24_000,
            bookings: 1,
        }
    );
    // Reversed, rotated and each event twice.
    for shift in 0..events.len() {
        let mut order: Vec<&Envelope> = events.iter().collect();
        order.rotate_left(shift);
        order.reverse();
        order.extend(events.iter());
        assert_eq!(figures(&order), expected, "shift {shift}");
    }
}

#[test]
fn the_join_is_commutative_and_idempotent() {
    let a = BookingDoc::of(&placed("r1", &["A1"], 12_000)).unwrap();
    let b = BookingDoc::of(&cancelled("r1", &["A1"], 3)).unwrap();
    let c = BookingDoc::of(&refunded("r1", 12_000)).unwrap();
    let abc = a.clone().join(&b).join(&c);
    assert_eq!(c.clone().join(&b).join(&a), abc);
    assert_eq!(abc.clone().join(&a).join(&c), abc);
    assert_eq!(abc.status, Some(BookingStatus::Cancelled));
}

#[test]
fn events_about_no_booking_change_nothing() {
    let other = envelope(
        "x",
        None,
        EventData::PaymentApproved(cinema_events::PaymentApproved {
            payment_id: "p".into(),
            reservation_id: "r1".into(),
            customer_id: "c".into(),
            amount: krw(1),
        }),
    );
    assert_eq!(apply_to_booking(&other, None), None);
}
