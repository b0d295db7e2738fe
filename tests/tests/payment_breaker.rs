//! The circuit breaker between the reservation side and payment: a failing or slow payment
//! provider opens it, customers get 503 + `Retry-After` at once, and it closes again after the
//! cool-down. Against a shared app the thresholds come from `SPIN_VARIABLE_*` or spin.toml.

use std::time::{Duration, Instant};

use cinema_e2e::{Options, Reply, TestApp};
use serde_json::Value;

fn retry_after(r: &Reply) -> u64 {
    r.header("retry-after")
        .unwrap_or_else(|| panic!("503 without Retry-After: {:?}", r.body))
        .parse()
        .expect("Retry-After in seconds")
}

fn assert_unavailable(r: &Reply) -> u64 {
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.error_code(), "payment_unavailable");
    let s = retry_after(r);
    assert!(s >= 1, "Retry-After {s}");
    s
}

struct Breaker {
    failures: u32,
    open_s: u64,
    timeout_ms: u64,
}

fn breaker(app: &TestApp) -> Breaker {
    Breaker {
        failures: app
            .variable("payment_breaker_failures")
            .parse()
            .expect("number"),
        open_s: app
            .variable("payment_breaker_open_s")
            .parse()
            .expect("number"),
        timeout_ms: app.variable("payment_timeout_ms").parse().expect("number"),
    }
}

/// While open: every booking is answered 503 at once, without calling payment — which would
/// now take longer than the timeout. Returns the last Retry-After.
fn assert_open(app: &TestApp, screening: &str, b: &Breaker, seats: [&str; 3]) -> u64 {
    let admin = app.admin();
    let alice = app.customer("alice");
    app.set_simulator(&admin, b.timeout_ms + 1000, 0.0);
    let mut wait_s = b.open_s;
    for seat in seats {
        let started = Instant::now();
        let r = app.book(&alice, screening, &[seat], "tok_visa", None);
        let elapsed = started.elapsed();
        wait_s = assert_unavailable(&r);
        assert!(
            wait_s <= b.open_s,
            "Retry-After {wait_s} beyond the cool-down of {} s",
            b.open_s
        );
        assert!(
            elapsed < Duration::from_millis(b.timeout_ms),
            "an open breaker answers at once, not after calling payment ({elapsed:?})"
        );
    }
    wait_s
}

/// The cool-down passes with payment healthy again: the next booking is the probe and succeeds,
/// and the breaker stays closed. The refused bookings stored nothing.
fn recover(app: &TestApp, screening: &str, wait_s: u64) {
    let admin = app.admin();
    let alice = app.customer("alice");
    app.set_simulator(&admin, 0, 0.0);
    std::thread::sleep(Duration::from_secs(wait_s) + Duration::from_millis(300));
    let probe = app.book(&alice, screening, &["D1"], "tok_visa", None);
    let probe = probe.reservation_id();
    let after = app.book(&alice, screening, &["D2"], "tok_visa", None);
    let after = after.reservation_id();
    app.wait_status(&alice, &probe, "CONFIRMED", Some("APPROVED"));
    app.wait_status(&alice, &after, "CONFIRMED", Some("APPROVED"));
    assert_eq!(app.reservations(&alice).len(), 2);
    assert_eq!(app.taken_seats(screening), ["D1", "D2"]);
}

#[test]
fn a_failing_payment_opens_the_breaker_503_fast_and_it_recovers_after_the_cool_down() {
    let app = TestApp::start_with(
        Options::default()
            .exclusive()
            .variable("payment_breaker_failures", 3)
            .variable("payment_breaker_open_s", 4),
    );
    let b = breaker(&app);
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    app.set_simulator(&admin, 0, 1.0);
    let mut retry = 0;
    for i in 1..=b.failures {
        let r = app.book(&alice, &screening, &[&format!("A{i}")], "tok_visa", None);
        retry = assert_unavailable(&r);
        if i < b.failures {
            assert_eq!(retry, 1, "still closed after {i} failures");
        }
    }
    assert!(
        retry + 1 >= b.open_s && retry <= b.open_s,
        "opened for {} s: Retry-After {retry}",
        b.open_s
    );
    let wait_s = assert_open(&app, &screening, &b, ["C1", "C2", "C3"]);

    // After the cool-down one probe goes through; payment still fails, so it opens again.
    app.set_simulator(&admin, 0, 1.0);
    std::thread::sleep(Duration::from_secs(wait_s) + Duration::from_millis(300));
    let probe = app.book(&alice, &screening, &["E1"], "tok_visa", None);
    let reopened = assert_unavailable(&probe);
    assert!(
        reopened + 1 >= b.open_s,
        "a failed probe opens the breaker for {} s again: Retry-After {reopened}",
        b.open_s
    );
    let wait_s = assert_open(&app, &screening, &b, ["E2", "E3", "E4"]);
    recover(&app, &screening, wait_s);
}

#[test]
fn a_slow_payment_times_out_opens_the_breaker_and_it_recovers_after_the_cool_down() {
    let app = TestApp::start_with(
        Options::default()
            .exclusive()
            .variable("payment_timeout_ms", 1000)
            .variable("payment_breaker_failures", 3)
            .variable("payment_breaker_open_s", 4),
    );
    let b = breaker(&app);
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    let latency = b.timeout_ms + 1500;
    app.set_simulator(&admin, latency, 0.0);
    let mut retry = 0;
    for i in 1..=b.failures {
        let started = Instant::now();
        let r = app.book(&alice, &screening, &[&format!("B{i}")], "tok_visa", None);
        let elapsed = started.elapsed();
        retry = assert_unavailable(&r);
        assert!(
            elapsed < Duration::from_millis(latency),
            "the booking waited for the slow payment ({elapsed:?})"
        );
    }
    assert!(retry + 1 >= b.open_s, "opened: Retry-After {retry}");
    let wait_s = assert_open(&app, &screening, &b, ["C1", "C2", "C3"]);
    recover(&app, &screening, wait_s);

    // The payments the reservation side gave up on have finished late (during the cool-down,
    // which is longer than their latency): none may stay charged.
    app.settle();
    if let Some(events) = app.events_mentioning(&app.customer_id("alice")) {
        let booked: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "ReservationPlaced" || e["type"] == "PaymentRefunded")
            .collect();
        for charge in events.iter().filter(|e| e["type"] == "PaymentApproved") {
            let id = &charge["data"]["reservation_id"];
            assert!(
                booked.iter().any(|e| &e["data"]["reservation_id"] == id),
                "a charge without a booking or a refund: {charge}"
            );
        }
    }
}

#[test]
fn an_overloaded_payment_opens_the_breaker_and_customers_are_told_to_retry() {
    let app = TestApp::start_with(Options {
        variables: vec![
            ("payment_breaker_failures".into(), "3".into()),
            ("payment_breaker_open_s".into(), "30".into()),
        ],
        ..Options::default()
    });
    if app.skip_unless_local("its own breaker and timeout settings") {
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
    if app.skip_unless_local("its own breaker and timeout settings") {
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
