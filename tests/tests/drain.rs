//! Platforms without the Redis trigger (docs/operations.md §11): no `-events` component runs, so
//! nothing hears the doorbell; events move only when someone calls `POST /api/admin/events/drain`
//! (with `http_drain=true`), which drains every context's consumer group over HTTP.

use std::time::Duration;

use cinema_e2e::{ASYNC, CONSUMERS, Options, Reply, TestApp, eventually};
use serde_json::json;

fn drain(app: &TestApp, token: &str) -> Reply {
    app.post("/api/admin/events/drain", Some(token), &json!({}))
}

/// Drains once and checks the answer's shape; returns how many events it handled.
fn drained(app: &TestApp, admin: &str) -> u64 {
    let r = drain(app, admin);
    assert_eq!(r.status, 200, "drain: {:?}", r.body);
    for context in CONSUMERS {
        let counts = &r.body["by_context"][context];
        for field in ["handled", "failed", "dead_lettered"] {
            assert!(counts[field].is_u64(), "{context}.{field}: {:?}", r.body);
        }
        assert_eq!(counts["failed"], 0, "{context}: {:?}", r.body);
    }
    r.body["drained"].as_u64().expect("drained")
}

#[test]
fn without_the_redis_trigger_the_drain_endpoint_carries_a_booking_to_confirmed() {
    let mut app = TestApp::start_with(Options {
        without: CONSUMERS.iter().map(|c| format!("{c}-events")).collect(),
        variables: vec![("http_drain".into(), "true".into())],
        ..Options::default()
    });
    if !app.is_local() {
        return;
    }
    let admin = app.admin();
    let alice = app.customer("alice");

    let r = drain(&app, &alice);
    assert_eq!(r.status, 403, "a customer may not drain: {:?}", r.body);

    let hall = app.create_hall(&admin, 5, 10);
    let (movie, screening) = app.register_movie(&admin, &hall, 48, 12_000);
    // The reservation side learns screenings from events: not before a drain.
    let r = app.book(&alice, &screening, &["A1"], "tok_visa", None);
    assert_eq!(r.error_code(), "unknown_screening", "{:?}", r.body);
    assert!(
        drained(&app, &admin) > 0,
        "the screening events were drained"
    );
    assert_eq!(app.seats_left(&movie, &screening), Some(50));

    let id = app
        .book(&alice, &screening, &["A1"], "tok_visa", None)
        .reservation_id();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        app.reservation(&alice, &id).body["status"],
        "PAID",
        "nothing consumes events until a drain"
    );

    eventually(ASYNC, "drains to confirm the booking", || {
        drained(&app, &admin);
        (app.reservation(&alice, &id).body["status"] == "CONFIRMED").then_some(())
    });
    eventually(ASYNC, "drains to bring the read models up to date", || {
        drained(&app, &admin);
        let page = app.my_reservation(&alice, &id)?;
        let notified = app
            .my_notifications(&alice)
            .iter()
            .any(|n| n["reservation_id"] == id.as_str() && n["status"] == "CONFIRMED");
        (page["status"] == "CONFIRMED"
            && notified
            && app.seats_left(&movie, &screening) == Some(49))
        .then_some(())
    });
    assert_eq!(drained(&app, &admin), 0, "everything was drained already");

    app.stop_redis();
    let r = drain(&app, &admin);
    assert_eq!(r.status, 502, "{:?}", r.body);
    assert_eq!(r.body["error"], "bad_gateway");
    for context in CONSUMERS {
        assert_eq!(
            r.body["failed"][context], "answered 503",
            "{context}: {:?}",
            r.body
        );
    }
}

#[test]
fn the_drain_endpoint_is_off_by_default() {
    let app = TestApp::start();
    if !app.is_local() {
        return;
    }
    let r = drain(&app, &app.admin());
    assert_eq!(r.status, 502, "{:?}", r.body);
    for context in CONSUMERS {
        assert!(
            r.body["failed"][context]
                .as_str()
                .is_some_and(|why| why.contains("404")),
            "{context} must answer 404 while http_drain is off: {:?}",
            r.body
        );
    }
}
