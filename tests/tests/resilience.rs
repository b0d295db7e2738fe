//! Faults: the payment breaker, and bookings accepted while the theater side is down.

use cinema_e2e::{Options, TestApp};

#[test]
fn an_overloaded_payment_opens_the_breaker_and_customers_are_told_to_retry() {
    let app = TestApp::start_with(Options {
        variables: vec![
            ("payment_breaker_failures".into(), "3".into()),
            ("payment_breaker_open_s".into(), "30".into()),
        ],
        ..Options::default()
    });
    if !app.is_local() {
        return;
    }
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    app.set_simulator(&admin, 0, 1.0);
    for seat in ["A1", "A2", "A3"] {
        let r = app.book(&alice, &screening, &[seat], "tok_visa", None);
        assert_eq!(r.status, 503, "{:?}", r.body);
        assert_eq!(r.error_code(), "payment_unavailable");
        assert!(r.header("retry-after").is_some());
    }
    // Open: answered at once without calling payment, with the seconds left.
    app.set_simulator(&admin, 0, 0.0);
    let r = app.book(&alice, &screening, &["A4"], "tok_visa", None);
    assert_eq!(
        r.status, 503,
        "the breaker must still be open: {:?}",
        r.body
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((20..=30).contains(&retry), "retry-after {retry}");
}

#[test]
fn a_slow_payment_times_out_with_503() {
    let app = TestApp::start_with(Options {
        variables: vec![("payment_timeout_ms".into(), "300".into())],
        ..Options::default()
    });
    if !app.is_local() {
        return;
    }
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    app.set_simulator(&admin, 2000, 0.0);
    let started = std::time::Instant::now();
    let r = app.book(&alice, &screening, &["B1"], "tok_visa", None);
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1900),
        "the booking waited for the slow payment"
    );
}

#[test]
fn bookings_are_accepted_while_the_theater_is_down_and_confirmed_when_it_returns() {
    let mut app = TestApp::start();
    if !app.is_local() {
        return;
    }
    let (_, screening) = app.bookable_screening();
    app.restart(&["theater-events"]);
    let alice = app.customer("alice");
    let r = app.book(&alice, &screening, &["C1", "C2"], "tok_visa", None);
    assert_eq!(r.status, 202, "{:?}", r.body);
    let id = r.body["reservation_id"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(
        app.reservation(&alice, &id).body["status"],
        "PAID",
        "nobody allocated the seats yet"
    );

    app.restart(&[]);
    // The theater consumer catches up on its next wake-up: any later event rings the doorbell.
    let bob = app.customer("bob");
    let wake = app.book(&bob, &screening, &["D1"], "tok_visa", None);
    assert_eq!(wake.status, 202, "{:?}", wake.body);
    app.wait_status(&alice, &id, "CONFIRMED", None);
}
