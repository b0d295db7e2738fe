//! The projection's unit tests: each event, duplicates, every order.
use cinema_events::{Money, MovieRegistered, ScreeningScheduled, SeatsAllocated, SeatsReleased};

use super::*;

fn scheduled(screening: &str, movie: &str, rows: u32, per_row: u32) -> EventData {
    EventData::ScreeningScheduled(ScreeningScheduled {
        screening_id: screening.into(),
        movie_id: movie.into(),
        movie_title: "Dune".into(),
        runtime_min: 155,
        hall_id: "h1".into(),
        hall_name: "Hall 1".into(),
        starts_at: "2026-12-01T10:00:00Z".into(),
        rows,
        seats_per_row: per_row,
        price: Money {
            amount: 12_000,
            currency: "KRW".into(),
        },
        layout: None,
        prices: None,
        seat_surcharges: None,
        age_rating: None,
    })
}

fn registered(movie: &str, title: &str) -> EventData {
    EventData::MovieRegistered(MovieRegistered {
        movie_id: movie.into(),
        title: title.into(),
        runtime_min: 155,
        price: Money {
            amount: 12_000,
            currency: "KRW".into(),
        },
        age_rating: None,
        genre: None,
        synopsis: None,
        prices: None,
        seat_surcharges: None,
    })
}

fn allocated(reservation: &str, seats: &[&str]) -> EventData {
    EventData::SeatsAllocated(SeatsAllocated {
        reservation_id: reservation.into(),
        screening_id: "s1".into(),
        seats: seats.iter().map(|s| (*s).to_string()).collect(),
    })
}

fn released(reservation: &str, seats: &[&str]) -> EventData {
    EventData::SeatsReleased(SeatsReleased {
        reservation_id: reservation.into(),
        screening_id: "s1".into(),
        seats: seats.iter().map(|s| (*s).to_string()).collect(),
    })
}

fn project_screening(events: &[&EventData]) -> ScreeningDoc {
    events
        .iter()
        .fold(None, |doc, e| apply_to_screening(e, doc))
        .expect("a screening document")
}

/// The document without its version (which counts the changes, so depends on the order).
fn content(mut doc: ScreeningDoc) -> ScreeningDoc {
    doc.version = 0;
    doc
}

#[test]
fn every_change_bumps_the_version_and_a_duplicate_does_not() {
    let s = scheduled("s1", "m1", 2, 3);
    let a = allocated("r1", &["A1"]);
    assert_eq!(project_screening(&[&s]).version, 1);
    assert_eq!(project_screening(&[&s, &a]).version, 2);
    assert_eq!(project_screening(&[&s, &a, &a, &s]).version, 2);
    assert_eq!(
        project_screening(&[&s, &a, &released("r1", &["A1"])]).version,
        3
    );
}

#[test]
fn a_scheduled_screening_has_all_its_seats_left() {
    let doc = project_screening(&[&scheduled("s1", "m1", 2, 3)]);
    assert_eq!(doc.seats_left(), Some(6));
}

#[test]
fn an_allocation_lowers_seats_left_and_a_duplicate_changes_nothing() {
    let s = scheduled("s1", "m1", 2, 3);
    let a = allocated("r1", &["A1", "A2"]);
    let once = project_screening(&[&s, &a]);
    let twice = project_screening(&[&s, &a, &a]);
    assert_eq!(once.seats_left(), Some(4));
    assert_eq!(once, twice);
}

#[test]
fn a_release_restores_the_seats_and_a_duplicate_release_changes_nothing() {
    let s = scheduled("s1", "m1", 2, 3);
    let a = allocated("r1", &["A1", "A2"]);
    let r = released("r1", &["A1", "A2"]);
    let doc = project_screening(&[&s, &a, &r, &r]);
    assert_eq!(doc.seats_left(), Some(6));
    assert_eq!(doc, project_screening(&[&s, &a, &r]));
}

#[test]
fn a_release_that_overtakes_its_allocation_keeps_the_seats_free() {
    let s = scheduled("s1", "m1", 2, 3);
    let a = allocated("r1", &["A1", "A2"]);
    let r = released("r1", &["A1", "A2"]);
    let doc = project_screening(&[&s, &r, &a]);
    assert_eq!(doc.seats_left(), Some(6));
    assert_eq!(content(doc), content(project_screening(&[&s, &a, &r])));
}

#[test]
fn seat_events_before_the_screening_itself_are_kept_and_counted_once_it_arrives() {
    let s = scheduled("s1", "m1", 2, 3);
    let a = allocated("r1", &["A1"]);
    let early = project_screening(&[&a]);
    assert_eq!(early.seats_left(), None);
    let doc = project_screening(&[&a, &s]);
    assert_eq!(doc.seats_left(), Some(5));
    assert_eq!(content(doc), content(project_screening(&[&s, &a])));
}

#[test]
fn every_order_of_the_same_events_gives_the_same_document() {
    let events = [
        scheduled("s1", "m1", 1, 4),
        allocated("r1", &["A1"]),
        allocated("r2", &["A2", "A3"]),
        released("r1", &["A1"]),
        allocated("r3", &["A1"]),
    ];
    let expected = content(project_screening(&events.iter().collect::<Vec<_>>()));
    assert_eq!(expected.seats_left(), Some(1));
    // All 120 orders, each event also delivered twice.
    let mut order: Vec<usize> = (0..events.len()).collect();
    for_each_permutation(&mut order, 0, &mut |perm| {
        let mut sequence: Vec<&EventData> = perm.iter().map(|i| &events[*i]).collect();
        sequence.extend(perm.iter().rev().map(|i| &events[*i]));
        assert_eq!(
            content(project_screening(&sequence)),
            expected,
            "order {perm:?}"
        );
    });
}

fn for_each_permutation(items: &mut Vec<usize>, k: usize, visit: &mut dyn FnMut(&[usize])) {
    if k == items.len() {
        visit(items);
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        for_each_permutation(items, k + 1, visit);
        items.swap(k, i);
    }
}

#[test]
fn seats_left_never_goes_below_zero_or_above_the_total() {
    let s = scheduled("s1", "m1", 1, 2);
    let doc = project_screening(&[
        &s,
        &allocated("r1", &["A1", "A2"]),
        &allocated("r2", &["A1", "A3"]),
    ]);
    assert_eq!(doc.seats_left(), Some(0));
    let doc = project_screening(&[&s, &released("r9", &["A1"])]);
    assert_eq!(doc.seats_left(), Some(2));
}

#[test]
fn a_seat_held_twice_by_mistake_counts_once() {
    let s = scheduled("s1", "m1", 1, 4);
    let doc = project_screening(&[&s, &allocated("r1", &["A1"]), &allocated("r2", &["A1"])]);
    assert_eq!(doc.seats_left(), Some(3));
}

#[test]
fn a_screening_that_arrives_before_its_movie_creates_the_movie_from_its_title() {
    let s = scheduled("s1", "m1", 2, 3);
    let movie = apply_to_movie(&s, None).unwrap();
    assert_eq!(movie.title, "Dune");
    assert!(!movie.registered);
    assert_eq!(movie.screening_ids.iter().collect::<Vec<_>>(), ["s1"]);
    let movie = apply_to_movie(&registered("m1", "Dune: Part Two"), Some(movie)).unwrap();
    assert!(movie.registered);
    assert_eq!(movie.title, "Dune: Part Two");
    assert_eq!(movie.screening_ids.len(), 1);
}

#[test]
fn movie_events_are_idempotent_in_any_order() {
    let r = registered("m1", "Dune");
    let s1 = scheduled("s1", "m1", 2, 3);
    let s2 = scheduled("s2", "m1", 2, 3);
    let fold = |events: &[&EventData]| {
        events
            .iter()
            .fold(None, |doc, e| apply_to_movie(e, doc))
            .unwrap()
    };
    let expected = fold(&[&r, &s1, &s2]);
    assert_eq!(fold(&[&s2, &s1, &r]), expected);
    assert_eq!(fold(&[&s1, &r, &s1, &s2, &r]), expected);
}

#[test]
fn the_index_collects_movie_ids_once() {
    let index = [
        registered("m1", "A"),
        scheduled("s1", "m1", 1, 1),
        scheduled("s2", "m2", 1, 1),
    ]
    .iter()
    .fold(None, |doc, e| apply_to_index(e, doc))
    .unwrap();
    assert_eq!(index.movie_ids.iter().collect::<Vec<_>>(), ["m1", "m2"]);
}

#[test]
fn events_the_catalog_does_not_project_touch_nothing() {
    let other = EventData::PaymentApproved(cinema_events::PaymentApproved {
        payment_id: "p".into(),
        reservation_id: "r".into(),
        customer_id: "c".into(),
        amount: cinema_events::Money {
            amount: 1,
            currency: "KRW".into(),
        },
    });
    assert!(targets(&other).is_empty());
    assert_eq!(apply_to_screening(&other, None), None);
    assert_eq!(apply_to_movie(&other, None), None);
    assert_eq!(apply_to_index(&other, None), None);
}

#[test]
fn a_screening_is_written_before_its_movie_and_the_index() {
    assert_eq!(
        targets(&scheduled("s1", "m1", 1, 1)),
        [
            Target::Screening("s1".into()),
            Target::Movie("m1".into()),
            Target::Index
        ]
    );
}

#[test]
fn a_registered_movie_keeps_its_rating_genre_and_synopsis() {
    let mut event = registered("m1", "Dune");
    if let EventData::MovieRegistered(e) = &mut event {
        e.age_rating = Some("15".into());
        e.genre = Some("SF".into());
        e.synopsis = Some("Spice.".into());
    }
    let movie = apply_to_movie(&event, None).unwrap();
    assert_eq!(movie.age_rating(), "15");
    assert_eq!(movie.genre.as_deref(), Some("SF"));
    assert_eq!(movie.synopsis.as_deref(), Some("Spice."));
    // From before ratings: all ages.
    let old = apply_to_movie(&registered("m1", "Dune"), None).unwrap();
    assert_eq!((old.age_rating(), old.genre.as_deref()), ("ALL", None));
}

#[test]
fn a_movie_seen_first_through_its_screening_takes_the_screenings_rating_until_registered() {
    let mut s = scheduled("s1", "m1", 2, 3);
    if let EventData::ScreeningScheduled(e) = &mut s {
        e.age_rating = Some("18".into());
    }
    let movie = apply_to_movie(&s, None).unwrap();
    assert_eq!(movie.age_rating(), "18");
    let mut r = registered("m1", "Dune");
    if let EventData::MovieRegistered(e) = &mut r {
        e.age_rating = Some("15".into());
    }
    let movie = apply_to_movie(&s, apply_to_movie(&r, Some(movie))).unwrap();
    assert_eq!(movie.age_rating(), "15");
}

fn money(amount: i64) -> Money {
    Money {
        amount,
        currency: "KRW".into(),
    }
}

#[test]
fn a_screening_counts_its_layouts_seats_and_keeps_its_prices_and_surcharges() {
    use cinema_events::{HallLayout, LayoutRow, SeatKind, SeatSurcharge, TicketPrice, TicketType};
    let row = |label: &str, seats| LayoutRow {
        label: label.into(),
        seats,
        aisles_after: vec![],
        space_before: false,
        kinds: vec![],
    };
    let mut s = scheduled("s1", "m1", 3, 12);
    if let EventData::ScreeningScheduled(e) = &mut s {
        e.layout = Some(HallLayout {
            rows: vec![row("A", 12), row("B", 12), row("C", 10)],
        });
        e.prices = Some(vec![
            TicketPrice {
                ticket_type: TicketType::Adult,
                price: money(12_000),
            },
            TicketPrice {
                ticket_type: TicketType::Youth,
                price: money(9_000),
            },
        ]);
        e.seat_surcharges = Some(vec![SeatSurcharge {
            kind: SeatKind::Premium,
            amount: money(3_000),
        }]);
    }
    let doc = project_screening(&[&s]);
    assert_eq!(doc.seats_left(), Some(34), "the layout's seats, not 3 × 12");
    let details = doc.details.unwrap();
    assert_eq!(details.seats_total, 34);
    let prices = details.ticket_prices();
    assert_eq!(prices.keys().collect::<Vec<_>>(), ["adult", "youth"]);
    assert_eq!(prices["youth"].amount, 9_000);
    assert_eq!(details.seat_surcharges["premium"].amount, 3_000);
}

#[test]
fn a_screening_from_before_prices_sells_adult_tickets_at_its_price() {
    let details = project_screening(&[&scheduled("s1", "m1", 2, 3)])
        .details
        .unwrap();
    assert_eq!(details.seats_total, 6);
    let prices = details.ticket_prices();
    assert_eq!(prices.len(), 1);
    assert_eq!(prices["adult"].amount, 12_000);
    assert!(details.seat_surcharges.is_empty());
}

#[test]
fn booking_events_target_their_booking() {
    let refund = EventData::PaymentRefunded(cinema_events::PaymentRefunded {
        payment_id: "p".into(),
        reservation_id: "r1".into(),
        customer_id: "c".into(),
        amount: money(1),
        reason: "reservation-cancelled".into(),
    });
    assert_eq!(targets(&refund), [Target::Booking("r1".into())]);
}
