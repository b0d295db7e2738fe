//! The booking saga end to end: real components on devhost, real Redis, real HTTP. The happy
//! path, every way a booking is refused (nothing stored), and idempotent retries.

use cinema_e2e::{
    ASYNC, Options, TestApp, assert_notified_exactly, count_of_type, eventually, no_trace,
    of_reservation,
};
use serde_json::{Value, json};

/// After a refused request: the same customer can still book the same seats (nothing was held),
/// and it is then their only booking.
fn still_bookable(app: &TestApp, token: &str, screening: &str, seats: &[&str]) {
    let r = app.book(token, screening, seats, "tok_visa", None);
    let id = r.reservation_id();
    app.wait_status(token, &id, "CONFIRMED", Some("APPROVED"));
    let mine = app.reservations(token);
    assert_eq!(mine.len(), 1, "{mine:#?}");
    assert_eq!(mine[0]["reservation_id"], id.as_str());
}

#[test]
fn a_paid_booking_is_confirmed_and_every_read_side_agrees() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");

    let r = app.book(&alice, &screening, &["A1", "A2"], "tok_visa", None);
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["status"], "PAID");
    assert_eq!(r.body["payment_status"], "APPROVED");
    assert_eq!(r.body["seats"], json!(["A1", "A2"]));
    let total = json!({ "amount": 24000, "currency": "KRW" });
    assert_eq!(r.body["total"], total);
    let id = r.reservation_id();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/reservations/{id}").as_str())
    );
    let payment_id = r.body["payment_id"]
        .as_str()
        .expect("payment_id")
        .to_string();
    let correlation = r.header("x-correlation-id").expect("x-correlation-id");
    if app.variable("server_timing") != "true" {
        // The contexts' timers stay inside unless the operator turns them on.
        assert_eq!(r.header("server-timing"), None, "{:?}", r.headers);
    }

    let confirmed = app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    assert_eq!(confirmed["seats"], json!(["A1", "A2"]));
    assert_eq!(confirmed["customer_id"], app.customer_id("alice"));
    assert_eq!(confirmed["screening_id"], screening.as_str());
    assert_eq!(confirmed["total"], total);
    assert_eq!(confirmed["payment_id"], payment_id.as_str());

    // The theater (authoritative) and the catalog (read model) agree on the two seats.
    assert_eq!(app.taken_seats(&screening), ["A1", "A2"]);
    app.wait_seats_left(&movie, &screening, 48);
    let listing = app.catalog_screening(&movie, &screening).expect("listed");
    assert_eq!(listing["seats_total"], 50);

    // My page: the booking with the movie's details, confirmed and paid.
    let page = app.wait_my_page(&alice, &id, "CONFIRMED", "APPROVED");
    assert_eq!(page["seats"], json!(["A1", "A2"]));
    assert_eq!(page["total"], total);
    assert_eq!(page["screening_id"], screening.as_str());
    assert_eq!(page["movie_title"], "The Test Movie");
    assert_eq!(page["starts_at"], listing["starts_at"]);
    assert_eq!(app.my_reservations(&alice).len(), 1);

    // One notification, delivered.
    app.wait_notified(&alice, &id, &["CONFIRMED"]);
    app.settle();
    assert_notified_exactly(&app, &alice, &id, &["CONFIRMED"]);
    eventually(ASYNC, "the confirmation to be delivered", || {
        let all = app.my_notifications(&alice);
        (all[0]["delivery"] == "SENT").then_some(())
    });

    // Payment holds exactly this charge.
    let p = app.payment(&admin, &payment_id);
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["status"], "APPROVED");
    assert_eq!(p.body["reservation_id"], id.as_str());
    assert_eq!(p.body["amount"], total);
    assert_eq!(p.body["refunds"], json!([]));

    // The event log: each step once, all under the request's correlation id.
    if let Some(events) = app.events() {
        let mine = of_reservation(&events, &id);
        for t in [
            "ReservationPlaced",
            "PaymentApproved",
            "SeatsAllocated",
            "ReservationConfirmed",
        ] {
            assert_eq!(count_of_type(&mine, t), 1, "{t}: {mine:#?}");
        }
        // Nothing else (an event may be in the stream twice, with one id: at-least-once relay).
        let ids: std::collections::BTreeSet<&str> =
            mine.iter().filter_map(|e| e["event_id"].as_str()).collect();
        assert_eq!(ids.len(), 4, "{mine:#?}");
        assert!(
            mine.iter().all(|e| e["correlation_id"] == correlation),
            "correlation id {correlation}: {mine:#?}"
        );
    }
}

/// The `Server-Timing` entries of a reply: name → (milliseconds, count).
fn server_timing(header: &str) -> std::collections::BTreeMap<String, (f64, u32)> {
    header
        .split(", ")
        .map(|entry| {
            let mut params = entry.split(';');
            let name = params.next().expect("name").to_string();
            let (mut dur, mut n) = (None, 1);
            for param in params {
                match param.split_once('=') {
                    Some(("dur", v)) => dur = Some(v.parse::<f64>().expect(entry)),
                    Some(("n", v)) => n = v.parse().expect(entry),
                    _ => panic!("unexpected parameter in {entry:?}"),
                }
            }
            (name, (dur.expect(entry), n))
        })
        .collect()
}

#[test]
fn with_server_timing_on_a_booking_reports_each_context_and_its_host_calls() {
    let app = TestApp::start_with(Options::default().variable("server_timing", true));
    if app.variable("server_timing") != "true" {
        eprintln!("skipped: this app runs with server_timing off");
        return;
    }
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let r = app.book(&alice, &screening, &["B1"], "tok_visa", None);
    assert_eq!(r.status, 202, "{:?}", r.body);
    let header = r.header("server-timing").expect("server-timing");
    let t = server_timing(header);
    let ms = |name: &str| {
        t.get(name)
            .unwrap_or_else(|| panic!("no {name} in {header}"))
            .0
    };
    // The gateway's steps, the reservation's (its database and the payment call) and the
    // payment's, each total enclosing what it called.
    for name in [
        "gw.admit",
        "gw.gate",
        "gw.release",
        "rsv.sql-open",
        "rsv.sql-begin",
        "rsv.sql-commit",
        "rsv.relay-eval",
        "pay.sql-open",
        "pay.sql-commit",
    ] {
        assert!(ms(name) >= 0.0, "{header}");
    }
    assert!(ms("gw") >= ms("gw.fwd"), "{header}");
    assert!(ms("gw.fwd") >= ms("rsv"), "{header}");
    assert!(ms("rsv") >= ms("rsv.pay-call"), "{header}");
    assert!(ms("rsv.pay-call") >= ms("pay"), "{header}");
    // A paid booking commits twice in the reservation: the claim and the booking itself.
    assert!(t["rsv.sql-commit"].1 >= 2, "{header}");
    // A refusal carries the timers of the steps it took too.
    let taken = app.book(&alice, &screening, &["B1"], "tok_visa", None);
    assert_eq!(taken.status, 409, "{:?}", taken.body);
    let t = server_timing(taken.header("server-timing").expect("server-timing"));
    assert!(t.contains_key("rsv") && !t.contains_key("pay"), "{t:?}");
}

#[test]
fn a_declined_card_is_402_and_leaves_no_trace() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let bob = app.customer("bob");
    let r = app.book(&bob, &screening, &["B1"], "tok_declined", None);
    assert_eq!(r.status, 402, "{:?}", r.body);
    assert_eq!(r.error_code(), "payment_declined");
    no_trace(&app, &bob, &app.customer_id("bob"), &movie, &screening);
    still_bookable(&app, &bob, &screening, &["B1"]);
}

#[test]
fn an_unknown_screening_is_404_and_stores_nothing() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let carol = app.customer("carol");
    let unknown = "01900000-0000-7000-8000-000000000000";
    let r = app.book(&carol, unknown, &["A1"], "tok_visa", None);
    assert_eq!(r.status, 404, "{:?}", r.body);
    assert_eq!(r.error_code(), "unknown_screening");
    no_trace(&app, &carol, &app.customer_id("carol"), &movie, &screening);
    if let Some(events) = app.events_mentioning(unknown) {
        assert!(events.is_empty(), "{events:#?}");
    }
    still_bookable(&app, &carol, &screening, &["A1"]);
}

#[test]
fn an_unknown_seat_is_422_and_stores_nothing() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let dave = app.customer("dave");
    // Row F and seat 11 are outside the 5 × 10 hall; the others are not seat labels at all.
    for seats in [
        vec!["F1"],
        vec!["A11"],
        vec!["A1", "Z99"],
        vec!["a1"],
        vec!["A0"],
        vec![""],
    ] {
        let r = app.book(&dave, &screening, &seats, "tok_visa", None);
        assert_eq!(r.status, 422, "{seats:?}: {:?}", r.body);
        assert_eq!(r.error_code(), "validation_failed", "{seats:?}");
    }
    no_trace(&app, &dave, &app.customer_id("dave"), &movie, &screening);
    still_bookable(&app, &dave, &screening, &["A1"]);
}

#[test]
fn an_empty_duplicate_or_oversized_seat_list_is_422_and_stores_nothing() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let erin = app.customer("erin");
    let eleven: Vec<String> = (1..=10)
        .map(|n| format!("A{n}"))
        .chain(["B1".to_string()])
        .collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    for seats in [vec![], vec!["C1", "C1"], eleven] {
        let r = app.book(&erin, &screening, &seats, "tok_visa", None);
        assert_eq!(r.status, 422, "{seats:?}: {:?}", r.body);
        assert_eq!(r.error_code(), "validation_failed", "{seats:?}");
    }
    no_trace(&app, &erin, &app.customer_id("erin"), &movie, &screening);
    still_bookable(&app, &erin, &screening, &["C1"]);
}

#[test]
fn malformed_json_is_400_and_stores_nothing() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let frank = app.customer("frank");
    for body in [
        "{",
        "not json",
        &format!(
            r#"{{"screening_id": "{screening}", "seats": ["A1"], "payment": {{"card_token": "tok_visa"}}"#
        ),
    ] {
        let r = app.book_raw(&frank, body);
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        assert_eq!(r.error_code(), "invalid_json", "{body}");
    }
    // Well-formed JSON of the wrong shape is a validation error, also 4xx and stored nowhere.
    for body in [
        json!([]),
        json!({ "screening_id": screening, "seats": ["A1"] }),
        json!({ "screening_id": screening, "seats": "A1", "payment": { "card_token": "tok_visa" } }),
    ] {
        let r = app.book_json(&frank, &body, None);
        assert!(
            (400..500).contains(&r.status),
            "{body}: {} {:?}",
            r.status,
            r.body
        );
    }
    no_trace(&app, &frank, &app.customer_id("frank"), &movie, &screening);
    still_bookable(&app, &frank, &screening, &["A1"]);
}

#[test]
fn a_seat_sold_twice_is_rejected_and_refunded() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let first = app.book(&alice, &screening, &["C3"], "tok_visa", None);
    assert_eq!(first.status, 202, "{:?}", first.body);
    let first_id = first.reservation_id();
    // The reservation side knows C3 is held by a paid booking: an early 409, nothing stored.
    let again = app.book(&bob, &screening, &["C3"], "tok_visa", None);
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.error_code(), "seats_taken");
    app.wait_status(&alice, &first_id, "CONFIRMED", None);
    app.settle();
    assert_eq!(app.reservations(&bob), Vec::<Value>::new());
    assert_eq!(app.my_notifications(&bob), Vec::<Value>::new());
    assert_eq!(app.taken_seats(&screening), ["C3"]);
}

// ---- Idempotency-Key ----

#[test]
fn the_same_idempotency_key_charges_once() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    let a = app.book(&alice, &screening, &["E5"], "tok_visa", Some("k-1"));
    let b = app.book(&alice, &screening, &["E5"], "tok_visa", Some("k-1"));
    assert_eq!(
        (a.status, b.status),
        (202, 202),
        "{:?} {:?}",
        a.body,
        b.body
    );
    let id = a.reservation_id();
    assert_eq!(b.body, a.body, "the same 202 reply");
    assert_eq!(b.header("location"), a.header("location"));
    let c = app.book(&alice, &screening, &["E6"], "tok_visa", Some("k-1"));
    assert_eq!(c.status, 422);
    assert_eq!(c.error_code(), "idempotency_key_reused");

    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    // Even after the booking moved on, a retry gets the first reply again.
    let late = app.book(&alice, &screening, &["E5"], "tok_visa", Some("k-1"));
    assert_eq!(late.status, 202, "{:?}", late.body);
    assert_eq!(late.body, a.body, "the same 202 reply");
    app.settle();
    let mine = app.reservations(&alice);
    assert_eq!(mine.len(), 1, "one reservation: {mine:#?}");
    assert_eq!(app.my_reservations(&alice).len(), 1);
    assert_eq!(app.taken_seats(&screening), ["E5"]);
    assert_notified_exactly(&app, &alice, &id, &["CONFIRMED"]);
    let payment = app.payment(&admin, a.body["payment_id"].as_str().unwrap());
    assert_eq!(payment.body["status"], "APPROVED", "{:?}", payment.body);
    assert_eq!(payment.body["amount"]["amount"], 12000);
    if let Some(events) = app.events_mentioning(&app.customer_id("alice")) {
        let refs: Vec<&Value> = events.iter().collect();
        assert_eq!(count_of_type(&refs, "PaymentApproved"), 1, "one charge");
        assert_eq!(count_of_type(&refs, "ReservationPlaced"), 1, "one booking");
    }
}

#[test]
fn the_same_idempotency_key_sent_twice_at_once_books_and_charges_once() {
    let app = TestApp::start_with(Options::default().exclusive());
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    // A slow payment keeps both requests in flight together.
    app.set_simulator(&admin, 400, 0.0);
    let start = std::sync::Barrier::new(2);
    let (a, b) = std::thread::scope(|s| {
        let send = || {
            start.wait();
            app.book(&alice, &screening, &["D7", "D8"], "tok_visa", Some("twice"))
        };
        let a = s.spawn(send);
        let b = s.spawn(send);
        (a.join().expect("a"), b.join().expect("b"))
    });
    app.set_simulator(&admin, 0, 0.0);
    // One of them is the first; the other gets the first's answer or 409 request_in_progress.
    let (first, second) = if a.status == 202 { (a, b) } else { (b, a) };
    assert_eq!(first.status, 202, "{:?}", first.body);
    let id = first.reservation_id();
    if second.status == 409 {
        assert_eq!(
            second.error_code(),
            "request_in_progress",
            "{:?}",
            second.body
        );
        assert!(second.header("retry-after").is_some(), "Retry-After");
        // Asked again, it gets the first request's final answer.
        let again = app.book(&alice, &screening, &["D7", "D8"], "tok_visa", Some("twice"));
        assert_eq!(again.status, 202, "{:?}", again.body);
        assert_eq!(again.body, first.body, "the same 202 reply");
    } else {
        assert_eq!(second.status, 202, "{:?}", second.body);
        assert_eq!(second.body, first.body, "the same 202 reply");
    }
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    app.settle();
    assert_eq!(app.reservations(&alice).len(), 1);
    assert_notified_exactly(&app, &alice, &id, &["CONFIRMED"]);
    if let Some(events) = app.events_mentioning(&app.customer_id("alice")) {
        let refs: Vec<&Value> = events.iter().collect();
        assert_eq!(count_of_type(&refs, "PaymentApproved"), 1, "one charge");
        assert_eq!(count_of_type(&refs, "ReservationPlaced"), 1, "one booking");
    }
}

#[test]
fn an_idempotency_key_is_scoped_to_the_customer() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let a = app.book(&alice, &screening, &["A3"], "tok_visa", Some("same-key"));
    let b = app.book(&bob, &screening, &["A4"], "tok_visa", Some("same-key"));
    let (a, b) = (a.reservation_id(), b.reservation_id());
    assert_ne!(a, b, "another customer's key is another booking");
    app.wait_status(&alice, &a, "CONFIRMED", None);
    app.wait_status(&bob, &b, "CONFIRMED", None);
    assert_eq!(app.taken_seats(&screening), ["A3", "A4"]);
}

/// Two identical requests (same Idempotency-Key) 0–5 ms apart, 200 times, against a payment
/// provider that is slow and fails half the time: whatever each request answers, every booking
/// ends in a consistent state, and every charge backs a live booking or is refunded exactly once.
/// (A duplicate that continued under the first request's id was approved while the first
/// abandoned that id: CONFIRMED with its payment REFUNDED, a free seat.)
#[test]
fn identical_requests_racing_under_payment_failures_never_leave_a_free_seat_or_a_stray_charge() {
    let app = TestApp::start_with(Options::default().exclusive());
    let admin = app.admin();
    let hall = app.create_hall(&admin, 20, 10);
    let (movie, screening) = app.register_movie(&admin, &hall, 48, 9_000);
    app.wait_bookable(&movie, &screening);
    let customers: Vec<(String, String)> = (0..4)
        .map(|i| {
            let name = format!("racer{i}");
            (app.customer(&name), app.customer_id(&name))
        })
        .collect();
    let seats: Vec<String> = (0..200)
        .map(|i| format!("{}{}", (b'A' + (i / 10) as u8) as char, i % 10 + 1))
        .collect();
    app.set_simulator(&admin, 200, 0.5);
    // (pair index, first reply, second reply), 10 pairs in flight at a time.
    let pairs: Vec<(usize, cinema_e2e::Reply, cinema_e2e::Reply)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..10)
            .map(|w| {
                let (app, customers, seats, screening) = (&app, &customers, &seats, &screening);
                s.spawn(move || {
                    (w..200)
                        .step_by(10)
                        .map(|i| {
                            let token = &customers[i % 4].0;
                            let key = format!("race-{i}");
                            let send = |delay_ms: u64| {
                                std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                                app.book(token, screening, &[&seats[i]], "tok_visa", Some(&key))
                            };
                            std::thread::scope(|p| {
                                let a = p.spawn(|| send(0));
                                let b = p.spawn(|| send((i % 6) as u64));
                                (i, a.join().expect("a"), b.join().expect("b"))
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    app.set_simulator(&admin, 0, 0.0);

    let mut booked = std::collections::BTreeMap::new();
    for (i, a, b) in &pairs {
        for r in [a, b] {
            match r.status {
                202 => {
                    let id = r.reservation_id();
                    let previous = booked.insert(*i, id.clone());
                    assert!(
                        previous.as_ref().is_none_or(|p| *p == id),
                        "pair {i}: two bookings for one key: {previous:?} and {id}"
                    );
                }
                409 => assert_eq!(
                    r.error_code(),
                    "request_in_progress",
                    "pair {i}: {:?}",
                    r.body
                ),
                503 => assert_eq!(
                    r.error_code(),
                    "payment_unavailable",
                    "pair {i}: {:?}",
                    r.body
                ),
                other => panic!("pair {i}: unexpected {other}: {:?}", r.body),
            }
        }
        if a.status == 202 && b.status == 202 {
            assert_eq!(a.body, b.body, "pair {i}: the same 202 reply");
        }
    }
    assert!(!booked.is_empty(), "some bookings went through");
    assert!(booked.len() < 200, "the failures hit some pairs");
    for (i, id) in &booked {
        let token = &customers[i % 4].0;
        let done = app.wait_final(token, id);
        assert_eq!(
            (done["status"].as_str(), done["payment_status"].as_str()),
            (Some("CONFIRMED"), Some("APPROVED")),
            "pair {i}: a booking with its own seat is confirmed and paid: {done}"
        );
    }
    app.settle();
    // Every customer's list holds exactly the accepted bookings.
    for (n, (token, _)) in customers.iter().enumerate() {
        let mut listed: Vec<String> = app
            .reservations(token)
            .iter()
            .map(|r| r["reservation_id"].as_str().unwrap_or_default().to_string())
            .collect();
        listed.sort();
        let mut want: Vec<String> = booked
            .iter()
            .filter(|(i, _)| *i % 4 == n)
            .map(|(_, id)| id.clone())
            .collect();
        want.sort();
        assert_eq!(listed, want, "customer {n}'s bookings");
    }
    // Every charge backs a live booking, or is refunded exactly once.
    let live: std::collections::BTreeSet<&String> = booked.values().collect();
    let mut charges = std::collections::BTreeMap::<String, (usize, usize)>::new();
    for (_, customer_id) in &customers {
        let Some(events) = app.events_mentioning(customer_id) else {
            return; // the stream is not readable against this app
        };
        let mut seen = std::collections::BTreeSet::new();
        for e in events
            .iter()
            .filter(|e| seen.insert(e["event_id"].to_string()))
        {
            let reservation = e["data"]["reservation_id"].as_str().unwrap_or_default();
            let entry = charges.entry(reservation.to_string()).or_default();
            match e["type"].as_str() {
                Some("PaymentApproved") => entry.0 += 1,
                Some("PaymentRefunded") => entry.1 += 1,
                _ => {}
            }
        }
    }
    for (reservation, (approved, refunded)) in charges.iter().filter(|(_, c)| **c != (0, 0)) {
        assert!(*approved <= 1, "{reservation}: charged {approved} times");
        let expected_refunds = usize::from(!live.contains(reservation) && *approved == 1);
        assert_eq!(
            *refunded,
            expected_refunds,
            "{reservation}: approved {approved}, refunded {refunded}, live {}",
            live.contains(reservation)
        );
    }
}
