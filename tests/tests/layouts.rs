//! Hall layouts, ticket prices and seat kinds (issue 15, `docs/halls-and-prices.md`): a hall
//! drawn with aisles, a cross aisle and every seat kind; its seat map with kinds, cells and
//! prices; the old rectangular body; refusals that store nothing; the staff seat map naming who
//! has each seat.

use cinema_e2e::{ASYNC, TestApp, eventually, of_type, rfc3339_in_hours, seat, won};
use serde_json::{Value, json};

/// The doc's example hall: wheelchair + companion in A, premium in B, couples in C behind a
/// cross aisle. Aisles and kinds are given out of order on purpose (normalized in replies).
fn example_layout() -> Value {
    json!({"rows": [
        {"seats": 12, "aisles_after": [10, 2], "kinds": {"wheelchair": [1], "companion": [2]}},
        {"seats": 12, "aisles_after": [2, 10], "kinds": {"premium": [8, 7, 6, 5], "standard": [1]}},
        {"seats": 10, "space_before": true, "kinds": {"couple": [1, 2, 3, 4, 7, 8, 9, 10]}}
    ]})
}

fn movie_body(hall: &str, title: &str, hours_ahead: i64) -> Value {
    json!({
        "title": title,
        "runtime_min": 100,
        "screenings": [{ "hall_id": hall, "starts_at": rfc3339_in_hours(hours_ahead) }],
        "prices": { "adult": won(12_000), "youth": won(9_000) },
        "seat_surcharges": { "premium": won(3_000), "couple": won(2_000) },
        "age_rating": "15",
        "genre": " 드라마 ",
        "synopsis": "A family of four.",
    })
}

#[test]
fn a_hall_with_every_seat_kind_shows_kinds_cells_and_prices_in_its_seat_map() {
    let app = TestApp::start();
    let admin = app.admin();
    let name = app.customer_id("kinds-hall");
    let hall = app.create_hall_with_layout(&admin, &name, &example_layout());
    let hall_id = hall["hall_id"].as_str().expect("hall_id").to_string();
    assert_eq!(
        (&hall["rows"], &hall["seats_per_row"], &hall["seats_total"]),
        (&json!(3), &json!(12), &json!(34)),
        "{hall}"
    );
    let expected_layout = json!({"rows": [
        {"label": "A", "seats": 12, "aisles_after": [2, 10], "space_before": false,
         "kinds": {"companion": [2], "wheelchair": [1]}},
        {"label": "B", "seats": 12, "aisles_after": [2, 10], "space_before": false,
         "kinds": {"premium": [5, 6, 7, 8]}},
        {"label": "C", "seats": 10, "aisles_after": [], "space_before": true,
         "kinds": {"couple": [1, 2, 3, 4, 7, 8, 9, 10]}}
    ]});
    assert_eq!(hall["layout"], expected_layout);

    // GET /api/halls and /api/halls/{id} show the layout too.
    let listed = app
        .halls(&admin)
        .into_iter()
        .find(|h| h["hall_id"] == hall_id.as_str())
        .expect("the hall is listed");
    assert_eq!(listed["layout"], expected_layout);
    let one = app.hall(&admin, &hall_id);
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.body, hall);

    // A movie with ticket types, surcharges and a rating; the reply echoes them.
    let r = app.post_movie(&admin, &movie_body(&hall_id, "Parasite", 48));
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["price"], won(12_000));
    assert_eq!(
        r.body["prices"],
        json!({"adult": won(12_000), "youth": won(9_000)})
    );
    assert_eq!(
        r.body["seat_surcharges"],
        json!({"premium": won(3_000), "couple": won(2_000)})
    );
    assert_eq!(
        (&r.body["age_rating"], &r.body["genre"], &r.body["synopsis"]),
        (&json!("15"), &json!("드라마"), &json!("A family of four."))
    );
    assert_eq!(r.body["screenings"][0]["seats_total"], 34);
    let screening = r.body["screenings"][0]["screening_id"]
        .as_str()
        .expect("screening_id")
        .to_string();

    let map = app.seat_map(&screening);
    assert_eq!(map.status, 200, "{:?}", map.body);
    let map = map.body;
    assert_eq!(
        (&map["rows"], &map["seats_per_row"], &map["seats_left"]),
        (&json!(3), &json!(12), &json!(34))
    );
    // A and B: 12 seats + 2 aisles; C is centred (2 empty columns on each side) behind a
    // cross aisle (grid row 2).
    assert_eq!(
        (&map["grid_rows"], &map["grid_columns"]),
        (&json!(4), &json!(14))
    );
    assert_eq!(map["layout"], expected_layout);
    assert_eq!(
        map["prices"],
        json!({"adult": won(12_000), "youth": won(9_000)})
    );
    assert_eq!(
        map["seat_surcharges"],
        json!({"premium": won(3_000), "couple": won(2_000)})
    );
    assert_eq!(map["seats"].as_array().map(Vec::len), Some(34));
    let cell = |label: &str| {
        let s = seat(&map, label);
        (
            s["kind"].as_str().unwrap_or("?").to_string(),
            s["grid_row"].as_u64(),
            s["grid_column"].as_u64(),
            s["price"]["amount"].as_i64(),
        )
    };
    assert_eq!(
        cell("A1"),
        ("wheelchair".into(), Some(0), Some(0), Some(12_000))
    );
    assert_eq!(
        cell("A2"),
        ("companion".into(), Some(0), Some(1), Some(12_000))
    );
    assert_eq!(
        cell("A3"),
        ("standard".into(), Some(0), Some(3), Some(12_000))
    );
    assert_eq!(
        cell("A12"),
        ("standard".into(), Some(0), Some(13), Some(12_000))
    );
    assert_eq!(
        cell("B5"),
        ("premium".into(), Some(1), Some(5), Some(15_000))
    );
    assert_eq!(
        cell("C1"),
        ("couple".into(), Some(3), Some(2), Some(14_000))
    );
    assert_eq!(
        cell("C5"),
        ("standard".into(), Some(3), Some(6), Some(12_000))
    );
    assert_eq!(
        cell("C10"),
        ("couple".into(), Some(3), Some(11), Some(14_000))
    );
    let c1 = seat(&map, "C1");
    assert_eq!(
        (&c1["row"], &c1["number"], &c1["pair"]),
        (&json!("C"), &json!(1), &json!("C2"))
    );
    assert_eq!(seat(&map, "C8")["pair"], "C7");
    assert!(seat(&map, "C5").get("pair").is_none(), "{map}");
    assert_eq!(seat(&map, "A1")["status"], "free");
    assert!(
        seat(&map, "A1").get("holder").is_none(),
        "public map: {map}"
    );

    // Other contexts learn all of it from the events.
    if let Some(events) = app.events() {
        let scheduled = of_type(&events, "ScreeningScheduled")
            .into_iter()
            .find(|e| e["data"]["screening_id"] == screening.as_str())
            .expect("ScreeningScheduled");
        let data = &scheduled["data"];
        assert_eq!(data["layout"]["rows"][2]["space_before"], true, "{data}");
        assert_eq!(data["prices"].as_array().map(Vec::len), Some(2), "{data}");
        assert_eq!(data["seat_surcharges"].as_array().map(Vec::len), Some(2));
        assert_eq!(data["age_rating"], "15");
        let registered = of_type(&events, "MovieRegistered")
            .into_iter()
            .find(|e| e["data"]["movie_id"] == data["movie_id"])
            .expect("MovieRegistered");
        assert_eq!(registered["data"]["genre"], "드라마");
    }
}

#[test]
fn the_old_hall_body_still_makes_a_rectangle_of_standard_seats() {
    let app = TestApp::start();
    let admin = app.admin();
    let r = app.post_hall(
        &admin,
        &json!({ "name": "Old", "rows": 2, "seats_per_row": 3 }),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["seats_total"], 6);
    assert_eq!(
        r.body["layout"],
        json!({"rows": [
            {"label": "A", "seats": 3, "aisles_after": [], "space_before": false, "kinds": {}},
            {"label": "B", "seats": 3, "aisles_after": [], "space_before": false, "kinds": {}}
        ]})
    );
    let hall = r.body["hall_id"].as_str().expect("hall_id").to_string();
    // Today's movie body (price only): adult tickets only, no surcharges, rated for all ages.
    let (_, screening) = app.register_movie(&app.admin(), &hall, 30, 11_000);
    let map = app.seat_map(&screening).body;
    assert_eq!(
        (&map["grid_rows"], &map["grid_columns"]),
        (&json!(2), &json!(3))
    );
    assert_eq!(map["prices"], json!({"adult": won(11_000)}));
    assert_eq!(map["seat_surcharges"], json!({}));
    let b3 = seat(&map, "B3");
    assert_eq!(
        (
            &b3["kind"],
            &b3["grid_row"],
            &b3["grid_column"],
            &b3["price"]
        ),
        (&json!("standard"), &json!(1), &json!(2), &won(11_000))
    );
}

#[test]
fn bad_layouts_are_refused_with_a_clear_message_and_nothing_is_stored() {
    let app = TestApp::start();
    let admin = app.admin();
    let name = app.customer_id("bad-hall");
    let row = |extra: Value| {
        let mut r = json!({"seats": 8});
        for (k, v) in extra.as_object().expect("object") {
            r[k] = v.clone();
        }
        r
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"rows": [row(json!({"kinds": {"couple": [1, 2, 3]}}))]}),
            "A3 has no partner",
        ),
        (
            json!({"rows": [row(json!({"aisles_after": [4], "kinds": {"couple": [4, 5]}}))]}),
            "A4 and A5 are split by an aisle",
        ),
        (
            json!({"rows": [row(json!({"kinds": {"couple": [1, 3]}}))]}),
            "A1 and A3 are not next to each other",
        ),
        (
            json!({"rows": [row(json!({"kinds": {"premium": [3], "wheelchair": [3]}}))]}),
            "seat A3 is named twice",
        ),
        (
            json!({"rows": [row(json!({})), row(json!({"kinds": {"premium": [9]}}))]}),
            "premium seat B9 is not in the row",
        ),
        (
            json!({"rows": [row(json!({"aisles_after": [8]}))]}),
            "aisles_after 8 is not between 1 and 7",
        ),
        (
            json!({"rows": [row(json!({"space_before": true}))]}),
            "space_before is not allowed on the first row",
        ),
        (
            json!({"rows": [row(json!({"seats": 51}))]}),
            "between 1 and 50",
        ),
        (json!({"rows": []}), "1 to 26 rows"),
        (
            json!({"rows": vec![json!({"seats": 2}); 27]}),
            "1 to 26 rows",
        ),
        (
            json!({"rows": [row(json!({"kinds": {"vip": [1]}}))]}),
            "unknown field `vip`",
        ),
        (
            json!({"rows": [row(json!({"label": "B"}))]}),
            "must be \"A\"",
        ),
    ];
    for (layout, fragment) in &cases {
        let r = app.post_hall(&admin, &json!({ "name": name, "layout": layout }));
        assert_eq!(
            (r.status, r.error_code()),
            (422, "validation_failed"),
            "{layout}: {:?}",
            r.body
        );
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(fragment),
            "{layout}: {message:?} lacks {fragment:?}"
        );
    }
    for body in [
        json!({"name": name, "rows": 2, "seats_per_row": 3, "layout": {"rows": [{"seats": 3}]}}),
        json!({"name": name}),
        json!({"name": name, "rows": 2}),
        json!({"name": name, "rows": 2, "seats_per_row": 3, "balcony": true}),
    ] {
        let r = app.post_hall(&admin, &body);
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
    }
    assert!(
        app.halls(&admin).iter().all(|h| h["name"] != name.as_str()),
        "a refused hall was stored"
    );
}

#[test]
fn a_free_or_unbounded_price_is_refused_and_nothing_is_stored() {
    let app = TestApp::start();
    let admin = app.admin();
    let hall = app.create_hall(&admin, 3, 4);
    let starts_at = rfc3339_in_hours(72);
    let body = |price: Value| {
        let mut b = json!({
            "title": "Free",
            "runtime_min": 90,
            "screenings": [{ "hall_id": hall, "starts_at": starts_at }],
        });
        for (k, v) in price.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (json!({"price": won(0)}), "at least ₩1"),
        (json!({"price": won(-100)}), "at least ₩1"),
        (json!({"price": won(10_000_001)}), "at most ₩10000000"),
        (
            json!({"prices": {"adult": won(12_000), "youth": won(0)}}),
            "prices.youth",
        ),
        (
            json!({"prices": {"youth": won(9_000)}}),
            "must include adult",
        ),
        (
            json!({"price": won(12_000), "prices": {"adult": won(13_000)}}),
            "must equal prices.adult",
        ),
        (
            json!({"prices": {"adult": won(12_000), "child": won(5_000)}}),
            "unknown field `child`",
        ),
        (
            json!({"price": {"amount": 12, "currency": "USD"}}),
            "must be KRW",
        ),
        (
            json!({"price": won(12_000), "seat_surcharges": {"premium": won(-1)}}),
            "must not be negative",
        ),
        (
            json!({"price": won(12_000), "seat_surcharges": {"balcony": won(1)}}),
            "unknown field `balcony`",
        ),
        (
            json!({"price": won(12_000), "age_rating": "19"}),
            "age_rating",
        ),
        (
            json!({"price": won(12_000), "genre": "a\u{1}b"}),
            "control characters",
        ),
        (json!({}), "price is required"),
    ];
    for (price, fragment) in &cases {
        let r = app.post_movie(&admin, &body(price.clone()));
        assert_eq!(
            (r.status, r.error_code()),
            (422, "validation_failed"),
            "{price}: {:?}",
            r.body
        );
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(fragment),
            "{price}: {message:?} lacks {fragment:?}"
        );
    }
    // Nothing was scheduled: the same showtime in the same hall is still free.
    let r = app.post_movie(&admin, &body(json!({"prices": {"adult": won(1)}})));
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["price"], won(1));
}

#[test]
fn staff_see_who_has_each_taken_seat_and_customers_may_not() {
    let app = TestApp::start();
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    let bob = app.customer("bob");

    let r = app.book(&alice, &screening, &["A1", "A2"], "tok_visa", None);
    let reservation = r.reservation_id();
    let number = r.body["booking_number"].clone();
    assert!(number.is_string(), "{:?}", r.body);
    app.wait_status(&alice, &reservation, "CONFIRMED", Some("APPROVED"));
    TestApp::hold_id(&app.hold(&bob, &screening, &["B1"]));

    let map = eventually(ASYNC, "the staff map to show the hold", || {
        let r = app.staff_seat_map(Some(&admin), &screening);
        assert_eq!(r.status, 200, "{:?}", r.body);
        (seat(&r.body, "B1")["status"] == "taken").then_some(r.body)
    });
    assert_eq!(
        seat(&map, "A1")["holder"],
        json!({ "reservation_id": reservation, "booking_number": number })
    );
    assert_eq!(seat(&map, "A2")["holder"], seat(&map, "A1")["holder"]);
    assert_eq!(seat(&map, "B1")["holder"], json!({ "hold": true }));
    let free = seat(&map, "C1");
    assert_eq!(
        (&free["status"], &free["holder"]),
        (&json!("free"), &Value::Null)
    );
    assert_eq!(map["seats_left"], 47);
    // The public map names nobody.
    let public = app.seat_map(&screening).body;
    assert!(seat(&public, "A1").get("holder").is_none(), "{public}");
    assert_eq!(public["seats_left"], 47);

    let refused = app.staff_seat_map(Some(&alice), &screening);
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(app.staff_seat_map(None, &screening).status, 401);
    assert_eq!(
        app.staff_seat_map(Some(&admin), "no-such-screening").status,
        404
    );
}

#[test]
fn halls_movies_and_bookings_stored_before_layouts_keep_working() {
    let app = TestApp::start();
    if app.skip_unless_local("the app's database file") {
        return;
    }
    let admin = app.admin();
    let hall = app.create_hall(&admin, 3, 4);
    let (movie, screening) = app.register_movie(&admin, &hall, 40, 9_000);
    app.wait_bookable(&movie, &screening);
    let alice = app.customer("alice");
    let reservation = app
        .book(&alice, &screening, &["B2"], "tok_visa", None)
        .reservation_id();
    app.wait_status(&alice, &reservation, "CONFIRMED", Some("APPROVED"));
    app.downgrade_theater_to_v3();

    // The next request migrates: old rows read as rectangles of standard seats, adult tickets
    // at the movie's price, no booking number.
    let r = app.hall(&admin, &hall);
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["layout"]["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(r.body["layout"]["rows"][2]["seats"], 4);
    let map = app.seat_map(&screening);
    assert_eq!(map.status, 200, "{:?}", map.body);
    assert_eq!(map.body["prices"], json!({"adult": won(9_000)}));
    assert_eq!(seat(&map.body, "B2")["status"], "taken");
    assert_eq!(map.body["seats_left"], 11);
    let staff = app.staff_seat_map(Some(&admin), &screening).body;
    assert_eq!(
        seat(&staff, "B2")["holder"],
        json!({ "reservation_id": reservation, "booking_number": null })
    );
    // The old movie can still be scheduled, with its price.
    let r = app.add_screening(&admin, &movie, &hall, &rfc3339_in_hours(60));
    assert_eq!(r.status, 201, "{:?}", r.body);
    let later = r.body["screening_id"].as_str().expect("screening_id");
    let map = app.seat_map(later).body;
    assert_eq!(map["prices"], json!({"adult": won(9_000)}));
    assert_eq!(seat(&map, "C4")["price"], won(9_000));
}
