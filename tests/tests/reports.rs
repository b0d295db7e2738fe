//! Issue 16: the reports context (Python, docs/reports.md) — takings, refunds, tickets sold and
//! occupancy per screening, movie and day, projected from the event stream by its own consumer
//! group. Exact figures after bookings, a cancel and a rejection; every event delivered again
//! changes nothing; the consumer left out catches up; two replicas count each event once.

use cinema_e2e::{ASYNC, Options, Reply, TestApp, eventually};
use serde_json::{Value, json};

fn sales(app: &TestApp, admin: &str, query: &str) -> Reply {
    app.get(&format!("/api/admin/reports/sales{query}"), Some(admin))
}

fn screening_report(app: &TestApp, admin: &str, screening: &str) -> Reply {
    app.get(
        &format!("/api/admin/reports/screenings/{screening}"),
        Some(admin),
    )
}

/// The venue day (Asia/Seoul, no daylight saving) of a screening, from its catalog entry.
fn venue_day(app: &TestApp, movie: &str, screening: &str) -> String {
    let s = app.catalog_screening(movie, screening).expect("listed");
    let starts = chrono::DateTime::parse_from_rfc3339(s["starts_at"].as_str().expect("starts_at"))
        .expect("RFC 3339");
    let seoul = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00");
    starts.with_timezone(&seoul).date_naive().to_string()
}

/// Waits until the screening's report has every field of `expected`.
fn wait_report(app: &TestApp, admin: &str, screening: &str, expected: &Value) -> Value {
    let fields = expected.as_object().expect("an object");
    eventually(ASYNC, &format!("the reports to show {expected}"), || {
        let r = screening_report(app, admin, screening);
        (r.status == 200 && fields.iter().all(|(k, v)| &r.body[k] == v)).then_some(r.body)
    })
}

fn assert_report(app: &TestApp, admin: &str, screening: &str, expected: &Value, when: &str) {
    let r = screening_report(app, admin, screening);
    assert_eq!(r.status, 200, "{:?}", r.body);
    for (field, value) in expected.as_object().expect("an object") {
        assert_eq!(&r.body[field], value, "{field} {when}: {}", r.body);
    }
}

fn krw(amount: i64) -> Value {
    json!({"amount": amount, "currency": "KRW"})
}

/// Alice's booking confirmed, Bob's confirmed then cancelled, a box-office sale the theater keeps
/// pending and Carol's booking rejected because of it: the report counts exactly that, in every
/// grouping and in the CSV; every booking event delivered again and a late republication of Bob's
/// confirmation change nothing.
#[test]
fn the_reports_show_exact_figures_after_bookings_a_cancel_and_a_rejection() {
    let app = TestApp::start();
    if app.events().is_none() {
        eprintln!("skipped: the test needs the app's Redis (CINEMA_REDIS_URL)");
        return;
    }
    let admin = app.admin();
    let (movie, screening) = app.bookable_screening();
    let day = venue_day(&app, &movie, &screening);
    let fresh = wait_report(&app, &admin, &screening, &json!({"capacity": 50}));
    assert_eq!(fresh["seats_sold"], 0);
    assert_eq!(fresh["day"], day.as_str());
    assert_eq!(fresh["hall_name"], "Hall");
    assert_eq!(fresh["movie_id"], movie.as_str());

    let (alice, bob, carol) = (
        app.customer("alice"),
        app.customer("bob"),
        app.customer("carol"),
    );
    let kept = app
        .book(&alice, &screening, &["A1", "A2"], "tok_visa", None)
        .reservation_id();
    let dropped = app
        .book(&bob, &screening, &["B1"], "tok_visa", None)
        .reservation_id();
    app.wait_status(&alice, &kept, "CONFIRMED", Some("APPROVED"));
    app.wait_status(&bob, &dropped, "CONFIRMED", Some("APPROVED"));
    let c = app.cancel(&bob, &dropped);
    assert_eq!(c.status, 200, "{:?}", c.body);
    app.wait_status(&bob, &dropped, "CANCELLED", Some("REFUNDED"));
    app.sell_at_the_box_office(&screening, &["C7"]);
    let rejected = app
        .book(&carol, &screening, &["C7"], "tok_visa", None)
        .reservation_id();
    assert_eq!(app.wait_final(&carol, &rejected)["status"], "REJECTED");

    // Takings: Alice's 24,000 and Bob's 12,000 (both confirmed); Bob's refunded; the box-office
    // sale is placed but not confirmed (its seat held), Carol's was never confirmed.
    let expected = json!({
        "capacity": 50,
        "seats_sold": 2,
        "seats_held": 1,
        "seats_free": 47,
        "occupancy_pct": 4.0,
        "takings": krw(36_000),
        "refunds": krw(12_000),
        "net": krw(24_000),
        "tickets": {"adult": 2, "youth": 0, "senior": 0, "disabled": 0},
        "bookings": {"confirmed": 1, "pending": 1, "cancelled": 1, "rejected": 1, "abandoned": 0},
    });
    wait_report(&app, &admin, &screening, &expected);
    app.settle();
    assert_report(&app, &admin, &screening, &expected, "once settled");

    // The groupings: the movie is this test's own; the day and the screening rows hold it.
    let row_fields = json!({
        "screenings": 1, "capacity": 50, "tickets_sold": 2, "seats_held": 1, "occupancy_pct": 4.0,
        "takings": krw(36_000), "refunds": krw(12_000), "net": krw(24_000),
        "bookings": {"confirmed": 1, "pending": 1, "cancelled": 1, "rejected": 1, "abandoned": 0},
    });
    let range = format!("?from={day}&to={day}");
    let by_movie = sales(&app, &admin, &format!("{range}&group=movie"));
    assert_eq!(by_movie.status, 200, "{:?}", by_movie.body);
    let row = by_movie.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == movie.as_str())
        .expect("the movie's row")
        .clone();
    for (field, value) in row_fields.as_object().expect("object") {
        assert_eq!(&row[field], value, "{field} in {row}");
    }
    let by_screening = sales(&app, &admin, &format!("{range}&group=screening"));
    let row = by_screening.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == screening.as_str())
        .expect("the screening's row")
        .clone();
    assert_eq!(row["movie_id"], movie.as_str());
    assert_eq!(row["day"], day.as_str());
    assert_eq!(row["hall_name"], "Hall");
    assert_eq!(row["tickets_sold"], 2);
    let by_day = sales(&app, &admin, &range);
    assert_eq!(by_day.status, 200, "{:?}", by_day.body);
    assert_eq!(by_day.body["from"], day.as_str());
    assert_eq!(by_day.body["timezone"], "Asia/Seoul");
    let rows = by_day.body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "one day: {rows:?}");
    assert_eq!(rows[0]["key"], day.as_str());
    assert!(rows[0]["tickets_sold"].as_i64() >= Some(2), "{rows:?}");
    assert_eq!(by_day.body["totals"]["takings"], rows[0]["takings"]);

    // The CSV: the screening's line with whole-KRW amounts.
    let csv = app.send(app.request(
        reqwest::Method::GET,
        &format!("/api/admin/reports/sales{range}&group=screening&format=csv"),
        Some(&admin),
    ));
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"sales-screening-{day}-{day}.csv\"").as_str())
    );
    let text = csv.body.as_str().expect("CSV text");
    assert!(text.starts_with('\u{feff}'), "a byte-order mark first");
    let text = text.trim_start_matches('\u{feff}');
    let line = text
        .lines()
        .find(|l| l.starts_with(screening.as_str()))
        .expect("the screening's line");
    let fields: Vec<&str> = line.split(',').collect();
    assert_eq!(
        fields[2..],
        [
            "1", "50", "2", "1", "4.0", "36000", "12000", "24000", "1", "1", "1", "1", "0"
        ],
        "{line}"
    );
    assert!(text.lines().last().expect("lines").starts_with("TOTAL,"));

    // Every booking event again, and Bob's confirmation republished under a new id after his
    // cancel: the same figures.
    let events = app.events().expect("the app's stream");
    let mut again = 0;
    for e in &events {
        let about = e["data"]["reservation_id"].as_str().unwrap_or_default();
        if [&kept, &dropped, &rejected]
            .iter()
            .any(|id| id.as_str() == about)
        {
            app.redeliver(e);
            again += 1;
        }
    }
    assert!(again >= 10, "only {again} booking events");
    let mut late = events
        .iter()
        .find(|e| {
            e["type"] == "ReservationConfirmed" && e["data"]["reservation_id"] == dropped.as_str()
        })
        .expect("Bob's confirmation")
        .clone();
    late["event_id"] = json!(uuid::Uuid::now_v7().to_string());
    app.redeliver(&late);
    app.settle();
    assert_report(&app, &admin, &screening, &expected, "after redelivery");

    // Its metrics count what it projected (the store's counter, however the host keeps it).
    let metrics = app.get("/api/admin/metrics", Some(&admin));
    let text = metrics.body.as_str().expect("Prometheus text");
    let applied: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("cinema_reports_events_applied_total{context=\"reports\"} "))
        .and_then(|v| v.trim().parse().ok())
        .expect("cinema_reports_events_applied_total");
    assert!(applied >= 10.0, "{applied} events projected: {text}");
}

#[test]
fn the_reports_are_for_staff_and_refuse_bad_queries() {
    let app = TestApp::start();
    let admin = app.admin();
    let customer = app.customer("alice");
    assert_eq!(sales(&app, &customer, "").status, 403);
    assert_eq!(app.get("/api/admin/reports/sales", None).status, 401);
    assert_eq!(screening_report(&app, &customer, "s1").status, 403);
    for (query, param) in [
        ("?from=yesterday", "from"),
        ("?from=2026-02-30", "from"),
        ("?to=2026-12-06T10:00:00Z", "to"),
        ("?from=2026-12-07&to=2026-12-01", "from"),
        ("?from=2025-01-01&to=2026-12-31", "to"),
        ("?group=week", "group"),
        ("?format=xlsx", "format"),
        ("?group=day&group=movie", "group"),
    ] {
        let r = sales(&app, &admin, query);
        assert_eq!(r.status, 422, "{query}: {:?}", r.body);
        assert_eq!(r.error_code(), "validation_failed", "{query}");
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(param), "{query}: {message}");
    }
    let missing = screening_report(&app, &admin, "no-such-screening");
    assert_eq!(missing.status, 404, "{:?}", missing.body);
    assert_eq!(missing.error_code(), "not_found");

    // By default, the last 7 venue days up to today, every day a row.
    let week = sales(&app, &admin, "");
    assert_eq!(week.status, 200, "{:?}", week.body);
    let rows = week.body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 7, "{rows:?}");
    let seoul = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00");
    let today = chrono::Utc::now().with_timezone(&seoul).date_naive();
    // (A request made across midnight may see yesterday as today.)
    let last = rows[6]["key"].as_str().expect("key").to_string();
    assert!(
        [today, today.pred_opt().expect("yesterday")]
            .map(|d| d.to_string())
            .contains(&last),
        "{last}"
    );
    assert_eq!(week.body["to"], last.as_str());
}

/// The reports' consumer is down while bookings go through; back, it catches up on its next
/// wake-up with exact figures.
#[test]
fn the_reports_consumer_left_out_catches_up_when_it_is_back() {
    // Each restart kills devhost like a crash: a consumer caught mid-drain leaves its entries
    // pending until they are reclaimed (30 s by default, past the wait for the groups to settle).
    let mut app = TestApp::start_with(Options::default().variable("event_retry_backoff_ms", 1000));
    if app.skip_unless_local("to leave out the reports' consumer") {
        return;
    }
    let admin = app.admin();
    let (_, screening) = app.bookable_screening();
    wait_report(&app, &admin, &screening, &json!({"capacity": 50}));

    app.restart(&["reports-events"]);
    let alice = app.customer("alice");
    for seats in [&["A1"][..], &["A2", "A3"], &["A4"]] {
        let id = app
            .book(&alice, &screening, seats, "tok_visa", None)
            .reservation_id();
        app.wait_status(&alice, &id, "CONFIRMED", None);
    }
    let behind = screening_report(&app, &admin, &screening);
    assert_eq!(
        behind.body["seats_sold"], 0,
        "nobody projected: {:?}",
        behind.body
    );

    app.restart(&[]);
    let wake = app
        .book(&alice, &screening, &["A5"], "tok_visa", None)
        .reservation_id();
    app.wait_status(&alice, &wake, "CONFIRMED", None);
    let expected = json!({
        "seats_sold": 5,
        "takings": krw(60_000),
        "bookings": {"confirmed": 4, "pending": 0, "cancelled": 0, "rejected": 0, "abandoned": 0},
    });
    wait_report(&app, &admin, &screening, &expected);
    app.settle();
    assert_report(&app, &admin, &screening, &expected, "once settled");
}

/// Two processes drain the reports' group into one store (on Redis, as replicas share it in
/// production) while bookings race: each booking is counted once.
#[test]
fn two_replicas_of_the_reports_consumer_count_each_booking_once() {
    let mut app = TestApp::start_with(Options::default().kv_on_redis());
    if app.skip_unless_local("a second devhost process") {
        return;
    }
    app.start_worker(&["reports-events"]);
    let admin = app.admin();
    let (_, screening) = app.bookable_screening();
    let requests: Vec<(String, Vec<String>)> = (0..10)
        .map(|i| {
            (
                app.customer(&format!("c{i}")),
                vec![format!("B{}", i + 1), format!("C{}", i + 1)],
            )
        })
        .collect();
    let replies = app.book_all_at_once(&screening, &requests);
    for (reply, (token, _)) in replies.iter().zip(&requests) {
        assert_eq!(reply.status, 202, "{:?}", reply.body);
        let done = app.wait_final(token, &reply.reservation_id());
        assert_eq!(done["status"], "CONFIRMED", "{done}");
    }
    let expected = json!({
        "seats_sold": 20,
        "seats_held": 0,
        "occupancy_pct": 40.0,
        "takings": krw(240_000),
        "tickets": {"adult": 20, "youth": 0, "senior": 0, "disabled": 0},
        "bookings": {"confirmed": 10, "pending": 0, "cancelled": 0, "rejected": 0, "abandoned": 0},
    });
    wait_report(&app, &admin, &screening, &expected);
    app.settle();
    assert_report(&app, &admin, &screening, &expected, "once settled");
}
