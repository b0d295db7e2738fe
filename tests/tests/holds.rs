//! Seat holds: the seats a customer chose are theirs while they pay, so of many customers racing
//! for the same seats one is charged and the others are told at once and pay nothing. Holds live
//! in the reservation context's own store: they keep working while the theater is down.

use std::collections::BTreeSet;

use cinema_e2e::{ASYNC, Options, Reply, TestApp, count_of_type, eventually, of_type};
use serde_json::{Value, json};

/// The customer ids of `tokens`' customers (`app.customer_id(name)`).
fn ids_of(app: &TestApp, names: &[String]) -> BTreeSet<String> {
    names.iter().map(|n| app.customer_id(n)).collect()
}

/// Payments approved and refunded for these customers, from the event stream; `None` when this
/// run cannot read the app's Redis.
fn charges_and_refunds(app: &TestApp, customers: &BTreeSet<String>) -> Option<(usize, usize)> {
    app.settle();
    let events = app.events()?;
    let mine: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["data"]["customer_id"]
                .as_str()
                .is_some_and(|c| customers.contains(c))
        })
        .collect();
    Some((
        count_of_type(&mine, "PaymentApproved"),
        count_of_type(&mine, "PaymentRefunded"),
    ))
}

fn seats_of(reply: &Reply) -> BTreeSet<String> {
    reply.body["seats"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_hold_keeps_the_seats_for_its_customer_until_released_and_books_exactly_them() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (alice, bob, carol) = (
        app.customer("alice"),
        app.customer("bob"),
        app.customer("carol"),
    );

    let held = app.hold(&alice, &screening, &["B2", "B3"]);
    let hold = TestApp::hold_id(&held);
    assert_eq!(
        held.header("location"),
        Some(format!("/api/holds/{hold}").as_str())
    );
    assert_eq!(held.body["status"], "ACTIVE");
    assert_eq!(held.body["screening_id"], screening.as_str());
    assert_eq!(held.body["seats"], json!(["B2", "B3"]));
    assert_eq!(
        held.body["total"],
        json!({"amount": 24_000, "currency": "KRW"})
    );
    let left = held.body["expires_in_s"].as_i64().expect("expires_in_s");
    let ttl: i64 = app.variable("hold_ttl_s").parse().expect("hold_ttl_s");
    assert!((ttl - 10..=ttl).contains(&left), "hold_ttl_s {ttl}: {left}");
    assert!(
        held.body["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    // Nobody else can hold or book a held seat; nothing is stored for them.
    let refused = app.hold(&bob, &screening, &["B3", "B4"]);
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(refused.error_code(), "seats_taken");
    assert_eq!(refused.body["seats"], json!(["B3"]));
    let b4 = app.hold(&carol, &screening, &["B4"]);
    assert_eq!(
        b4.status, 201,
        "B4 was not held by bob's refused request: {:?}",
        b4.body
    );
    let direct = app.book(&bob, &screening, &["B2"], "tok_visa", None);
    assert_eq!(direct.status, 409, "{:?}", direct.body);
    assert_eq!(direct.error_code(), "seats_taken");
    assert_eq!(direct.body["seats"], json!(["B2"]));
    assert!(app.reservations(&bob).is_empty());

    // Released (twice: the same answer), the seats are anyone's again; the old hold books nothing.
    for _ in 0..2 {
        let released = app.release_hold(&alice, &hold);
        assert_eq!(released.status, 200, "{:?}", released.body);
        assert_eq!(released.body["status"], "RELEASED");
    }
    let gone = app.book_hold(&alice, &hold, "tok_visa", None);
    assert_eq!(gone.status, 409, "{:?}", gone.body);
    assert_eq!(gone.error_code(), "hold_expired");
    assert!(app.reservations(&alice).is_empty());

    let bobs = TestApp::hold_id(&app.hold(&bob, &screening, &["B2", "B3"]));
    let booked = app.book_hold(&bob, &bobs, "tok_visa", None);
    assert_eq!(booked.status, 202, "{:?}", booked.body);
    assert_eq!(booked.body["status"], "PAID");
    assert_eq!(booked.body["seats"], json!(["B2", "B3"]));
    assert_eq!(booked.body["total"]["amount"], 24_000);
    let id = booked.reservation_id();
    let view = app.view_hold(&bob, &bobs);
    assert_eq!(view.body["status"], "BOOKED", "{:?}", view.body);
    assert_eq!(view.body["reservation_id"], id.as_str());
    let twice = app.book_hold(&bob, &bobs, "tok_visa", None);
    assert_eq!(twice.status, 409, "{:?}", twice.body);
    assert_eq!(twice.error_code(), "hold_booked");
    // Releasing a booked hold leaves the booking alone.
    let release = app.release_hold(&bob, &bobs);
    assert_eq!(release.body["status"], "BOOKED", "{:?}", release.body);
    app.wait_status(&bob, &id, "CONFIRMED", Some("APPROVED"));
    let mut taken = app.taken_seats(&screening);
    taken.retain(|s| s != "B4");
    assert_eq!(taken, ["B2", "B3"]);
    assert_eq!(app.reservations(&bob).len(), 1);

    // Cancelled, the booking gives its seats back.
    assert_eq!(app.cancel(&bob, &id).status, 200);
    let again = app.hold(&carol, &screening, &["B2"]);
    assert_eq!(again.status, 201, "{:?}", again.body);
}

#[test]
fn holding_other_seats_replaces_the_customers_overlapping_hold_only() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let first = TestApp::hold_id(&app.hold(&alice, &screening, &["C1", "C2"]));
    let other = TestApp::hold_id(&app.hold(&alice, &screening, &["D1"]));
    let second = TestApp::hold_id(&app.hold(&alice, &screening, &["C2", "C3"]));
    assert_eq!(app.view_hold(&alice, &first).body["status"], "RELEASED");
    assert_eq!(app.view_hold(&alice, &other).body["status"], "ACTIVE");
    assert_eq!(app.view_hold(&alice, &second).body["status"], "ACTIVE");
    // C1 is free again.
    let bob = app.customer("bob");
    assert_eq!(app.hold(&bob, &screening, &["C1"]).status, 201);
}

#[test]
fn a_hold_is_its_customers_alone() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let hold = TestApp::hold_id(&app.hold(&alice, &screening, &["A1"]));

    for reply in [
        app.view_hold(&bob, &hold),
        app.release_hold(&bob, &hold),
        app.book_hold(&bob, &hold, "tok_visa", None),
        app.view_hold(&alice, "0190a0b0-0000-7000-8000-000000000000"),
        app.view_hold(&alice, "not-a-hold"),
        app.book_hold(
            &alice,
            "0190a0b0-0000-7000-8000-000000000000",
            "tok_visa",
            None,
        ),
    ] {
        assert_eq!(reply.status, 404, "{:?}", reply.body);
        assert_eq!(reply.error_code(), "not_found");
    }
    assert!(app.reservations(&bob).is_empty());
    assert_eq!(app.view_hold(&alice, &hold).body["status"], "ACTIVE");
    let anonymous = app.get(&format!("/api/holds/{hold}"), None);
    assert_eq!(anonymous.status, 401, "{:?}", anonymous.body);
}

#[test]
fn bad_hold_and_booking_bodies_are_refused_and_hold_nothing() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let eleven: Vec<String> = (1..=10)
        .map(|n| format!("E{n}"))
        .chain(["D1".into()])
        .collect();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"screening_id": screening, "seats": []}),
            422,
            "validation_failed",
        ),
        (
            json!({"screening_id": screening, "seats": ["Z1"]}),
            422,
            "validation_failed",
        ),
        (
            json!({"screening_id": screening, "seats": ["A1", "A1"]}),
            422,
            "validation_failed",
        ),
        (
            json!({"screening_id": screening, "seats": eleven}),
            422,
            "validation_failed",
        ),
        (json!({"screening_id": screening}), 422, "validation_failed"),
        (
            json!({"screening_id": screening, "seats": ["A1"], "x": 1}),
            422,
            "validation_failed",
        ),
        (
            json!({"screening_id": "nope", "seats": ["A1"]}),
            404,
            "unknown_screening",
        ),
    ];
    for (body, status, code) in cases {
        let r = app.post("/api/holds", Some(&alice), &body);
        assert_eq!(
            (r.status, r.error_code()),
            (status, code),
            "{body}: {:?}",
            r.body
        );
    }
    let bookings: Vec<Value> = vec![
        json!({"payment": {"card_token": "tok_visa"}}),
        json!({"hold_id": "h", "screening_id": screening, "seats": ["A1"], "payment": {"card_token": "tok_visa"}}),
        json!({"screening_id": screening, "payment": {"card_token": "tok_visa"}}),
        json!({"hold_id": "h"}),
    ];
    for body in bookings {
        let r = app.book_json(&alice, &body, None);
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.error_code(), "validation_failed");
    }
    // Nothing was held by any of them.
    let bob = app.customer("bob");
    let all = app.hold(&bob, &screening, &["A1", "E1", "D1"]);
    assert_eq!(all.status, 201, "{:?}", all.body);
    assert!(app.reservations(&alice).is_empty());
}

/// Today's clients post `screening_id` + `seats` and get the same protection: their request holds
/// the seats for the length of the call.
#[test]
fn twenty_customers_racing_for_two_seats_one_is_charged_and_nineteen_are_told_before_paying() {
    let app = TestApp::start_with(Options::default().exclusive());
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();
    let names: Vec<String> = (0..20).map(|i| format!("racer{i}")).collect();
    let tokens: Vec<String> = names.iter().map(|n| app.customer(n)).collect();
    // A slow payment keeps every request in flight together.
    app.set_simulator(&admin, 300, 0.0);
    let replies = app.all_at_once(20, |i| {
        app.book(&tokens[i], &screening, &["E5", "E6"], "tok_visa", None)
    });
    app.set_simulator(&admin, 0, 0.0);

    let won: Vec<usize> = (0..20).filter(|&i| replies[i].status == 202).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for (i, r) in replies.iter().enumerate().filter(|(i, _)| *i != won[0]) {
        assert_eq!(
            (r.status, r.error_code()),
            (409, "seats_taken"),
            "{i}: {:?}",
            r.body
        );
        let lost = seats_of(r);
        assert!(
            !lost.is_empty() && lost.iter().all(|s| s == "E5" || s == "E6"),
            "{:?}",
            r.body
        );
        assert!(app.reservations(&tokens[i]).is_empty());
    }
    let winner = won[0];
    let id = replies[winner].reservation_id();
    app.wait_status(&tokens[winner], &id, "CONFIRMED", Some("APPROVED"));
    app.wait_seats_left(&movie, &screening, 48);
    assert_eq!(app.taken_seats(&screening), ["E5", "E6"]);
    if let Some((charged, refunded)) = charges_and_refunds(&app, &ids_of(&app, &names)) {
        assert_eq!((charged, refunded), (1, 0), "one charge, no refund");
        let events = app.events().expect("events");
        assert!(of_type(&events, "ReservationRejected").is_empty());
    }
}

#[test]
fn twenty_customers_racing_to_hold_two_seats_one_holds_them() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let tokens: Vec<String> = (0..20).map(|i| app.customer(&format!("h{i}"))).collect();
    let replies = app.all_at_once(20, |i| app.hold(&tokens[i], &screening, &["A5", "A6"]));
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.error_code() == "seats_taken")
            .count(),
        19
    );
}

/// 40 customers, 2 seats each, all within ten seats; half hold first then pay, half book
/// directly. Nobody is charged for a seat they do not get: no refund at all, no seat sold twice.
#[test]
fn a_stampede_of_forty_customers_on_ten_seats_sells_no_seat_twice_and_refunds_nobody() {
    let app = TestApp::start_with(Options::default().exclusive());
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();
    let pool: Vec<String> = (1..=10).map(|n| format!("D{n}")).collect();
    let names: Vec<String> = (0..40).map(|i| format!("stampede{i}")).collect();
    let tokens: Vec<String> = names.iter().map(|n| app.customer(n)).collect();
    let wants = |i: usize| -> Vec<&str> {
        let a = i % 10;
        let b = (a + 1 + (i / 10) % 9) % 10;
        vec![pool[a].as_str(), pool[b].as_str()]
    };
    app.set_simulator(&admin, 200, 0.0);
    let replies = app.all_at_once(40, |i| {
        if i % 2 == 0 {
            let held = app.hold(&tokens[i], &screening, &wants(i));
            if held.status != 201 {
                return held;
            }
            app.book_hold(&tokens[i], &TestApp::hold_id(&held), "tok_visa", None)
        } else {
            app.book(&tokens[i], &screening, &wants(i), "tok_visa", None)
        }
    });
    app.set_simulator(&admin, 0, 0.0);

    let mut sold: BTreeSet<String> = BTreeSet::new();
    let mut accepted = Vec::new();
    for (i, r) in replies.iter().enumerate() {
        match r.status {
            202 => {
                for seat in seats_of(r) {
                    assert!(sold.insert(seat.clone()), "{seat} accepted twice");
                }
                accepted.push((i, r.reservation_id()));
            }
            409 => assert_eq!(r.error_code(), "seats_taken", "{i}: {:?}", r.body),
            other => panic!("{i}: unexpected {other}: {:?}", r.body),
        }
    }
    assert!(!accepted.is_empty());
    for (i, id) in &accepted {
        app.wait_status(&tokens[*i], id, "CONFIRMED", Some("APPROVED"));
    }
    let sold: Vec<String> = sold.into_iter().collect();
    let mut taken = app.taken_seats(&screening);
    taken.sort();
    let mut expected = sold.clone();
    expected.sort();
    assert_eq!(taken, expected);
    app.wait_seats_left(&movie, &screening, 50 - i64::try_from(sold.len()).unwrap());
    if let Some((charged, refunded)) = charges_and_refunds(&app, &ids_of(&app, &names)) {
        assert_eq!(charged, accepted.len(), "one charge per accepted booking");
        assert_eq!(
            refunded, 0,
            "nobody was charged for a seat they did not get"
        );
    }
}

#[test]
fn booking_with_an_expired_hold_is_refused_and_the_seats_are_anyones() {
    let app = TestApp::start_with(Options::default().variable("hold_ttl_s", 2));
    let ttl: i64 = app.variable("hold_ttl_s").parse().expect("hold_ttl_s");
    if ttl > 10 {
        eprintln!("skipped: needs an app with a short hold_ttl_s (SPIN_VARIABLE_HOLD_TTL_S=2)");
        return;
    }
    let (_, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let held = app.hold(&alice, &screening, &["A3"]);
    let hold = TestApp::hold_id(&held);
    assert!(
        held.body["expires_in_s"]
            .as_i64()
            .is_some_and(|s| (1..=ttl).contains(&s))
    );
    eventually(ASYNC, "the hold to expire", || {
        (app.view_hold(&alice, &hold).body["status"] == "EXPIRED").then_some(())
    });
    let late = app.book_hold(&alice, &hold, "tok_visa", None);
    assert_eq!(late.status, 409, "{:?}", late.body);
    assert_eq!(late.error_code(), "hold_expired");
    assert!(app.reservations(&alice).is_empty());
    // An expired hold blocks nobody, though nothing announced its end.
    let bobs = app.hold(&bob, &screening, &["A3"]);
    assert_eq!(bobs.status, 201, "{:?}", bobs.body);
    assert_eq!(app.view_hold(&alice, &hold).body["status"], "EXPIRED");
}

#[test]
fn holds_and_bookings_work_while_the_theater_is_down_and_confirm_when_it_is_back() {
    let mut app = TestApp::start();
    if app.skip_unless_local("to run devhost without the theater") {
        return;
    }
    let (movie, screening) = app.bookable_screening();
    app.restart(&["theater", "theater-events"]);
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let hold = TestApp::hold_id(&app.hold(&alice, &screening, &["C4", "C5"]));
    let taken = app.hold(&bob, &screening, &["C5"]);
    assert_eq!(taken.error_code(), "seats_taken", "{:?}", taken.body);
    let first = app
        .book_hold(&alice, &hold, "tok_visa", None)
        .reservation_id();
    let second = app
        .book(&bob, &screening, &["C6"], "tok_visa", None)
        .reservation_id();
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(app.reservation(&alice, &first).body["status"], "PAID");

    app.restart(&[]);
    // Any later event rings the doorbell; the theater catches up.
    let carol = app.customer("carol");
    let wake = app.hold(&carol, &screening, &["E1"]);
    assert_eq!(wake.status, 201, "{:?}", wake.body);
    app.wait_status(&alice, &first, "CONFIRMED", Some("APPROVED"));
    app.wait_status(&bob, &second, "CONFIRMED", Some("APPROVED"));
    app.wait_seats_left(&movie, &screening, 47);
    let mut taken = app.taken_seats(&screening);
    taken.retain(|s| s != "E1");
    assert_eq!(taken, ["C4", "C5", "C6"]);
}

/// The theater stays the authority: a seat it sold outside this system rejects a booking of it,
/// and the booking is compensated as before — rejected, refunded, its seats released.
#[test]
fn a_seat_the_theater_sold_at_the_box_office_rejects_the_booking_and_it_is_refunded() {
    let app = TestApp::start();
    if app.skip_unless_local("to write to the app's event stream") {
        return;
    }
    let (_, screening) = app.bookable_screening();
    app.sell_at_the_box_office(&screening, &["C7"]);

    let alice = app.customer("alice");
    let id = app
        .book(&alice, &screening, &["C7"], "tok_visa", None)
        .reservation_id();
    let done = app.wait_final(&alice, &id);
    assert_eq!(done["status"], "REJECTED", "{done}");
    assert_eq!(done["payment_status"], "REFUNDED");
    assert_eq!(done["rejection_reason"], "seats_taken");
    app.wait_notified(&alice, &id, &["REJECTED", "REFUNDED"]);
    // The rejected booking's claim is gone: the reservation side lets C7 be held again.
    let bob = app.customer("bob");
    assert_eq!(app.hold(&bob, &screening, &["C7"]).status, 201);
}
