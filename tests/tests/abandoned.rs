//! No booking, no charge: when the reservation side gives up on a payment call (timeout), the
//! payment is either refused (the abandonment arrived first) or refunded.

use cinema_e2e::{ASYNC, Options, TestApp, eventually};

#[test]
fn a_booking_that_timed_out_leaves_no_charge() {
    let app = TestApp::start_with(Options {
        variables: vec![("payment_timeout_ms".into(), "300".into())],
        ..Options::default()
    });
    let Some(redis) = app.redis() else {
        return; // needs to read the event stream
    };
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    // Payment answers (and approves) after 1.5 s; the reservation side gives up after 0.3 s.
    app.set_simulator(&admin, 1500, 0.0);
    let r = app.book(&alice, &screening, &["E9"], "tok_visa", None);
    assert_eq!(r.status, 503, "{:?}", r.body);
    app.set_simulator(&admin, 0, 0.0);

    // Wait for the late authorization to finish (it sleeps 1.5 s), then for the outcome: either
    // payment saw the abandonment first and refused to charge, or it charged and then refunded.
    std::thread::sleep(std::time::Duration::from_millis(2000));
    let stream = eventually(ASYNC, "the abandoned booking to leave no charge", || {
        let text = redis.cli(&["XRANGE", "cinema:events", "-", "+"]);
        let abandoned = text.contains("\"type\":\"ReservationAbandoned\"");
        let approved = text.matches("\"type\":\"PaymentApproved\"").count();
        let refunded = text.matches("\"reason\":\"reservation-abandoned\"").count();
        (abandoned && approved == refunded).then_some((text, approved, refunded))
    });
    assert!(
        stream.1 <= 1 && stream.2 <= 1,
        "at most one charge and one refund: {}",
        stream.0
    );
    // And no booking exists for the customer.
    let mine = app.get("/api/reservations", Some(&alice));
    assert_eq!(mine.body, serde_json::json!([]), "{:?}", mine.body);
}
