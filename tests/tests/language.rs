//! The customer's language and the venue's time in chat notifications: Korean by default with
//! the showtime on the venue's clock, English after `PUT /api/my/preferences`, and the
//! preferences endpoint's own answers.

use chrono::{Datelike, Duration, Utc};
use cinema_e2e::TestApp;
use serde_json::{Value, json};

/// The first message about `id` with `status`.
fn message(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    app.my_notifications(token)
        .into_iter()
        .find(|n| n["reservation_id"] == id && n["status"] == status)
        .unwrap_or_else(|| panic!("no {status} notification for {id}"))
}

fn text(n: &Value) -> &str {
    n["message"].as_str().expect("a message")
}

#[test]
fn messages_are_korean_in_venue_time_until_the_customer_chooses_english() {
    let app = TestApp::start();
    let admin = app.admin();
    let hall = app.create_hall(&admin, 5, 10);
    // 10:00Z three days ahead: 19:00 in Seoul, the same day; 100 minutes → 20:40.
    let day = (Utc::now() + Duration::days(3)).date_naive();
    let starts_at = format!("{}T10:00:00Z", day.format("%Y-%m-%d"));
    let (movie, screening) = app.register_movie_at(&admin, &hall, &starts_at, 100, 12_000);
    app.wait_bookable(&movie, &screening);

    let alice = app.customer("alice");
    let r = app.get("/api/my/preferences", Some(&alice));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body, json!({"language": "ko"}), "never set: Korean");

    let booked = app.book(&alice, &screening, &["A1", "A2"], "tok_visa", None);
    let id = booked.reservation_id();
    app.wait_notified(&alice, &id, &["CONFIRMED"]);
    let confirmed = message(&app, &alice, &id, "CONFIRMED");
    let korean = text(&confirmed);
    assert!(
        korean.starts_with("[시네마] 예매가 확정되었습니다."),
        "{korean}"
    );
    assert!(korean.contains("The Test Movie"), "{korean}");
    assert!(korean.contains("A1, A2 · 24,000원"), "{korean}");
    // The booking number when the reservation side gives one, else the id's first 8 characters.
    let number = booked.body["booking_number"]
        .as_str()
        .map_or_else(|| id[..8].to_string(), str::to_string);
    assert!(korean.contains(&format!("예매번호 {number}")), "{korean}");
    if app.variable("venue_timezone") == "Asia/Seoul" {
        let weekday = ["월", "화", "수", "목", "금", "토", "일"]
            [day.weekday().num_days_from_monday() as usize];
        let when = format!("{}월 {}일({weekday}) 19:00~20:40", day.month(), day.day());
        assert!(korean.contains(&when), "{when:?} in {korean}");
    }
    assert_eq!(confirmed["channel"], "log");
    assert_eq!(confirmed["channel_label"], "앱 알림");

    let r = app.put(
        "/api/my/preferences",
        Some(&alice),
        &json!({"language": "en"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body, json!({"language": "en"}));
    let r = app.get("/api/my/preferences", Some(&alice));
    assert_eq!(r.body, json!({"language": "en"}), "what was put");

    let c = app.cancel(&alice, &id);
    assert_eq!(c.status, 200, "{:?}", c.body);
    app.wait_notified(&alice, &id, &["CANCELLED", "REFUNDED"]);
    let cancelled = message(&app, &alice, &id, "CANCELLED");
    let english = text(&cancelled);
    assert!(
        english.starts_with("[Cinema] Booking cancelled."),
        "{english}"
    );
    assert!(english.contains("Seats A1, A2 · ₩24,000"), "{english}");
    assert!(english.contains(&format!("Booking {number}.")), "{english}");
    if app.variable("venue_timezone") == "Asia/Seoul" {
        assert!(english.contains("19:00–20:40 KST"), "{english}");
    }
    let refunded = message(&app, &alice, &id, "REFUNDED");
    assert!(
        text(&refunded).starts_with(&format!(
            "[Cinema] Refund completed. ₩24,000 · Booking {number}"
        )),
        "{}",
        text(&refunded)
    );
    // Labels follow the language; what was written in Korean stays Korean.
    assert_eq!(cancelled["channel_label"], "In-app");
    assert_eq!(text(&message(&app, &alice, &id, "CONFIRMED")), korean);
}

#[test]
fn a_language_other_than_korean_or_english_is_refused_and_nothing_changes() {
    let app = TestApp::start();
    let bob = app.customer("bob");
    for bad in [
        json!({"language": "fr"}),
        json!({"language": "EN"}),
        json!({}),
    ] {
        let r = app.put("/api/my/preferences", Some(&bob), &bad);
        assert_eq!(r.status, 422, "{bad}: {:?}", r.body);
        assert_eq!(r.error_code(), "validation_failed", "{bad}");
    }
    let r = app.get("/api/my/preferences", Some(&bob));
    assert_eq!(r.body, json!({"language": "ko"}), "nothing stored");

    // Customers only: no token → 401, an admin → 403.
    assert_eq!(app.get("/api/my/preferences", None).status, 401);
    assert_eq!(
        app.get("/api/my/preferences", Some(&app.admin())).status,
        403
    );
}
