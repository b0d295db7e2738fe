//! The window, the rounding, and the programme built through the projector and the fakes.

use chrono::TimeZone;
use cinema_events::{
    EventData, Money, MovieRegistered, PaymentRefunded, ReservationCancelled, ReservationConfirmed,
    ReservationPlaced, ScreeningScheduled,
};

use super::*;
use crate::services::Projector;
use crate::testing::InMemoryCatalog;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap()
}

#[test]
fn the_window_defaults_to_a_day_back_and_fourteen_days() {
    let w = ProgrammeWindow::parse(None, None, now()).unwrap();
    assert!(!w.contains(now() - Duration::days(1) - Duration::seconds(1)));
    assert!(w.contains(now() - Duration::days(1)));
    assert!(w.contains(now() + Duration::days(13) - Duration::seconds(1)));
    assert!(!w.contains(now() + Duration::days(13)));
}

#[test]
fn bounds_are_instants_with_offsets_and_to_follows_from() {
    let w = ProgrammeWindow::parse(Some("2026-12-06T09:00:00+09:00"), None, now()).unwrap();
    assert!(w.contains(Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap()));
    assert!(!w.contains(Utc.with_ymd_and_hms(2026, 12, 5, 23, 59, 59).unwrap()));
    assert!(w.contains(Utc.with_ymd_and_hms(2026, 12, 19, 23, 59, 59).unwrap()));
    for bad in ["yesterday", "2026-12-06T09:00:00", "2026-12-06", ""] {
        assert_eq!(
            ProgrammeWindow::parse(Some(bad), None, now()),
            Err(WindowError::NotAnInstant("from")),
            "{bad}"
        );
    }
    assert_eq!(
        ProgrammeWindow::parse(None, Some("soon"), now()),
        Err(WindowError::NotAnInstant("to"))
    );
    assert_eq!(
        ProgrammeWindow::parse(
            Some("2026-12-06T00:00:00Z"),
            Some("2026-12-06T09:00:00+09:00"),
            now()
        ),
        Err(WindowError::Empty)
    );
}

#[test]
fn occupancy_is_rounded_half_up_to_one_decimal() {
    assert_eq!(Percent::of(1, 3).tenths(), 333);
    assert_eq!(Percent::of(2, 3).tenths(), 667);
    assert_eq!(Percent::of(1, 8).tenths(), 125);
    assert_eq!(Percent::of(1, 16).tenths(), 63, "6.25 → 6.3");
    assert_eq!(Percent::of(0, 0).tenths(), 0);
    assert_eq!(Percent::of(50, 50).tenths(), 1000);
    let json = |p: Percent| serde_json::to_string(&p).unwrap();
    assert_eq!(json(Percent::of(1, 3)), "33.3");
    assert_eq!(json(Percent::of(1, 1)), "100.0");
    assert_eq!(json(Percent::of(0, 10)), "0.0");
}

fn envelope(id: &str, version: Option<u64>, data: EventData) -> cinema_events::Envelope {
    cinema_events::Envelope {
        event_id: id.into(),
        type_: data.type_name().into(),
        version: 1,
        occurred_at: "2026-12-05T10:00:00Z".into(),
        correlation_id: "c1".into(),
        causation_id: None,
        reservation_id: None,
        reservation_version: version,
        source: "test".into(),
        data,
    }
}

fn krw(amount: i64) -> Money {
    Money {
        amount,
        currency: "KRW".into(),
    }
}

fn scheduled(screening: &str, movie: &str, title: &str, starts_at: &str) -> EventData {
    EventData::ScreeningScheduled(ScreeningScheduled {
        screening_id: screening.into(),
        movie_id: movie.into(),
        movie_title: title.into(),
        runtime_min: 120,
        hall_id: "h1".into(),
        hall_name: "1관".into(),
        starts_at: starts_at.into(),
        rows: 2,
        seats_per_row: 5,
        price: krw(12_000),
        layout: None,
        prices: None,
        seat_surcharges: None,
        age_rating: None,
    })
}

fn placed(r: &str, seats: &[&str], total: i64) -> EventData {
    EventData::ReservationPlaced(ReservationPlaced {
        reservation_id: r.into(),
        customer_id: "alice".into(),
        screening_id: "s1".into(),
        seats: seats.iter().map(|s| (*s).to_string()).collect(),
        total: krw(total),
        payment_id: format!("p-{r}"),
        booking_number: None,
        tickets: None,
    })
}

fn confirmed(r: &str, seats: &[&str]) -> EventData {
    EventData::ReservationConfirmed(ReservationConfirmed {
        reservation_id: r.into(),
        customer_id: "alice".into(),
        screening_id: "s1".into(),
        seats: seats.iter().map(|s| (*s).to_string()).collect(),
        booking_number: None,
        total: None,
    })
}

/// Given a movie with screenings on 5, 6 and 25 December and bookings on the 6th's.
fn catalog() -> InMemoryCatalog {
    let catalog = InMemoryCatalog::default();
    let projector = Projector {
        writer: &catalog,
        inbox: &catalog,
    };
    let registered = EventData::MovieRegistered(MovieRegistered {
        movie_id: "m1".into(),
        title: "Dune".into(),
        runtime_min: 120,
        price: krw(12_000),
        age_rating: Some("12".into()),
        genre: None,
        synopsis: None,
        prices: None,
        seat_surcharges: None,
    });
    let events = [
        envelope("e1", None, registered),
        envelope(
            "e2",
            None,
            scheduled("s1", "m1", "Dune", "2026-12-06T19:00:00+09:00"),
        ),
        envelope(
            "e3",
            None,
            scheduled("s0", "m1", "Dune", "2026-12-05T09:00:00Z"),
        ),
        envelope(
            "e4",
            None,
            scheduled("s9", "m1", "Dune", "2026-12-25T10:00:00Z"),
        ),
        envelope(
            "e5",
            None,
            scheduled("t1", "m2", "Alien", "2026-12-05T20:00:00Z"),
        ),
        // r1 confirmed (2 seats); r2 confirmed, then cancelled and refunded; r3 only placed.
        envelope("e6", Some(1), placed("r1", &["A1", "A2"], 24_000)),
        envelope("e7", Some(2), confirmed("r1", &["A1", "A2"])),
        // r2's refund and cancel come before its placement.
        envelope(
            "e8",
            None,
            EventData::PaymentRefunded(PaymentRefunded {
                payment_id: "p-r2".into(),
                reservation_id: "r2".into(),
                customer_id: "bob".into(),
                amount: krw(12_000),
                reason: "reservation-cancelled".into(),
            }),
        ),
        envelope(
            "e9",
            Some(3),
            EventData::ReservationCancelled(ReservationCancelled {
                reservation_id: "r2".into(),
                customer_id: "bob".into(),
                screening_id: "s1".into(),
                seats: vec!["B1".into()],
                payment_id: "p-r2".into(),
                was_confirmed: true,
                booking_number: None,
                total: None,
            }),
        ),
        envelope("e10", Some(2), confirmed("r2", &["B1"])),
        envelope("e11", Some(1), placed("r2", &["B1"], 12_000)),
        envelope("e12", Some(1), placed("r3", &["B5"], 12_000)),
    ];
    for event in &events {
        projector.handle(event).unwrap();
        // Every event delivered twice: the inbox drops the second.
        projector.handle(event).unwrap();
    }
    catalog
}

#[test]
fn the_programme_shows_each_screening_in_the_window_with_its_sales() {
    let catalog = catalog();
    let window = ProgrammeWindow::parse(None, None, now()).unwrap();
    let programme = ProgrammeQuery { reader: &catalog }
        .programme(&window)
        .unwrap();
    let movies: Vec<(&str, &str)> = programme
        .iter()
        .map(|m| (m.title.as_str(), m.age_rating.as_str()))
        .collect();
    // Dune's first screening (5 Dec 09:00Z) is before Alien's (20:00Z); 25 Dec is outside.
    assert_eq!(movies, [("Dune", "12"), ("Alien", "ALL")]);
    let ids: Vec<&str> = programme[0]
        .screenings
        .iter()
        .map(|s| s.screening_id.as_str())
        .collect();
    assert_eq!(ids, ["s0", "s1"]);
    let s1 = &programme[0].screenings[1];
    assert_eq!(
        (s1.seats_total, s1.seats_sold, s1.seats_held, s1.bookings),
        (10, 2, 1, 2)
    );
    assert_eq!(s1.occupancy_pct.tenths(), 200);
    assert_eq!(s1.takings, Price::krw(36_000));
    assert_eq!(s1.refunds, Price::krw(12_000));
    assert_eq!(s1.hall_name, "1관");
    let empty = &programme[0].screenings[0];
    assert_eq!((empty.seats_sold, empty.bookings), (0, 0));
    assert_eq!(empty.takings, Price::krw(0));
}

#[test]
fn the_programme_has_the_api_field_names() {
    let catalog = catalog();
    let window = ProgrammeWindow::parse(None, None, now()).unwrap();
    let json = serde_json::to_value(
        ProgrammeQuery { reader: &catalog }
            .programme(&window)
            .unwrap(),
    )
    .unwrap();
    let movie = &json[0];
    for field in ["movie_id", "title", "age_rating", "screenings"] {
        assert!(movie.get(field).is_some(), "{field} missing in {movie}");
    }
    let s = &movie["screenings"][1];
    assert_eq!(
        s,
        &serde_json::json!({
            "screening_id": "s1", "hall_id": "h1", "hall_name": "1관",
            "starts_at": "2026-12-06T19:00:00+09:00", "seats_total": 10, "seats_sold": 2,
            "seats_held": 1, "occupancy_pct": 20.0,
            "takings": {"amount": 36_000, "currency": "KRW"},
            "refunds": {"amount": 12_000, "currency": "KRW"}, "bookings": 2
        })
    );
}

#[test]
fn an_empty_window_of_the_future_shows_nothing() {
    let catalog = catalog();
    let window = ProgrammeWindow::parse(Some("2027-01-01T00:00:00Z"), None, now()).unwrap();
    let programme = ProgrammeQuery { reader: &catalog }
        .programme(&window)
        .unwrap();
    assert!(programme.is_empty(), "{programme:?}");
}
