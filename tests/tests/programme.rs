//! Issue 15, catalog side: movies carry their rating, genre, synopsis and ticket prices in the
//! catalog, and staff see each screening's sales in the programme (`GET /api/admin/programme`),
//! built from events by the catalog alone.

use cinema_e2e::{ASYNC, TestApp, eventually, find_screening, rfc3339_in_hours};
use serde_json::json;

/// A movie registered with a rating, genre, synopsis and two ticket types is listed with them;
/// its screening keeps the adult `price` and gains `prices`, `seat_surcharges` and `hall_name`,
/// and its `seats_total` counts the hall layout's seats (rows of different lengths).
#[test]
fn a_movie_is_listed_with_its_rating_genre_synopsis_and_ticket_prices() {
    let app = TestApp::start();
    let admin = app.admin();
    let layout = json!({"rows": [
        {"seats": 12, "aisles_after": [2, 10], "kinds": {"wheelchair": [1], "companion": [2]}},
        {"seats": 12, "kinds": {"premium": [5, 6, 7, 8]}},
        {"seats": 10, "space_before": true, "kinds": {"couple": [1, 2, 9, 10]}},
    ]});
    let hall = app.create_hall_with_layout(&admin, "1관", &layout)["hall_id"]
        .as_str()
        .expect("hall_id")
        .to_string();
    let r = app.register_movie_with(
        &admin,
        &hall,
        &rfc3339_in_hours(48),
        json!({
            "title": "Parasite",
            "runtime_min": 132,
            "prices": {
                "adult": {"amount": 12_000, "currency": "KRW"},
                "youth": {"amount": 9_000, "currency": "KRW"},
            },
            "seat_surcharges": {"premium": {"amount": 3_000, "currency": "KRW"}},
            "age_rating": "15",
            "genre": "Thriller",
            "synopsis": "  A family of four takes up residence.  ",
        }),
    );
    assert_eq!(r.status, 201, "register: {:?}", r.body);
    let movie = r.body["movie_id"].as_str().expect("movie_id").to_string();
    let screening = r.body["screenings"][0]["screening_id"]
        .as_str()
        .expect("screening_id")
        .to_string();

    let listed = eventually(ASYNC, "the catalog to list the movie", || {
        app.movies()
            .into_iter()
            .find(|m| m["movie_id"] == movie.as_str() && m["screenings"][0].is_object())
    });
    assert_eq!(listed["title"], "Parasite");
    assert_eq!(listed["runtime_min"], 132);
    assert_eq!(listed["age_rating"], "15");
    assert_eq!(listed["genre"], "Thriller");
    assert_eq!(listed["synopsis"], "A family of four takes up residence.");
    let s = &listed["screenings"][0];
    assert_eq!(s["screening_id"], screening.as_str());
    assert_eq!(s["hall_id"], hall.as_str());
    assert_eq!(s["hall_name"], "1관");
    assert_eq!(s["seats_total"], 34, "12 + 12 + 10 seats, not 3 rows × 12");
    assert_eq!(s["seats_left"], 34);
    assert_eq!(s["price"], json!({"amount": 12_000, "currency": "KRW"}));
    assert_eq!(
        s["prices"],
        json!({
            "adult": {"amount": 12_000, "currency": "KRW"},
            "youth": {"amount": 9_000, "currency": "KRW"},
        })
    );
    assert_eq!(
        s["seat_surcharges"],
        json!({"premium": {"amount": 3_000, "currency": "KRW"}})
    );
    // The single movie reads the same, and the programme shows the rating.
    let one = app.movie(&movie);
    assert_eq!(one.status, 200);
    assert_eq!(one.body, listed);
    let p = app
        .programme_screening(&admin, &screening)
        .expect("in the programme");
    assert_eq!(
        (p["age_rating"].clone(), p["title"].clone()),
        (json!("15"), json!("Parasite"))
    );
}

/// A movie registered the old way (no rating, no ticket types) reads as all ages, adult only.
#[test]
fn a_movie_without_the_new_fields_is_all_ages_and_sells_adult_tickets_at_its_price() {
    let app = TestApp::start();
    let (movie, screening) = app.bookable_screening();
    let m = app.movie(&movie);
    assert_eq!(m.status, 200, "{:?}", m.body);
    assert_eq!(m.body["age_rating"], "ALL");
    let s = app.catalog_screening(&movie, &screening).expect("listed");
    assert_eq!(
        s["prices"],
        json!({"adult": {"amount": 12_000, "currency": "KRW"}})
    );
    assert_eq!(s["seat_surcharges"], json!({}));
    assert_eq!(
        (s["seats_total"].clone(), s["hall_name"].clone()),
        (json!(50), json!("Hall"))
    );
}

/// Two bookings (one cancelled after its confirmation), a box-office sale and a booking the
/// theater rejects because of it: the programme counts exactly the confirmed seats, the
/// takings net of both refunds, and every event once.
#[test]
fn the_programme_shows_exact_sales_after_bookings_a_cancel_and_a_rejection() {
    let app = TestApp::start();
    // Writes to the app's stream: a local app, or a shared one with CINEMA_REDIS_URL (real Spin).
    if app.events().is_none() {
        eprintln!("skipped: the test needs the app's Redis (CINEMA_REDIS_URL)");
        return;
    }
    let admin = app.admin();
    let (_, screening) = app.bookable_screening();
    let fresh = app.wait_programme(
        &admin,
        &screening,
        &json!({"seats_total": 50, "seats_sold": 0, "bookings": 0}),
    );
    assert_eq!(fresh["occupancy_pct"], json!(0.0));
    assert_eq!(fresh["takings"], json!({"amount": 0, "currency": "KRW"}));
    assert_eq!(fresh["age_rating"], "ALL");

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

    // The box office's sale (₩12,000, placed but never confirmed by the reservation side)
    // makes the theater reject Carol's booking of the same seat.
    app.sell_at_the_box_office(&screening, &["C7"]);
    let rejected = app
        .book(&carol, &screening, &["C7"], "tok_visa", None)
        .reservation_id();
    let done = app.wait_final(&carol, &rejected);
    assert_eq!(done["status"], "REJECTED", "{done}");

    // Placed: 24,000 + 12,000 + 12,000 (box office) + 12,000; refunded: 12,000 + 12,000.
    let expected = json!({
        "seats_total": 50,
        "seats_sold": 2,
        "seats_held": 1,
        "occupancy_pct": 4.0,
        "takings": {"amount": 36_000, "currency": "KRW"},
        "refunds": {"amount": 24_000, "currency": "KRW"},
        "bookings": 2,
        "hall_name": "Hall",
    });
    app.wait_programme(&admin, &screening, &expected);
    // Once every consumer has caught up, nothing was counted twice.
    app.settle();
    let settled = app.programme_screening(&admin, &screening).expect("listed");
    for (field, value) in expected.as_object().expect("object") {
        assert_eq!(&settled[field], value, "{field} in {settled}");
    }

    // Every booking event delivered again, and Bob's confirmation republished under a new id
    // after his cancel: still counted once, and the cancelled booking stays cancelled.
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
    let again = app.programme_screening(&admin, &screening).expect("listed");
    for (field, value) in expected.as_object().expect("object") {
        assert_eq!(&again[field], value, "{field} after redelivery: {again}");
    }
}

/// The window: explicit bounds with an offset (percent-encoded or not) include the screening, a
/// window that ends before it does not.
#[test]
fn the_programme_shows_the_screenings_of_the_window_asked_for() {
    let app = TestApp::start();
    let admin = app.admin();
    let (_, screening) = app.bookable_screening(); // in 48 hours
    let from = (chrono::Utc::now() + chrono::Duration::hours(24))
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00"))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    assert!(from.ends_with("+09:00"), "{from}");
    eventually(ASYNC, "the programme to show the screening", || {
        app.programme_screening(&admin, &screening)
    });
    for query in [
        format!("?from={}", from.replace('+', "%2B")),
        format!("?from={from}&to={}", rfc3339_in_hours(72)),
    ] {
        let r = app.programme(&admin, &query);
        assert_eq!(r.status, 200, "{query}: {:?}", r.body);
        assert!(
            find_screening(&r.body, &screening).is_some(),
            "{query}: {}",
            r.body
        );
    }
    let earlier = app.programme(&admin, &format!("?to={}", rfc3339_in_hours(24)));
    assert_eq!(earlier.status, 200, "{:?}", earlier.body);
    assert!(
        find_screening(&earlier.body, &screening).is_none(),
        "{}",
        earlier.body
    );
}

#[test]
fn the_programme_is_for_staff_and_refuses_a_bad_window() {
    let app = TestApp::start();
    let admin = app.admin();
    let customer = app.customer("alice");
    assert_eq!(app.programme(&customer, "").status, 403);
    assert_eq!(app.get("/api/admin/programme", None).status, 401);
    for query in [
        "?from=yesterday",
        "?from=2026-12-06T10:00:00",
        "?to=2026-12-06",
        "?from=2026-12-06T10:00:00Z&to=2026-12-06T19:00:00%2B09:00",
    ] {
        let r = app.programme(&admin, query);
        assert_eq!(r.status, 422, "{query}: {:?}", r.body);
        assert_eq!(r.error_code(), "validation_failed", "{query}");
    }
    let ok = app.programme(&admin, "");
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert!(ok.body.is_array());
}
