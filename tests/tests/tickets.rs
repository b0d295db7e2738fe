//! Booking numbers, signed tickets and staff check-in: every booking gets a short number people
//! can read; a CONFIRMED booking has a ticket code that check-in verifies (HMAC), admits once
//! (a second scan says when it was first used), and refuses when forged or cancelled.

use cinema_e2e::{Options, TestApp};
use serde_json::Value;

/// `YYMM-NNNN-NNNN`.
fn is_booking_number(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    text.len() == 14
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 9 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// A CONFIRMED booking of `seats` by `name`: (token, reservation id, booking number).
fn confirmed_booking(
    app: &TestApp,
    screening: &str,
    name: &str,
    seats: &[&str],
) -> (String, String, String) {
    let token = app.customer(name);
    let r = app.book(&token, screening, seats, "tok_visa", None);
    let id = r.reservation_id();
    assert!(
        is_booking_number(&r.body["booking_number"]),
        "202 reply: {:?}",
        r.body
    );
    let number = r.body["booking_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    app.wait_status(&token, &id, "CONFIRMED", None);
    (token, id, number)
}

/// The code with its last character changed.
fn flipped(code: &str) -> String {
    let last = code.chars().last().expect("a code");
    let other = if last == 'A' { 'B' } else { 'A' };
    format!("{}{other}", &code[..code.len() - 1])
}

#[test]
fn a_booking_has_a_booking_number_in_every_view() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let (alice, id, number) = confirmed_booking(&app, &screening, "alice", &["A1"]);

    let r = app.reservation(&alice, &id);
    assert_eq!(r.body["booking_number"], number.as_str(), "{:?}", r.body);
    let listed = app.reservations(&alice);
    assert!(
        listed
            .iter()
            .any(|v| v["reservation_id"] == id.as_str() && v["booking_number"] == number.as_str()),
        "{listed:?}"
    );
    let mine = app.wait_my_page(&alice, &id, "CONFIRMED", "APPROVED");
    assert_eq!(mine["booking_number"], number.as_str(), "{mine:?}");

    // Another booking gets another number.
    let (_, _, other) = confirmed_booking(&app, &screening, "bob", &["A2"]);
    assert_ne!(other, number);
}

#[test]
fn a_confirmed_bookings_ticket_checks_in_once_and_a_second_scan_says_when() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let (alice, id, number) = confirmed_booking(&app, &screening, "alice", &["B1", "B2"]);

    let t = app.ticket(&alice, &id);
    assert_eq!(t.status, 200, "{:?}", t.body);
    assert_eq!(t.body["reservation_id"], id.as_str());
    assert_eq!(t.body["booking_number"], number.as_str());
    assert_eq!(t.body["seats"], serde_json::json!(["B1", "B2"]));
    assert!(t.body["starts_at"].is_string(), "{:?}", t.body);
    let code = t.body["code"].as_str().expect("code").to_string();
    assert!(code.starts_with(&format!("{number}.")), "{code}");
    // Another customer cannot fetch it.
    let bob = app.customer("bob");
    assert_eq!(app.ticket(&bob, &id).status, 404);

    // A forged code is refused and records nothing.
    let forged = app.check_in(&admin, &flipped(&code));
    assert_eq!(
        (forged.status, forged.error_code()),
        (422, "invalid_ticket"),
        "{:?}",
        forged.body
    );
    let garbage = app.check_in(&admin, "not a ticket");
    assert_eq!(
        (garbage.status, garbage.error_code()),
        (422, "invalid_ticket")
    );
    // Staff only.
    assert_eq!(app.check_in(&alice, &code).status, 403);

    let first = app.check_in(&admin, &code);
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["first_check_in"], true, "{:?}", first.body);
    assert_eq!(first.body["booking_number"], number.as_str());
    assert_eq!(first.body["reservation_id"], id.as_str());
    assert_eq!(first.body["screening_id"], screening.as_str());
    assert_eq!(first.body["seats"], serde_json::json!(["B1", "B2"]));
    assert!(first.body["movie_title"].is_string(), "{:?}", first.body);
    assert!(first.body["starts_at"].is_string(), "{:?}", first.body);
    assert_eq!(first.body["hall_name"], "Hall", "{:?}", first.body);

    let second = app.check_in(&admin, &code);
    assert_eq!(second.status, 200, "{:?}", second.body);
    assert_eq!(second.body["first_check_in"], false);
    assert_eq!(second.body["checked_in_at"], first.body["checked_in_at"]);

    // In the hall now: the booking can no longer be cancelled (and refunded).
    let cancel = app.cancel(&alice, &id);
    assert_eq!(
        (cancel.status, cancel.error_code()),
        (409, "already_checked_in"),
        "{:?}",
        cancel.body
    );
    let kept = app.reservation(&alice, &id);
    assert_eq!(kept.body["status"], "CONFIRMED", "{:?}", kept.body);
    assert_eq!(kept.body["payment_status"], "APPROVED", "{:?}", kept.body);
}

#[test]
fn only_a_confirmed_booking_has_a_ticket_and_a_cancelled_ones_code_is_refused() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let (alice, id, _) = confirmed_booking(&app, &screening, "alice", &["C1"]);
    let code = app.ticket(&alice, &id).body["code"]
        .as_str()
        .expect("code")
        .to_string();

    assert_eq!(app.cancel(&alice, &id).status, 200);
    let refused = app.check_in(&admin, &code);
    assert_eq!(
        (refused.status, refused.error_code()),
        (409, "ticket_not_valid"),
        "{:?}",
        refused.body
    );
    assert!(
        refused.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("CANCELLED")),
        "{:?}",
        refused.body
    );
    let t = app.ticket(&alice, &id);
    assert_eq!(
        (t.status, t.error_code()),
        (409, "not_confirmed"),
        "{:?}",
        t.body
    );
}

#[test]
fn twenty_concurrent_scans_of_one_ticket_admit_exactly_once() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let (alice, id, _) = confirmed_booking(&app, &screening, "alice", &["D1"]);
    let code = app.ticket(&alice, &id).body["code"]
        .as_str()
        .expect("code")
        .to_string();

    let replies = app.all_at_once(20, |_| app.check_in(&admin, &code));
    for r in &replies {
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let firsts = replies
        .iter()
        .filter(|r| r.body["first_check_in"] == true)
        .count();
    assert_eq!(firsts, 1, "exactly one first check-in");
    let times: std::collections::BTreeSet<String> = replies
        .iter()
        .map(|r| r.body["checked_in_at"].to_string())
        .collect();
    assert_eq!(
        times.len(),
        1,
        "every scan names the same first time: {times:?}"
    );
}

#[test]
fn without_a_ticket_secret_tickets_and_check_in_are_not_configured() {
    let app = TestApp::start_with(Options::default().variable("ticket_secret", "too-short"));
    if app.skip_unless_local("its own ticket_secret") {
        return;
    }
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let (alice, id, _) = confirmed_booking(&app, &screening, "alice", &["E1"]);
    let t = app.ticket(&alice, &id);
    assert_eq!(
        (t.status, t.error_code()),
        (503, "tickets_not_configured"),
        "{:?}",
        t.body
    );
    let c = app.check_in(&admin, "2612-0000-0000.AAAAAAAAAAAAAAAA");
    assert_eq!(
        (c.status, c.error_code()),
        (503, "tickets_not_configured"),
        "{:?}",
        c.body
    );
}
