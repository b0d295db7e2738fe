//! Holds and bookings with ticket types, seat kinds and couple pairs, given/when/then across
//! [`HoldSeats`](super::holds::HoldSeats) and [`PlaceReservation`](super::place::PlaceReservation)
//! (screening `s2` of [`priced_screening`](crate::testing::priced_screening): adult ₩14,000,
//! youth ₩11,000, senior ₩7,000; premium +₩3,000, couple +₩2,000 a seat).

use cinema_events::{self as ev, EventData, TicketType};

use super::place::{PlaceRequest, Placed, Target};
use crate::error::ReservationError;
use crate::hold::Hold;
use crate::model::Money;
use crate::ports::Screenings;
use crate::pricing::{TicketRequest, Tickets};
use crate::reservation::Reservation;
use crate::testing::{World, alice, bob, priced_screening, seats, tickets};

fn booking(screening: &str, labels: &[&str], counts: Option<&[(&str, i64)]>) -> PlaceRequest {
    PlaceRequest {
        customer: alice(),
        target: Target::Seats {
            screening_id: screening.into(),
            seats: seats(labels),
        },
        tickets: counts.map(tickets),
        card_token: "tok_visa".into(),
        idempotency_key: None,
    }
}

fn of_hold(hold: &Hold) -> PlaceRequest {
    PlaceRequest {
        customer: alice(),
        target: Target::Hold(hold.id.to_string()),
        tickets: None,
        card_token: "tok_visa".into(),
        idempotency_key: None,
    }
}

fn new(placed: Placed) -> Reservation {
    match placed {
        Placed::New(r) => r,
        other => panic!("expected a new booking, got {other:?}"),
    }
}

fn parsed(counts: &[(&str, i64)]) -> Tickets {
    Tickets::parse(&tickets(counts)).unwrap()
}

/// The tickets the (only) `ReservationPlaced` carries.
fn placed_tickets(w: &World) -> Option<Vec<ev::TicketCount>> {
    w.store.events().into_iter().find_map(|e| match e {
        EventData::ReservationPlaced(p) => Some(p.tickets),
        _ => None,
    })?
}

fn count(ticket_type: TicketType, count: u32) -> ev::TicketCount {
    ev::TicketCount { ticket_type, count }
}

#[test]
fn given_tickets_when_seats_are_held_then_the_hold_keeps_them_priced_per_type_and_seat_kind() {
    let w = World::new();
    let request = tickets(&[("adult", 1), ("youth", 1)]);
    let hold = w
        .hold_seats()
        .execute(&alice(), "s2", &seats(&["B3", "B4"]), Some(&request))
        .unwrap();
    assert_eq!(hold.tickets(), parsed(&[("adult", 1), ("youth", 1)]));
    assert_eq!(hold.total.amount, 14_000 + 11_000 + 3_000, "B4 is premium");
    assert_eq!(w.store.event_types(), ["SeatsHeld"]);
}

#[test]
fn given_a_hold_with_tickets_when_booked_then_its_tickets_and_total_are_the_bookings() {
    let w = World::new();
    let request = tickets(&[("senior", 2)]);
    let hold = w
        .hold_seats()
        .execute(&alice(), "s2", &seats(&["C1", "C2"]), Some(&request))
        .unwrap();
    let r = new(w.place().execute(&of_hold(&hold)).unwrap());
    assert_eq!(w.payments.last_amount(), 2 * 7_000 + 2 * 2_000);
    assert_eq!(r.total, hold.total);
    assert_eq!(r.tickets(), parsed(&[("senior", 2)]));
    assert_eq!(placed_tickets(&w), Some(vec![count(TicketType::Senior, 2)]));
}

#[test]
fn given_tickets_when_booked_directly_then_exactly_the_computed_total_is_charged() {
    let w = World::new();
    let counts: &[(&str, i64)] = &[("adult", 1), ("youth", 2), ("senior", 1)];
    let r = new(w
        .place()
        .execute(&booking("s2", &["B5", "B6", "A1", "A2"], Some(counts)))
        .unwrap());
    let expected = 14_000 + 2 * 11_000 + 7_000 + 2 * 3_000;
    assert_eq!(w.payments.last_amount(), expected);
    assert_eq!(
        r.total,
        Money {
            amount: expected,
            currency: "KRW".into()
        }
    );
    assert_eq!(r.tickets(), parsed(counts));
    assert_eq!(
        placed_tickets(&w),
        Some(vec![
            count(TicketType::Adult, 1),
            count(TicketType::Youth, 2),
            count(TicketType::Senior, 1)
        ])
    );
}

#[test]
fn given_no_tickets_when_booked_then_every_seat_is_an_adult_ticket_as_before() {
    let w = World::new();
    let r = new(w
        .place()
        .execute(&booking("s1", &["A1", "A2"], None))
        .unwrap());
    assert_eq!(w.payments.last_amount(), 24_000);
    assert_eq!(r.tickets(), Tickets::adults(2));
    assert_eq!(placed_tickets(&w), Some(vec![count(TicketType::Adult, 2)]));
}

/// Each request breaks one ticket or seat rule.
fn bad_requests() -> Vec<(&'static str, Vec<&'static str>, TicketRequest)> {
    vec![
        ("an unknown type", vec!["B1"], tickets(&[("child", 1)])),
        ("a type not sold", vec!["B1"], tickets(&[("disabled", 1)])),
        (
            "a count of 0",
            vec!["B1"],
            tickets(&[("adult", 1), ("youth", 0)]),
        ),
        (
            "too few tickets",
            vec!["B1", "B2"],
            tickets(&[("adult", 1)]),
        ),
        (
            "too many tickets",
            vec!["B1"],
            tickets(&[("adult", 1), ("youth", 1)]),
        ),
        ("no tickets at all", vec!["B1"], tickets(&[])),
        ("half a couple seat", vec!["C5"], tickets(&[("adult", 1)])),
    ]
}

#[test]
fn given_bad_tickets_or_half_a_couple_seat_when_held_then_invalid_and_nothing_held() {
    for (case, labels, request) in bad_requests() {
        let w = World::new();
        let err = w
            .hold_seats()
            .execute(&alice(), "s2", &seats(&labels), Some(&request))
            .unwrap_err();
        assert!(
            matches!(err, ReservationError::Invalid(_)),
            "{case}: {err:?}"
        );
        assert!(w.store.claims_of_customer(&alice()).is_empty(), "{case}");
        assert!(w.store.event_types().is_empty(), "{case}");
    }
}

#[test]
fn given_bad_tickets_or_half_a_couple_seat_when_booked_then_invalid_and_nothing_charged() {
    for (case, labels, request) in bad_requests() {
        let w = World::new();
        let mut request = PlaceRequest {
            tickets: Some(request),
            ..booking("s2", &labels, None)
        };
        request.idempotency_key = Some("k1".into());
        let err = w.place().execute(&request).unwrap_err();
        assert!(
            matches!(err, ReservationError::Invalid(_)),
            "{case}: {err:?}"
        );
        assert_eq!(w.payments.calls(), 0, "{case}");
        assert!(w.store.claims_of_customer(&alice()).is_empty(), "{case}");
        assert!(w.store.reservations().is_empty(), "{case}");
        // The key is free for a corrected request.
        request.tickets = None;
        request.target = Target::Seats {
            screening_id: "s2".into(),
            seats: seats(&["B1"]),
        };
        assert!(w.place().execute(&request).is_ok(), "{case}");
    }
}

#[test]
fn half_a_couple_seat_is_refused_naming_the_missing_half() {
    let w = World::new();
    let err = w
        .hold_seats()
        .execute(&alice(), "s2", &seats(&["C1", "B1"]), None)
        .unwrap_err();
    assert_eq!(
        err,
        ReservationError::Invalid("C1 is a couple seat: book it with C2".into())
    );
}

#[test]
fn given_a_hold_when_booked_with_tickets_of_its_own_then_invalid_before_any_charge() {
    let w = World::new();
    let hold = w
        .hold_seats()
        .execute(&alice(), "s2", &seats(&["B1"]), None)
        .unwrap();
    let request = PlaceRequest {
        tickets: Some(tickets(&[("youth", 1)])),
        ..of_hold(&hold)
    };
    assert!(matches!(
        w.place().execute(&request),
        Err(ReservationError::Invalid(_))
    ));
    assert_eq!(w.payments.calls(), 0);
    // The hold is untouched: booked as it is, it is still an adult ticket.
    let r = new(w.place().execute(&of_hold(&hold)).unwrap());
    assert_eq!(r.tickets(), Tickets::adults(1));
}

#[test]
fn given_a_key_when_reused_with_other_tickets_then_refused_and_with_the_same_tickets_replayed() {
    let w = World::new();
    let with_key = |counts: &[(&str, i64)]| PlaceRequest {
        idempotency_key: Some("k1".into()),
        ..booking("s2", &["B1", "B2"], Some(counts))
    };
    let first = new(w
        .place()
        .execute(&with_key(&[("adult", 1), ("youth", 1)]))
        .unwrap());
    assert_eq!(
        w.place().execute(&with_key(&[("adult", 2)])).unwrap_err(),
        ReservationError::KeyReused
    );
    match w
        .place()
        .execute(&with_key(&[("youth", 1), ("adult", 1)]))
        .unwrap()
    {
        Placed::Replay { reservation_id, .. } => assert_eq!(reservation_id, first.id.to_string()),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.payments.charges(), 1);
}

#[test]
fn a_total_that_overflows_is_refused_and_nothing_is_charged() {
    let w = World::new();
    let mut huge = priced_screening();
    huge.screening_id = "s3".into();
    huge.ticket_prices.insert(
        TicketType::Adult,
        Money {
            amount: i64::MAX / 2 + 1,
            currency: "KRW".into(),
        },
    );
    w.store.upsert_screening(&huge).unwrap();
    let err = w
        .place()
        .execute(&booking("s3", &["B1", "B2"], None))
        .unwrap_err();
    assert_eq!(
        err,
        ReservationError::Invalid("the total price overflows".into())
    );
    assert_eq!(w.payments.calls(), 0);
    assert!(matches!(
        w.hold_seats()
            .execute(&bob(), "s3", &seats(&["B1", "B2"]), None),
        Err(ReservationError::Invalid(_))
    ));
}

#[test]
fn holds_and_bookings_stored_before_ticket_types_read_as_one_adult_ticket_per_seat() {
    let w = World::new();
    let hold = w
        .hold_seats()
        .execute(&alice(), "s1", &seats(&["A1", "A2"]), None)
        .unwrap();
    let mut doc = serde_json::to_value(&hold).unwrap();
    doc.as_object_mut().unwrap().remove("tickets");
    let old_hold: Hold = serde_json::from_value(doc).unwrap();
    assert_eq!(old_hold.tickets, None);
    assert_eq!(old_hold.tickets(), Tickets::adults(2));

    let r = new(w.place().execute(&of_hold(&hold)).unwrap());
    let mut doc = serde_json::to_value(&r).unwrap();
    doc.as_object_mut().unwrap().remove("tickets");
    let old: Reservation = serde_json::from_value(doc).unwrap();
    assert_eq!(old.tickets(), Tickets::adults(2));
}
