//! Load shedding at the gateway: past `max_in_flight` forwarded requests at once, a request is
//! answered 503 `overloaded` with `Retry-After` at once, stores nothing, and the slot is free
//! again as soon as a request ends; health and metrics are never shed. No other 5xx. Locally the cap is 4;
//! against a shared app its own `max_in_flight` (a burst of that many slow bookings and more).

use std::collections::BTreeSet;

use cinema_e2e::{Options, Reply, TestApp};

/// The payment simulator's latency: every admitted booking holds its slot this long (under the
/// default `payment_timeout_ms` of 2 s, so the bookings are paid, not timed out).
const SLOW_PAYMENT_MS: u64 = 1500;

/// A sample of the gateway's own metrics (no labels), from the Prometheus text.
fn gateway_metric(app: &TestApp, admin: &str, name: &str) -> f64 {
    let r = app.get("/api/admin/metrics", Some(admin));
    assert_eq!(r.status, 200, "{:?}", r.body);
    let text = r.body.as_str().expect("text");
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

fn seat_label(i: usize) -> String {
    let row = char::from(b'A' + u8::try_from(i / 20).expect("≤ 26 rows"));
    format!("{row}{}", i % 20 + 1)
}

#[test]
fn a_burst_past_max_in_flight_is_shed_with_503_and_retry_after_and_stores_nothing() {
    let app = TestApp::start_with(Options::default().variable("max_in_flight", 4).exclusive());
    let max: usize = app.variable("max_in_flight").parse().expect("a number");
    assert!(max > 0, "shedding is off in this app (max_in_flight = 0)");
    let burst = max + (max / 10).max(4);
    assert!(burst <= 26 * 20, "max_in_flight {max} needs a larger hall");

    let admin = app.admin();
    let hall = app.create_hall(&admin, u32::try_from(burst.div_ceil(20)).unwrap(), 20);
    let (movie, screening) = app.register_movie(&admin, &hall, 48, 12_000);
    app.wait_bookable(&movie, &screening);
    let shed_before = gateway_metric(&app, &admin, "cinema_gateway_shed_total");
    let customers: Vec<String> = (0..burst)
        .map(|i| app.customer(&format!("burst{i}")))
        .collect();

    app.set_simulator(&admin, SLOW_PAYMENT_MS, 0.0);
    let replies: Vec<Reply> = app.all_at_once(burst + 1, |i| {
        if i == burst {
            // In the middle of the burst: the health probe passes whatever the load.
            std::thread::sleep(std::time::Duration::from_millis(SLOW_PAYMENT_MS / 2));
            return app.get("/api/health", None);
        }
        app.book(
            &customers[i],
            &screening,
            &[&seat_label(i)],
            "tok_visa",
            None,
        )
    });
    app.set_simulator(&admin, 0, 0.0);

    let (health, bookings) = replies.split_last().expect("replies");
    assert_eq!(
        health.status, 200,
        "health shed under load: {:?}",
        health.body
    );
    let mut accepted = BTreeSet::new();
    let mut shed = Vec::new();
    // Admitted, but turned away by the reservation side on a host this busy: a payment that took
    // longer than `payment_timeout_ms` (then the breaker), or its database locked past the busy
    // timeout: 503 with Retry-After too, nothing booked.
    let mut unavailable = Vec::new();
    for (i, reply) in bookings.iter().enumerate() {
        match (reply.status, reply.error_code()) {
            (202, _) => {
                accepted.insert(i);
            }
            (503, "overloaded") => {
                assert_eq!(
                    reply.header("retry-after"),
                    Some("1"),
                    "{:?}",
                    reply.headers
                );
                shed.push(i);
            }
            (503, "payment_unavailable" | "busy") => {
                assert!(reply.header("retry-after").is_some(), "{:?}", reply.headers);
                unavailable.push(i);
            }
            (status, _) => panic!("booking {i}: {status} {:?}", reply.body),
        }
    }
    eprintln!(
        "burst {burst}, max_in_flight {max}: {} accepted, {} shed, {} payment unavailable or busy",
        accepted.len(),
        shed.len(),
        unavailable.len()
    );
    assert!(
        accepted.len() <= max,
        "{} bookings in flight together with max_in_flight {max}",
        accepted.len()
    );
    assert!(!accepted.is_empty(), "nothing admitted");
    if unavailable.is_empty() {
        // Every admitted booking held its slot for the whole slow payment.
        assert_eq!(shed.len(), burst - accepted.len());
        assert!(shed.len() >= burst - max, "{} shed of {burst}", shed.len());
    } else {
        assert!(
            !shed.is_empty(),
            "nothing shed of {burst} with max_in_flight {max}"
        );
    }

    // The admitted are paid and confirmed; the shed stored nothing: no reservation of theirs,
    // their seats free.
    for &i in &accepted {
        let id = bookings[i].reservation_id();
        assert_eq!(app.wait_final(&customers[i], &id)["status"], "CONFIRMED");
    }
    for &i in &shed {
        assert_eq!(
            app.reservations(&customers[i]),
            Vec::<serde_json::Value>::new()
        );
    }
    let sold: BTreeSet<String> = accepted.iter().map(|&i| seat_label(i)).collect();
    assert_eq!(
        app.taken_seats(&screening)
            .into_iter()
            .collect::<BTreeSet<_>>(),
        sold
    );

    // Every slot was given back: nothing in flight, the refusals counted, and a shed customer's
    // retry goes through.
    assert_eq!(
        gateway_metric(&app, &admin, "cinema_gateway_in_flight"),
        0.0
    );
    assert!(
        gateway_metric(&app, &admin, "cinema_gateway_shed_total") - shed_before
            >= shed.len() as f64,
        "refusals not counted"
    );
    let retry = shed[0];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let again = loop {
        let r = app.book(
            &customers[retry],
            &screening,
            &[&seat_label(retry)],
            "tok_visa",
            None,
        );
        // A breaker the burst opened answers 503 until its cool-down is over.
        if r.status != 503 || std::time::Instant::now() > deadline {
            break r;
        }
        let wait_s: u64 = r
            .header("retry-after")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        std::thread::sleep(std::time::Duration::from_secs(wait_s));
    };
    assert_eq!(again.status, 202, "{:?}", again.body);
    let id = again.reservation_id();
    assert_eq!(
        app.wait_final(&customers[retry], &id)["status"],
        "CONFIRMED"
    );
}
