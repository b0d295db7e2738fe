//! Ticket types, seat kinds and couple seats (issue 15, `docs/halls-and-prices.md` "Holds and
//! bookings"): a hold or booking says how many tickets of each type it wants; the reservation
//! side prices them from its copy of the screening and payment charges exactly that. Bodies
//! without `tickets` are all adult, as before.

use cinema_e2e::{ASYNC, TestApp, eventually, of_reservation, of_type, won};
use serde_json::{Value, json};

/// The layout of the doc's example: row A 12 seats (A1 wheelchair, A2 companion), row B 12 seats
/// (B5–B8 premium), row C 10 seats, all couple but C5 and C6 (pairs C1+C2, C3+C4, C7+C8, C9+C10).
fn example_layout() -> Value {
    json!({"rows": [
        {"seats": 12, "aisles_after": [2, 10], "kinds": {"wheelchair": [1], "companion": [2]}},
        {"seats": 12, "aisles_after": [2, 10], "kinds": {"premium": [5, 6, 7, 8]}},
        {"seats": 10, "space_before": true, "kinds": {"couple": [1, 2, 3, 4, 7, 8, 9, 10]}}
    ]})
}

/// A screening of [`example_layout`]: adult ₩14,000, youth ₩11,000, senior ₩7,000 (no
/// disabled tickets); premium +₩3,000 and couple +₩2,000 a seat. Returns the screening.
fn example_screening(app: &TestApp, admin: &str) -> String {
    let hall = app.create_hall_with_layout(admin, "1관", &example_layout());
    let hall = hall["hall_id"].as_str().expect("hall_id");
    let prices = json!({"adult": won(14_000), "youth": won(11_000), "senior": won(7_000)});
    let surcharges = json!({"premium": won(3_000), "couple": won(2_000)});
    app.priced_screening(admin, hall, &prices, &surcharges).1
}

fn assert_refused(reply: &cinema_e2e::Reply, mentions: &str) {
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.error_code(), "validation_failed", "{:?}", reply.body);
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(message.contains(mentions), "{mentions:?} in {message:?}");
}

/// The `tickets` of the booking's `ReservationPlaced` on the stream (`None` when this run cannot
/// read the app's Redis).
fn placed_tickets(app: &TestApp, reservation_id: &str) -> Option<Value> {
    app.settle();
    let events = app.events()?;
    let mine: Vec<Value> = of_reservation(&events, reservation_id)
        .into_iter()
        .cloned()
        .collect();
    let placed = of_type(&mine, "ReservationPlaced");
    Some(placed.first().expect("ReservationPlaced")["data"]["tickets"].clone())
}

#[test]
fn bodies_without_tickets_are_all_adult_and_a_hold_with_tickets_is_booked_with_them() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (admin, alice) = (app.admin(), app.customer("alice"));

    // Today's body: every seat an adult ticket at the screening's price.
    let old = app.book(&alice, &screening, &["A1", "A2"], "tok_visa", None);
    let id = old.reservation_id();
    assert_eq!(old.body["tickets"], json!({"adult": 2}));
    assert_eq!(old.body["total"], won(24_000));
    assert_eq!(app.charged(&admin, &old.body), 24_000);
    let view = app.reservation(&alice, &id);
    assert_eq!(view.body["tickets"], json!({"adult": 2}));
    if let Some(tickets) = placed_tickets(&app, &id) {
        assert_eq!(tickets, json!([{"ticket_type": "Adult", "count": 2}]));
    }

    // A hold with tickets keeps them; its booking takes them and is charged the hold's total.
    let held = app.hold_tickets(
        &alice,
        &screening,
        &["B1", "B2", "B3"],
        &json!({"adult": 3}),
    );
    let hold = TestApp::hold_id(&held);
    assert_eq!(held.body["tickets"], json!({"adult": 3}));
    assert_eq!(held.body["total"], won(36_000));
    assert_eq!(
        app.view_hold(&alice, &hold).body["tickets"],
        json!({"adult": 3})
    );
    let booked = app.book_hold(&alice, &hold, "tok_visa", None);
    let booked_id = booked.reservation_id();
    assert_eq!(booked.body["tickets"], json!({"adult": 3}));
    assert_eq!(app.charged(&admin, &booked.body), 36_000);
    app.wait_final(&alice, &booked_id);
    let listed = app.reservations(&alice);
    assert!(
        listed
            .iter()
            .any(|r| r["reservation_id"] == booked_id.as_str()
                && r["tickets"] == json!({"adult": 3})),
        "{listed:#?}"
    );
}

#[test]
fn bad_tickets_are_refused_and_nothing_is_held_or_charged() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let seats = ["C1", "C2"];

    for (tickets, mentions) in [
        (json!({"adult": 1, "child": 1}), "child"),
        // A screening scheduled without prices sells adult tickets only.
        (
            json!({"adult": 1, "youth": 1}),
            "youth tickets are not sold",
        ),
        (json!({"adult": 2, "youth": 0}), "tickets.youth"),
        (json!({"adult": 1}), "add up"),
        (json!({"adult": 3}), "add up"),
        (json!({}), "add up"),
        (json!({"adult": "two"}), "invalid"),
    ] {
        assert_refused(
            &app.hold_tickets(&alice, &screening, &seats, &tickets),
            mentions,
        );
        assert_refused(
            &app.book_tickets(&alice, &screening, &seats, &tickets, None),
            mentions,
        );
    }
    // A booking of a hold takes the hold's tickets.
    let hold = TestApp::hold_id(&app.hold(&alice, &screening, &["D1"]));
    let body =
        json!({"hold_id": hold, "tickets": {"adult": 1}, "payment": {"card_token": "tok_visa"}});
    assert_refused(&app.book_json(&alice, &body, None), "hold");

    // Nothing was booked or charged; the seats are free for anyone.
    assert!(app.reservations(&alice).is_empty());
    let bobs = app.book(&bob, &screening, &seats, "tok_visa", None);
    assert_eq!(bobs.status, 202, "{:?}", bobs.body);
    if let Some(events) = app.events() {
        let alices = app.customer_id("alice");
        let charged = of_type(&events, "PaymentApproved")
            .into_iter()
            .filter(|e| e["data"]["customer_id"] == alices.as_str())
            .count();
        assert_eq!(charged, 0);
    }
}

#[test]
fn the_same_idempotency_key_with_other_tickets_is_another_request() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");

    let first = app.book(&alice, &screening, &["E1"], "tok_visa", Some("k-tickets"));
    let id = first.reservation_id();
    // The same request spelled out (one adult per seat) replays the first booking.
    let same = app.book_tickets(
        &alice,
        &screening,
        &["E1"],
        &json!({"adult": 1}),
        Some("k-tickets"),
    );
    assert_eq!(same.status, 202, "{:?}", same.body);
    assert_eq!(same.body["reservation_id"], id.as_str());
    // Other tickets are another body.
    let other = app.book_tickets(
        &alice,
        &screening,
        &["E1"],
        &json!({"youth": 1}),
        Some("k-tickets"),
    );
    assert_eq!(other.status, 422, "{:?}", other.body);
    assert_eq!(other.error_code(), "idempotency_key_reused");
    assert_eq!(app.reservations(&alice).len(), 1);
}

#[test]
fn ticket_types_on_premium_and_couple_seats_are_charged_exactly_the_computed_total() {
    let app = TestApp::start();
    let admin = app.admin();
    let screening = example_screening(&app, &admin);
    let alice = app.customer("alice");

    // Adult + youth on two premium seats: 14,000 + 11,000 + 2 × 3,000.
    let booked = app.book_tickets(
        &alice,
        &screening,
        &["B5", "B6"],
        &json!({"adult": 1, "youth": 1}),
        None,
    );
    let id = booked.reservation_id();
    assert_eq!(booked.body["total"], won(31_000));
    assert_eq!(booked.body["tickets"], json!({"adult": 1, "youth": 1}));
    assert_eq!(app.charged(&admin, &booked.body), 31_000);
    assert_eq!(
        app.reservation(&alice, &id).body["tickets"],
        json!({"adult": 1, "youth": 1})
    );
    if let Some(tickets) = placed_tickets(&app, &id) {
        assert_eq!(
            tickets,
            json!([{"ticket_type": "Adult", "count": 1}, {"ticket_type": "Youth", "count": 1}])
        );
    }

    // The ticket and the check-in say which tickets to check at the door; so does my page.
    app.wait_final(&alice, &id);
    let page = eventually(ASYNC, "my page to show the booking", || {
        app.my_reservation(&alice, &id)
            .filter(|p| p["status"] == "CONFIRMED")
    });
    assert_eq!(page["tickets"], json!({"adult": 1, "youth": 1}), "{page}");
    // The chat message names what was charged, not price × seats.
    let message = eventually(ASYNC, "the confirmation message", || {
        app.my_notifications(&alice)
            .into_iter()
            .find(|n| n["reservation_id"] == id.as_str() && n["status"] == "CONFIRMED")
    });
    let text = message["message"].as_str().unwrap_or_default();
    assert!(text.contains("31,000원"), "{text}");
    let ticket = app.ticket(&alice, &id);
    assert_eq!(ticket.status, 200, "{:?}", ticket.body);
    assert_eq!(ticket.body["tickets"], json!({"adult": 1, "youth": 1}));
    let code = ticket.body["code"].as_str().expect("code");
    let scanned = app.check_in(&admin, code);
    assert_eq!(scanned.status, 200, "{:?}", scanned.body);
    assert_eq!(scanned.body["tickets"], json!({"adult": 1, "youth": 1}));

    // Two seniors on a couple seat (two seats): 2 × 7,000 + 2 × 2,000, held first.
    let held = app.hold_tickets(&alice, &screening, &["C1", "C2"], &json!({"senior": 2}));
    let hold = TestApp::hold_id(&held);
    assert_eq!(held.body["total"], won(18_000));
    let booked = app.book_hold(&alice, &hold, "tok_visa", None);
    assert_eq!(booked.status, 202, "{:?}", booked.body);
    assert_eq!(booked.body["tickets"], json!({"senior": 2}));
    assert_eq!(app.charged(&admin, &booked.body), 18_000);

    // Wheelchair and companion seats cost no more; a standard seat with no tickets is adult.
    let access = app.book_tickets(
        &alice,
        &screening,
        &["A1", "A2", "A5"],
        &json!({"disabled": 0, "adult": 3}),
        None,
    );
    assert_refused(&access, "tickets.disabled");
    let access = app.book(&alice, &screening, &["A1", "A2", "A5"], "tok_visa", None);
    assert_eq!(access.body["total"], won(42_000), "{:?}", access.body);
    assert_eq!(app.charged(&admin, &access.body), 42_000);

    // Disabled tickets are not sold for this movie.
    assert_refused(
        &app.book_tickets(&alice, &screening, &["B1"], &json!({"disabled": 1}), None),
        "disabled tickets are not sold",
    );
}

#[test]
fn couple_seats_are_sold_only_as_a_pair_and_seats_follow_the_layout() {
    let app = TestApp::start();
    let admin = app.admin();
    let screening = example_screening(&app, &admin);
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));

    assert_refused(
        &app.hold(&alice, &screening, &["C1"]),
        "C1 is a couple seat: book it with C2",
    );
    assert_refused(
        &app.book(&alice, &screening, &["C4", "C5"], "tok_visa", None),
        "C4 is a couple seat: book it with C3",
    );
    // Row C has 10 seats although rows A and B have 12.
    assert_refused(&app.hold(&alice, &screening, &["C11"]), "C11");
    assert_eq!(app.hold(&alice, &screening, &["B12"]).status, 201);
    // C5 and C6 are standard seats between the couples: sold alone.
    let single = app.book(&alice, &screening, &["C5"], "tok_visa", None);
    assert_eq!(single.status, 202, "{:?}", single.body);
    assert_eq!(single.body["total"], won(14_000));
    // A whole pair is fine, and then taken for everyone else.
    let pair = app.book(&alice, &screening, &["C10", "C9"], "tok_visa", None);
    assert_eq!(pair.status, 202, "{:?}", pair.body);
    assert_eq!(pair.body["total"], won(2 * 14_000 + 2 * 2_000));
    let late = app.hold(&bob, &screening, &["C9", "C10"]);
    assert_eq!(late.status, 409, "{:?}", late.body);
    assert_eq!(late.error_code(), "seats_taken");
    assert!(app.reservations(&bob).is_empty());
}
