//! The booking saga end to end: real components on devhost, real Redis, real HTTP.

use cinema_e2e::{ASYNC, TestApp, eventually};
use serde_json::json;

#[test]
fn a_paid_booking_is_confirmed_and_shows_everywhere() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let alice = app.customer("alice");

    let r = app.book(&alice, &screening, &["A1", "A2"], "tok_visa", None);
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["status"], "PAID");
    assert_eq!(
        r.body["total"],
        json!({ "amount": 24000, "currency": "KRW" })
    );
    let id = r.body["reservation_id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/reservations/{id}").as_str())
    );

    let confirmed = app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    assert_eq!(confirmed["seats"], json!(["A1", "A2"]));
    let taken = app.taken_seats(&screening);
    assert!(
        taken.contains(&"A1".to_string()) && taken.contains(&"A2".to_string()),
        "{taken:?}"
    );

    eventually(ASYNC, "catalog seats_left to drop by 2", || {
        let m = app.get(&format!("/api/movies/{movie}"), None);
        (m.body["screenings"][0]["seats_left"] == 48).then_some(())
    });
    eventually(ASYNC, "my page to show the confirmed booking", || {
        let mine = app.get("/api/my/reservations", Some(&alice));
        let found = mine
            .body
            .as_array()?
            .iter()
            .find(|v| v["reservation_id"] == id.as_str())?
            .clone();
        (found["status"] == "CONFIRMED").then_some(found)
    });
    eventually(ASYNC, "a CONFIRMED notification", || {
        let n = app.get("/api/my/notifications", Some(&alice));
        n.body
            .as_array()?
            .iter()
            .find(|v| v["reservation_id"] == id.as_str() && v["status"] == "CONFIRMED")
            .cloned()
    });
}

#[test]
fn a_declined_card_stores_nothing() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let bob = app.customer("bob");
    let r = app.book(&bob, &screening, &["B1"], "tok_declined", None);
    assert_eq!(r.status, 402, "{:?}", r.body);
    assert_eq!(r.error_code(), "payment_declined");
    let mine = app.get("/api/reservations", Some(&bob));
    assert_eq!(mine.body, json!([]));
    assert!(app.taken_seats(&screening).is_empty());
}

#[test]
fn a_seat_sold_twice_is_rejected_and_refunded() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let first = app.book(&alice, &screening, &["C3"], "tok_visa", None);
    assert_eq!(first.status, 202, "{:?}", first.body);
    let first_id = first.body["reservation_id"].as_str().unwrap().to_string();
    // The reservation side knows C3 is held by a paid booking: an early 409.
    let again = app.book(&bob, &screening, &["C3"], "tok_visa", None);
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.error_code(), "seats_taken");
    app.wait_status(&alice, &first_id, "CONFIRMED", None);
}

#[test]
fn cancelling_releases_the_seats_and_refunds() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let r = app.book(&alice, &screening, &["D4"], "tok_visa", None);
    let id = r.body["reservation_id"].as_str().unwrap().to_string();
    app.wait_status(&alice, &id, "CONFIRMED", None);

    let c = app.cancel(&alice, &id);
    assert_eq!(c.status, 200, "{:?}", c.body);
    assert_eq!(c.body["status"], "CANCELLED");
    assert_eq!(app.cancel(&alice, &id).status, 200, "cancel is idempotent");
    app.wait_status(&alice, &id, "CANCELLED", Some("REFUNDED"));
    eventually(ASYNC, "the seat to be free again", || {
        (!app.taken_seats(&screening).contains(&"D4".to_string())).then_some(())
    });

    let other = app.customer("mallory");
    assert_eq!(
        app.reservation(&other, &id).status,
        404,
        "another customer's booking is invisible"
    );
}

#[test]
fn the_same_idempotency_key_charges_once() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
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
    assert_eq!(a.body["reservation_id"], b.body["reservation_id"]);
    assert_eq!(a.body["payment_id"], b.body["payment_id"]);
    let c = app.book(&alice, &screening, &["E6"], "tok_visa", Some("k-1"));
    assert_eq!(c.status, 422);
    assert_eq!(c.error_code(), "idempotency_key_reused");
}
