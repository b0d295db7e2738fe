//! Held seats in the seat map: the theater shows a hold's seats `taken` soon after it is placed
//! (`SeatsHeld`), `free` again once it is released (`HoldReleased`) or expires (no event), and a
//! booked hold's seats stay `taken` as the booking's allocation.

use std::time::Duration;

use cinema_e2e::{ASYNC, Options, TestApp, count_of_type, eventually, of_type};
use serde_json::Value;

/// How soon a seat map must show a hold's change. The contract says "within about a second";
/// the slack is for a loaded test machine.
const SOON: Duration = Duration::from_secs(10);

/// Waits until the seat map's taken seats are exactly `expected` (sorted).
fn wait_taken(app: &TestApp, screening: &str, expected: &[&str]) {
    eventually(
        SOON,
        &format!("the seat map to show {expected:?} taken"),
        || (app.taken_seats(screening) == expected).then_some(()),
    );
}

#[test]
fn held_seats_show_taken_until_released_and_a_booked_hold_keeps_them_taken() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");

    // A hold shows its seats taken to everyone (the seat map is public).
    let hold = TestApp::hold_id(&app.hold(&alice, &screening, &["A1", "A2"]));
    wait_taken(&app, &screening, &["A1", "A2"]);

    // Released by its customer: free again.
    let r = app.release_hold(&alice, &hold);
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "RELEASED");
    wait_taken(&app, &screening, &[]);

    // Replaced by the same customer's newer hold: only the newer hold's seats show.
    TestApp::hold_id(&app.hold(&alice, &screening, &["C1", "C2"]));
    wait_taken(&app, &screening, &["C1", "C2"]);
    let newer = TestApp::hold_id(&app.hold(&alice, &screening, &["C2", "C3"]));
    wait_taken(&app, &screening, &["C2", "C3"]);

    // Booked: the seats stay taken, now as the booking's allocation.
    let id = app
        .book_hold(&alice, &newer, "tok_visa", None)
        .reservation_id();
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    app.settle();
    assert_eq!(app.taken_seats(&screening), ["C2", "C3"]);
    if let Some(events) = app.events() {
        let ended: Vec<&Value> = of_type(&events, "HoldReleased")
            .into_iter()
            .filter(|e| e["data"]["hold_id"] == newer.as_str())
            .collect();
        assert_eq!(count_of_type(&ended, "HoldReleased"), 1, "{ended:#?}");
        assert!(
            ended.iter().all(|e| e["data"]["reason"] == "booked"),
            "{ended:#?}"
        );
    }

    // Cancelled: the booking's seats are free again (the hold ended with the booking).
    let r = app.cancel(&alice, &id);
    assert_eq!(r.status, 200, "{:?}", r.body);
    wait_taken(&app, &screening, &[]);
}

#[test]
fn an_expired_hold_shows_free_without_any_event() {
    const TTL_S: u64 = 4;
    let app = TestApp::start_with(Options::default().variable("hold_ttl_s", TTL_S));
    if app.skip_unless_local("its own hold_ttl_s") {
        return;
    }
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");

    let held = app.hold(&alice, &screening, &["B5"]);
    let hold = TestApp::hold_id(&held);
    // Shown while the hold lasts…
    eventually(
        Duration::from_secs(TTL_S),
        "the seat map to show the hold before it expires",
        || (app.taken_seats(&screening) == ["B5"]).then_some(()),
    );
    // …and free once it expired, with nothing announced.
    eventually(
        Duration::from_secs(TTL_S) + SOON,
        "the expired hold to show free",
        || app.taken_seats(&screening).is_empty().then_some(()),
    );
    let r = app.view_hold(&alice, &hold);
    assert_eq!(r.body["status"], "EXPIRED", "{:?}", r.body);
    app.settle();
    if let Some(events) = app.events() {
        let ended: Vec<&Value> = of_type(&events, "HoldReleased")
            .into_iter()
            .filter(|e| e["data"]["hold_id"] == hold.as_str())
            .collect();
        assert!(ended.is_empty(), "an expiry is not an event: {ended:#?}");
    }
    assert!(app.taken_seats(&screening).is_empty());

    // The seats can be held again, and show taken again.
    let bob = app.customer("bob");
    TestApp::hold_id(&app.hold(&bob, &screening, &["B5"]));
    eventually(ASYNC, "bob's hold to show", || {
        (app.taken_seats(&screening) == ["B5"]).then_some(())
    });
}
