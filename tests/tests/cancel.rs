//! Cancelling: seats free again, a refund, notifications; idempotent; refused after the
//! showtime; and a cancel that races the theater's seat allocation.

use std::time::Duration;

use cinema_e2e::{
    ASYNC, Options, TestApp, assert_notified_exactly, count_of_type, eventually, of_reservation,
    rfc3339_in_seconds,
};
use serde_json::{Value, json};

/// The notifications a cancelled booking must have: CANCELLED and REFUNDED, plus CONFIRMED when
/// the cancel came after the confirmation.
fn cancelled_statuses(app: &TestApp, token: &str, id: &str) -> Vec<&'static str> {
    let confirmed = app
        .my_notifications(token)
        .iter()
        .any(|n| n["reservation_id"] == id && n["status"] == "CONFIRMED");
    let mut expected = vec!["CANCELLED", "REFUNDED"];
    if confirmed {
        expected.push("CONFIRMED");
    }
    expected
}

#[test]
fn cancelling_a_confirmed_booking_frees_the_seats_refunds_and_notifies() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    let r = app.book(&alice, &screening, &["D4", "D5"], "tok_visa", None);
    let id = r.reservation_id();
    let payment_id = r.body["payment_id"]
        .as_str()
        .expect("payment_id")
        .to_string();
    app.wait_status(&alice, &id, "CONFIRMED", None);
    app.wait_seats_left(&movie, &screening, 48);

    let c = app.cancel(&alice, &id);
    assert_eq!(c.status, 200, "{:?}", c.body);
    assert_eq!(c.body["status"], "CANCELLED");
    assert_eq!(c.body["reservation_id"], id.as_str());

    let done = app.wait_status(&alice, &id, "CANCELLED", Some("REFUNDED"));
    assert_eq!(done["seats"], json!(["D4", "D5"]));
    eventually(ASYNC, "the seats to be free again", || {
        app.taken_seats(&screening).is_empty().then_some(())
    });
    app.wait_seats_left(&movie, &screening, 50);
    app.wait_my_page(&alice, &id, "CANCELLED", "REFUNDED");
    app.wait_notified(&alice, &id, &["CANCELLED", "REFUNDED"]);

    let p = app.payment(&admin, &payment_id);
    assert_eq!(p.body["status"], "REFUNDED", "{:?}", p.body);
    let refunds = p.body["refunds"].as_array().expect("refunds");
    assert_eq!(refunds.len(), 1, "one refund: {:?}", p.body);
    assert_eq!(
        refunds[0]["amount"],
        json!({ "amount": 24000, "currency": "KRW" })
    );

    app.settle();
    assert_notified_exactly(&app, &alice, &id, &["CONFIRMED", "CANCELLED", "REFUNDED"]);
    // Freed seats can be sold again.
    let bob = app.customer("bob");
    let again = app.book(&bob, &screening, &["D4"], "tok_visa", None);
    let again = again.reservation_id();
    app.wait_status(&bob, &again, "CONFIRMED", None);

    let other = app.customer("mallory");
    assert_eq!(
        app.reservation(&other, &id).status,
        404,
        "another customer's booking is invisible"
    );
}

#[test]
fn cancelling_twice_gives_the_same_answer() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    let r = app.book(&alice, &screening, &["E1"], "tok_visa", None);
    let id = r.reservation_id();
    let payment_id = r.body["payment_id"]
        .as_str()
        .expect("payment_id")
        .to_string();
    app.wait_status(&alice, &id, "CONFIRMED", None);

    let first = app.cancel(&alice, &id);
    let second = app.cancel(&alice, &id);
    assert_eq!((first.status, second.status), (200, 200));
    // The same booking, cancelled, once more; only the refund may have landed in between (the
    // saga's consumers answer within milliseconds), which the answer then shows.
    let stable = |body: &serde_json::Value| {
        let mut body = body.clone();
        let object = body.as_object_mut().expect("a reservation");
        for moving in ["payment_status", "updated_at"] {
            object.remove(moving);
        }
        body
    };
    assert_eq!(stable(&first.body), stable(&second.body), "the same answer");
    assert_eq!(second.body["status"], "CANCELLED");
    for body in [&first.body, &second.body] {
        assert!(
            body["payment_status"] == "APPROVED" || body["payment_status"] == "REFUNDED",
            "{body}"
        );
    }

    app.wait_status(&alice, &id, "CANCELLED", Some("REFUNDED"));
    // And once the refund is through, a third cancel still answers the cancelled booking.
    let third = app.cancel(&alice, &id);
    assert_eq!(third.status, 200);
    assert_eq!(third.body["status"], "CANCELLED");
    assert_eq!(third.body["reservation_id"], id.as_str());

    app.settle();
    assert_notified_exactly(&app, &alice, &id, &["CONFIRMED", "CANCELLED", "REFUNDED"]);
    let p = app.payment(&admin, &payment_id);
    assert_eq!(
        p.body["refunds"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        p.body
    );
    if let Some(events) = app.events() {
        let mine = of_reservation(&events, &id);
        assert_eq!(count_of_type(&mine, "ReservationCancelled"), 1, "{mine:#?}");
        assert_eq!(count_of_type(&mine, "PaymentRefunded"), 1, "{mine:#?}");
        assert_eq!(count_of_type(&mine, "SeatsReleased"), 1, "{mine:#?}");
    }
}

#[test]
fn cancelling_after_the_showtime_is_409() {
    let app = TestApp::start();
    let admin = app.admin();
    let hall = app.create_hall(&admin, 2, 5);
    // The theater refuses showtimes in the past: take one shortly ahead, then wait for it.
    let starts_at = rfc3339_in_seconds(30);
    let (movie, screening) = app.register_movie_at(&admin, &hall, &starts_at, 1, 9000);
    app.wait_bookable(&movie, &screening);
    let alice = app.customer("alice");
    let r = app.book(&alice, &screening, &["A1"], "tok_visa", None);
    let id = r.reservation_id();
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));

    let starts = chrono::DateTime::parse_from_rfc3339(&starts_at).expect("rfc3339");
    let wait = (starts.to_utc() - chrono::Utc::now()).num_milliseconds() + 1500;
    assert!(
        wait > 0,
        "the screening started before the booking was confirmed"
    );
    std::thread::sleep(Duration::from_millis(wait.unsigned_abs()));

    let c = app.cancel(&alice, &id);
    assert_eq!(c.status, 409, "{:?}", c.body);
    assert_eq!(c.error_code(), "not_cancellable");
    // Nothing changed: still confirmed and paid, the seat still taken, no refund.
    let after = app.reservation(&alice, &id);
    assert_eq!(after.body["status"], "CONFIRMED", "{:?}", after.body);
    assert_eq!(after.body["payment_status"], "APPROVED");
    assert_eq!(app.taken_seats(&screening), ["A1"]);
    let late = app.book(&alice, &screening, &["A2"], "tok_visa", None);
    assert_eq!(late.status, 422, "{:?}", late.body);
    assert_eq!(late.error_code(), "showtime_passed");
    app.settle();
    assert_notified_exactly(&app, &alice, &id, &["CONFIRMED"]);
    if let Some(events) = app.events() {
        let mine = of_reservation(&events, &id);
        assert_eq!(count_of_type(&mine, "ReservationCancelled"), 0, "{mine:#?}");
    }
}

/// Book and cancel at once, several times: some cancels land before the theater allocates,
/// some after. Every booking must end cancelled and refunded with its seats free.
#[test]
fn a_cancel_racing_the_seat_allocation_frees_the_seats_and_refunds() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    let seats = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8"];
    let mut bookings = Vec::new();
    for seat in seats {
        let r = app.book(&alice, &screening, &[seat], "tok_visa", None);
        let id = r.reservation_id();
        let c = app.cancel(&alice, &id);
        assert_eq!(c.status, 200, "{:?}", c.body);
        assert_eq!(c.body["status"], "CANCELLED");
        bookings.push((id, r.body["payment_id"].as_str().unwrap_or("").to_string()));
    }
    for (id, payment_id) in &bookings {
        let done = app.wait_final(&alice, id);
        assert_eq!(done["status"], "CANCELLED", "{done}");
        assert_eq!(done["payment_status"], "REFUNDED", "{done}");
        let p = app.payment(&admin, payment_id);
        assert_eq!(p.body["status"], "REFUNDED", "{:?}", p.body);
        assert_eq!(p.body["refunds"].as_array().map(Vec::len), Some(1));
    }
    eventually(ASYNC, "every seat to be free", || {
        app.taken_seats(&screening).is_empty().then_some(())
    });
    app.wait_seats_left(&movie, &screening, 50);
    app.settle();
    assert_eq!(app.taken_seats(&screening), Vec::<String>::new());
    assert_eq!(app.seats_left(&movie, &screening), Some(50));
    for (id, _) in &bookings {
        let page = app.my_reservation(&alice, id).expect("on my page");
        assert_eq!(
            (&page["status"], &page["payment_status"]),
            (&json!("CANCELLED"), &json!("REFUNDED"))
        );
        let expected = cancelled_statuses(&app, &alice, id);
        assert_notified_exactly(&app, &alice, id, &expected);
    }
    if let Some(events) = app.events() {
        let mut raced = 0;
        for (id, _) in &bookings {
            let mine = of_reservation(&events, id);
            let allocated = count_of_type(&mine, "SeatsAllocated");
            assert!(allocated <= 1, "{mine:#?}");
            assert_eq!(
                count_of_type(&mine, "SeatsReleased"),
                allocated,
                "{mine:#?}"
            );
            assert_eq!(count_of_type(&mine, "PaymentRefunded"), 1, "{mine:#?}");
            let cancelled: Vec<&&Value> = mine
                .iter()
                .filter(|e| e["type"] == "ReservationCancelled")
                .collect();
            if cancelled
                .iter()
                .any(|e| e["data"]["was_confirmed"] == false)
            {
                raced += 1;
            }
        }
        eprintln!(
            "{raced} of {} cancels landed before the confirmation",
            bookings.len()
        );
    }
}

/// The deterministic version of the race: the theater sees the booking only after it was
/// cancelled. Its late allocation must not confirm the booking, and must be released.
#[test]
fn a_cancel_before_the_theater_allocates_wins_over_the_late_allocation() {
    let mut app = TestApp::start_with(Options::default().without("theater-events"));
    if app.skip_unless_local("to start the theater's consumer late") {
        return;
    }
    let (movie, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let r = app.book(&alice, &screening, &["C1", "C2"], "tok_visa", None);
    let id = r.reservation_id();
    let c = app.cancel(&alice, &id);
    assert_eq!(c.status, 200, "{:?}", c.body);
    assert_eq!(c.body["status"], "CANCELLED");
    app.wait_status(&alice, &id, "CANCELLED", Some("REFUNDED"));

    app.start_worker(&["theater-events"]);
    // Ordinary traffic rings the doorbell; the theater then drains the placement (allocates)
    // and the cancellation (releases) of alice's booking, and bob's booking.
    let bob = app.customer("bob");
    let wake = app.book(&bob, &screening, &["D1"], "tok_visa", None);
    let wake = wake.reservation_id();
    app.wait_status(&bob, &wake, "CONFIRMED", None);
    app.wait_seats_left(&movie, &screening, 49);
    app.settle();

    let after = app.reservation(&alice, &id);
    assert_eq!(after.body["status"], "CANCELLED", "{:?}", after.body);
    assert_eq!(after.body["payment_status"], "REFUNDED");
    assert_eq!(app.taken_seats(&screening), ["D1"]);
    assert_eq!(app.seats_left(&movie, &screening), Some(49));
    let page = app.my_reservation(&alice, &id).expect("on my page");
    assert_eq!(page["status"], "CANCELLED", "{page}");
    assert_notified_exactly(&app, &alice, &id, &["CANCELLED", "REFUNDED"]);
    let events = app.events().expect("local stream");
    let mine = of_reservation(&events, &id);
    // Either the theater saw the cancellation's tombstone or allocated and released.
    assert_eq!(
        count_of_type(&mine, "SeatsAllocated"),
        count_of_type(&mine, "SeatsReleased"),
        "{mine:#?}"
    );
    assert_eq!(count_of_type(&mine, "ReservationConfirmed"), 0, "{mine:#?}");
}

/// A seat whose booking was cancelled mid-allocation is sold again at once: the theater must see
/// the release before the new placement, whatever the timing.
#[test]
fn a_seat_cancelled_mid_allocation_can_be_booked_again_at_once() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let seats = ["C1", "C2", "C3", "C4", "C5", "C6"];
    let mut rebooked = Vec::new();
    for seat in seats {
        let first = app
            .book(&alice, &screening, &[seat], "tok_visa", None)
            .reservation_id();
        assert_eq!(app.cancel(&alice, &first).status, 200);
        let again = app.book(&bob, &screening, &[seat], "tok_visa", None);
        assert_eq!(again.status, 202, "{seat} rebooked: {:?}", again.body);
        rebooked.push((first, again.reservation_id()));
    }
    for (first, again) in &rebooked {
        app.wait_status(&alice, first, "CANCELLED", Some("REFUNDED"));
        app.wait_status(&bob, again, "CONFIRMED", Some("APPROVED"));
    }
    app.wait_seats_left(&movie, &screening, 50 - seats.len() as i64);
    app.settle();
    assert_eq!(app.taken_seats(&screening), seats);
    assert_eq!(app.seats_left(&movie, &screening), Some(44));
    for (first, again) in &rebooked {
        let expected = cancelled_statuses(&app, &alice, first);
        assert_notified_exactly(&app, &alice, first, &expected);
        assert_notified_exactly(&app, &bob, again, &["CONFIRMED"]);
    }
}
