//! Assertions over every read side at once.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::TestApp;

/// Notification statuses per reservation id, in the order listed (newest first).
pub fn statuses_by_reservation(notifications: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in notifications {
        map.entry(n["reservation_id"].as_str().unwrap_or_default().to_string())
            .or_default()
            .push(n["status"].as_str().unwrap_or_default().to_string());
    }
    map
}

/// After [`TestApp::settle`]: the customer has exactly one notification per status in
/// `expected` about reservation `id`, and none other about it.
pub fn assert_notified_exactly(app: &TestApp, token: &str, id: &str, expected: &[&str]) {
    let all = app.my_notifications(token);
    let mut got = statuses_by_reservation(&all).remove(id).unwrap_or_default();
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "notifications about {id}: {all:#?}");
}

/// Asserts, after [`TestApp::settle`], that a customer who made only failed requests left no
/// trace: no booking in their list or on their page, no notification, every seat of the
/// screening free, the catalog's seats left untouched, and (where the stream is readable) no
/// event mentioning the customer and no booking or seat event for the screening.
pub fn no_trace(app: &TestApp, token: &str, customer_id: &str, movie: &str, screening: &str) {
    app.settle();
    assert_eq!(app.reservations(token), Vec::<Value>::new(), "reservations");
    assert_eq!(app.my_reservations(token), Vec::<Value>::new(), "my page");
    assert_eq!(
        app.my_notifications(token),
        Vec::<Value>::new(),
        "notifications"
    );
    assert_eq!(app.taken_seats(screening), Vec::<String>::new(), "seat map");
    let listing = app
        .catalog_screening(movie, screening)
        .expect("the catalog lists the screening");
    assert_eq!(
        listing["seats_left"], listing["seats_total"],
        "catalog seats left: {listing}"
    );
    if let Some(events) = app.events() {
        let about_customer: Vec<&Value> = events
            .iter()
            .filter(|e| e.to_string().contains(customer_id))
            .collect();
        assert!(
            about_customer.is_empty(),
            "events mention {customer_id}: {about_customer:#?}"
        );
        let about_screening: Vec<&Value> = events
            .iter()
            .filter(|e| e["data"]["screening_id"] == screening)
            .filter(|e| e["type"] != "ScreeningScheduled")
            .collect();
        assert!(
            about_screening.is_empty(),
            "booking events for the screening: {about_screening:#?}"
        );
    }
}
