//! Customers racing for overlapping seats. A slow payment (the simulator's latency) keeps every
//! request in flight together; each request claims its seats before paying (a hold for the call),
//! so the losers are told at once and the theater never has to reject anyone. (Racing for the
//! same seats, and holds, are in `holds.rs`.)

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use cinema_e2e::{Options, TestApp, assert_notified_exactly, of_type};

#[test]
fn many_concurrent_bookings_over_overlapping_seats_never_sell_a_seat_twice() {
    let app = TestApp::start_with(Options::default().exclusive());
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();
    // 12 customers, 3 adjacent seats each, all within A1..A6: at most two can win.
    let pool = ["A1", "A2", "A3", "A4", "A5", "A6"];
    let requests: Vec<(String, Vec<String>)> = (0..12)
        .map(|i| {
            let seats = (0..3).map(|k| pool[(i + k) % pool.len()].to_string());
            (app.customer(&format!("c{i}")), seats.collect())
        })
        .collect();
    app.set_simulator(&admin, 500, 0.0);
    let replies = app.book_all_at_once(&screening, &requests);
    app.set_simulator(&admin, 0, 0.0);

    let mut confirmed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (reply, (token, seats)) in replies.iter().zip(&requests) {
        if reply.status == 409 {
            // Refused up front: stored nowhere (checked below through the customer's list).
            assert_eq!(reply.error_code(), "seats_taken");
            continue;
        }
        let id = reply.reservation_id();
        let done = app.wait_final(token, &id);
        assert_eq!(done["seats"], serde_json::json!(seats));
        match done["status"].as_str() {
            Some("CONFIRMED") => {
                confirmed.insert(id, seats.clone());
            }
            other => panic!("unexpected final status {other:?}: {done}"),
        }
    }
    assert!(!confirmed.is_empty(), "somebody got seats");

    // No seat sold twice; the seat map and the catalog show exactly the winners' seats.
    let mut sold = BTreeSet::new();
    for seats in confirmed.values() {
        for seat in seats {
            assert!(
                sold.insert(seat.clone()),
                "{seat} sold twice: {confirmed:?}"
            );
        }
    }
    let sold: Vec<String> = sold.into_iter().collect();
    assert_eq!(app.taken_seats(&screening), sold);
    app.wait_seats_left(&movie, &screening, 50 - sold.len() as i64);

    app.settle();
    for (i, (reply, (token, _))) in replies.iter().zip(&requests).enumerate() {
        let listed = app.reservations(token);
        if reply.status == 409 {
            assert!(listed.is_empty(), "customer {i}: {listed:#?}");
            continue;
        }
        assert_eq!(listed.len(), 1, "customer {i}: {listed:#?}");
        assert_notified_exactly(&app, token, &reply.reservation_id(), &["CONFIRMED"]);
    }

    // The theater's own record: the allocations it published never overlap.
    if let Some(events) = app.events() {
        let mut allocated = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let allocations = of_type(&events, "SeatsAllocated");
        for e in allocations
            .iter()
            .filter(|e| e["data"]["screening_id"] == screening)
            // The same event twice in the stream (at-least-once relay) is one allocation.
            .filter(|e| seen.insert(e["event_id"].to_string()))
        {
            for seat in e["data"]["seats"].as_array().into_iter().flatten() {
                assert!(allocated.insert(seat.to_string()), "{seat} allocated twice");
            }
        }
        let ours: BTreeSet<String> = (0..12).map(|i| app.customer_id(&format!("c{i}"))).collect();
        let refunded: Vec<&Value> = of_type(&events, "PaymentRefunded")
            .into_iter()
            .filter(|e| {
                e["data"]["customer_id"]
                    .as_str()
                    .is_some_and(|c| ours.contains(c))
            })
            .collect();
        assert!(
            refunded.is_empty(),
            "nobody was charged for a seat they did not get: {refunded:#?}"
        );
    }
}
