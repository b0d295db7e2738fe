//! Customers racing for the same seats. A slow payment (the simulator's latency) keeps every
//! request in flight together, so all pass the reservation side's early "seat known taken" check
//! and the theater's allocation decides.

use std::collections::{BTreeMap, BTreeSet};

use cinema_e2e::{
    Options, TestApp, assert_notified_exactly, count_of_type, of_reservation, of_type,
};
use serde_json::Value;

#[test]
fn two_customers_racing_for_one_seat_get_one_confirmed_and_one_rejected_then_refunded() {
    let app = TestApp::start_with(Options::default().exclusive());
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    app.set_simulator(&admin, 500, 0.0);
    let replies = app.book_all_at_once(
        &screening,
        &[
            (alice.clone(), vec!["C5".to_string()]),
            (bob.clone(), vec!["C5".to_string()]),
        ],
    );
    app.set_simulator(&admin, 0, 0.0);
    let ids: Vec<String> = replies.iter().map(|r| r.reservation_id()).collect();
    let tokens = [&alice, &bob];

    let finals: Vec<Value> = ids
        .iter()
        .zip(tokens)
        .map(|(id, token)| app.wait_final(token, id))
        .collect();
    let winner = finals
        .iter()
        .position(|r| r["status"] == "CONFIRMED")
        .expect("one booking confirmed");
    let loser = 1 - winner;
    assert_eq!(finals[winner]["payment_status"], "APPROVED");
    assert_eq!(finals[loser]["status"], "REJECTED", "{}", finals[loser]);
    assert_eq!(finals[loser]["payment_status"], "REFUNDED");
    assert_eq!(finals[loser]["rejection_reason"], "seats_taken");

    assert_eq!(app.taken_seats(&screening), ["C5"]);
    app.wait_seats_left(&movie, &screening, 49);
    app.wait_my_page(tokens[winner], &ids[winner], "CONFIRMED", "APPROVED");
    app.wait_my_page(tokens[loser], &ids[loser], "REJECTED", "REFUNDED");
    app.wait_notified(tokens[winner], &ids[winner], &["CONFIRMED"]);
    app.wait_notified(tokens[loser], &ids[loser], &["REJECTED", "REFUNDED"]);
    app.settle();
    assert_notified_exactly(&app, tokens[winner], &ids[winner], &["CONFIRMED"]);
    assert_notified_exactly(&app, tokens[loser], &ids[loser], &["REJECTED", "REFUNDED"]);
    let refund = app.payment(&admin, finals[loser]["payment_id"].as_str().unwrap());
    assert_eq!(refund.body["status"], "REFUNDED", "{:?}", refund.body);
    assert_eq!(refund.body["refunds"].as_array().map(Vec::len), Some(1));

    // A rejected booking cannot be cancelled; the winner's stays as it is.
    let c = app.cancel(tokens[loser], &ids[loser]);
    assert_eq!(c.status, 409, "{:?}", c.body);
    assert_eq!(c.error_code(), "not_cancellable");
    assert_eq!(app.taken_seats(&screening), ["C5"]);
}

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
    let mut rejected = Vec::new();
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
            Some("REJECTED") => rejected.push((id, token.clone(), done)),
            other => panic!("unexpected final status {other:?}"),
        }
    }
    assert!(!confirmed.is_empty(), "somebody got seats");
    assert!(!rejected.is_empty(), "the theater had to reject somebody");

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

    // Every loser refunded in full, once, and told so.
    for (id, token, done) in &rejected {
        assert_eq!(done["payment_status"], "REFUNDED");
        let p = app.payment(&admin, done["payment_id"].as_str().unwrap());
        assert_eq!(p.body["status"], "REFUNDED", "{:?}", p.body);
        let refunds = p.body["refunds"].as_array().cloned().unwrap_or_default();
        assert_eq!(refunds.len(), 1, "{:?}", p.body);
        assert_eq!(refunds[0]["amount"], done["total"]);
        app.wait_notified(token, id, &["REJECTED", "REFUNDED"]);
    }
    app.settle();
    for (i, (reply, (token, _))) in replies.iter().zip(&requests).enumerate() {
        let listed = app.reservations(token);
        if reply.status == 409 {
            assert!(listed.is_empty(), "customer {i}: {listed:#?}");
            continue;
        }
        assert_eq!(listed.len(), 1, "customer {i}: {listed:#?}");
        let id = reply.reservation_id();
        if confirmed.contains_key(&id) {
            assert_notified_exactly(&app, token, &id, &["CONFIRMED"]);
        } else {
            assert_notified_exactly(&app, token, &id, &["REJECTED", "REFUNDED"]);
        }
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
        for (id, _, _) in &rejected {
            let mine = of_reservation(&events, id);
            assert_eq!(count_of_type(&mine, "PaymentRefunded"), 1, "{mine:#?}");
            assert_eq!(count_of_type(&mine, "SeatsAllocated"), 0, "{mine:#?}");
        }
    }
}
