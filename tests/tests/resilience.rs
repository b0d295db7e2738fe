//! Outages and replicas: a consumer that is not running, Redis going away, and two copies of
//! every consumer. These start and stop processes, so they run only on a local app.

use std::collections::BTreeMap;

use cinema_e2e::{
    ASYNC, CONSUMERS, ChatSink, Options, STREAM, TestApp, assert_notified_exactly, count_of_type,
    eventually, of_reservation, state_dir,
};
use serde_json::{Value, json};

/// Asserts each step of a confirmed booking's saga is in the stream exactly once.
fn assert_confirmed_once(events: &[Value], id: &str) {
    let mine = of_reservation(events, id);
    for t in [
        "ReservationPlaced",
        "PaymentApproved",
        "SeatsAllocated",
        "ReservationConfirmed",
    ] {
        assert_eq!(count_of_type(&mine, t), 1, "{t} of {id}: {mine:#?}");
    }
}

#[test]
fn bookings_are_accepted_while_the_theater_is_down_and_all_reconcile_when_it_returns() {
    let mut app = TestApp::start_with(Options::default().without("theater-events"));
    if app.skip_unless_local("to run devhost without the theater's consumer") {
        return;
    }
    let (movie, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let plan: [(&String, &[&str]); 5] = [
        (&alice, &["C1", "C2"]),
        (&alice, &["C3"]),
        (&bob, &["D1"]),
        (&bob, &["D2", "D3", "D4"]),
        (&alice, &["E1"]),
    ];
    let mut bookings = Vec::new();
    for (token, seats) in plan {
        let r = app.book(token, &screening, seats, "tok_visa", None);
        assert_eq!(r.body["status"], "PAID", "{:?}", r.body);
        bookings.push((token, r.reservation_id(), seats));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    for (token, id, _) in &bookings {
        let r = app.reservation(token, id);
        assert_eq!(r.body["status"], "PAID", "nobody allocated the seats yet");
    }
    assert_eq!(app.taken_seats(&screening), Vec::<String>::new());

    app.restart(&[]);
    // The theater consumer catches up on its next wake-up: any later event rings the doorbell.
    let carol = app.customer("carol");
    let wake = app.book(&carol, &screening, &["E5"], "tok_visa", None);
    let wake = wake.reservation_id();
    for (token, id, _) in &bookings {
        app.wait_status(token, id, "CONFIRMED", Some("APPROVED"));
    }
    app.wait_status(&carol, &wake, "CONFIRMED", None);
    app.wait_seats_left(&movie, &screening, 50 - 9);
    app.settle();

    let mut expected: Vec<String> = ["C1", "C2", "C3", "D1", "D2", "D3", "D4", "E1", "E5"]
        .map(String::from)
        .to_vec();
    expected.sort();
    assert_eq!(app.taken_seats(&screening), expected);
    assert_eq!(app.seats_left(&movie, &screening), Some(41));
    let events = app.events().expect("local stream");
    for (token, id, seats) in &bookings {
        assert_confirmed_once(&events, id);
        assert_notified_exactly(&app, token, id, &["CONFIRMED"]);
        let page = app.my_reservation(token, id).expect("on my page");
        assert_eq!(page["status"], "CONFIRMED");
        assert_eq!(page["seats"], serde_json::json!(seats));
    }
    assert_eq!(app.reservations(&alice).len(), 3);
    assert_eq!(app.my_reservations(&bob).len(), 2);
}

/// A storage fault in the theater's consumer (its batch transaction, `sql::BatchTransaction`):
/// another connection holds the theater database's write lock for longer than the busy timeout,
/// so the booking's `ReservationPlaced` fails there and stays pending. Once the lock is gone the
/// redelivery allocates the seats exactly once and the booking is confirmed; nothing the failed
/// batch did is left behind.
#[test]
fn a_booking_whose_allocation_hit_a_locked_theater_database_is_confirmed_once_it_is_free() {
    let app = TestApp::start();
    let Some(state) = state_dir(&app) else {
        app.skip_unless_local("to lock the theater's database file");
        return;
    };
    let (movie, screening) = app.bookable_screening();
    let left = app.seats_left(&movie, &screening).expect("seats left");
    let alice = app.customer("alice");

    // Python's sqlite3 holds the write lock for 8 s (the theater waits 5 s, then fails).
    let mut locker = lock_database(&state.join("theater.db"), 8);

    let r = app.book(&alice, &screening, &["B2", "B3"], "tok_visa", None);
    assert_eq!(r.body["status"], "PAID", "{:?}", r.body);
    let id = r.reservation_id();
    assert!(locker.wait().expect("the locker ends").success());
    // The failed entry is still pending: nothing was allocated meanwhile.
    assert_eq!(app.reservation(&alice, &id).body["status"], "PAID");
    assert_eq!(app.taken_seats(&screening), Vec::<String>::new());

    app.wait_for_abandoned_entries();
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    app.wait_seats_left(&movie, &screening, left - 2);
    app.settle();
    assert_eq!(app.taken_seats(&screening), ["B2", "B3"]);
    assert_confirmed_once(&app.events().expect("local stream"), &id);
}

/// Overload seen from the reservation side: its database held by another writer past the busy
/// timeout (5 s). The booking is a retry, not a fault: 503 `busy` with `Retry-After`, nothing
/// booked or charged, the seats still free; once the database is free the retry books them.
#[test]
fn a_booking_that_meets_a_locked_reservation_database_is_told_to_retry_and_stores_nothing() {
    let app = TestApp::start();
    let Some(state) = state_dir(&app) else {
        app.skip_unless_local("to lock the reservation database file");
        return;
    };
    let (_movie, screening) = app.bookable_screening();
    let alice = app.customer("alice");

    let mut locker = lock_database(&state.join("reservation.db"), 7);
    let r = app.book(&alice, &screening, &["C4"], "tok_visa", None);
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.error_code(), "busy", "{:?}", r.body);
    assert_eq!(r.header("retry-after"), Some("1"), "{:?}", r.headers);
    assert!(locker.wait().expect("the locker ends").success());

    assert_eq!(app.reservations(&alice), Vec::<serde_json::Value>::new());
    assert_eq!(app.taken_seats(&screening), Vec::<String>::new());
    let again = app.book(&alice, &screening, &["C4"], "tok_visa", None);
    assert_eq!(again.status, 202, "{:?}", again.body);
    let id = again.reservation_id();
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    assert_eq!(app.reservations(&alice).len(), 1);
}

/// The saga's consumers have their own doorbell (Spin and devhost handle one message at a time
/// per subscriber, running every component on it): a read model with a long backlog does not
/// hold up a booking's confirmation. On one doorbell, each hop of the saga waited for the
/// slowest consumer's round.
#[test]
fn a_read_model_busy_with_a_backlog_does_not_hold_up_the_confirmation_of_a_booking() {
    let app = TestApp::start();
    if app.skip_unless_local("to load the read models with a backlog") {
        return;
    }
    let (_movie, screening) = app.bookable_screening();
    let alice = app.customer("alice");

    // Thousands of approvals of other bookings: my page and reports project each of them; the
    // saga's consumers only acknowledge them.
    let backlog = 4000;
    app.redis_cli(&[
        "EVAL",
        "for i = 1, tonumber(ARGV[2]) do
           local e = string.gsub(ARGV[1], '@I@', string.format('%012d', i))
           redis.call('XADD', KEYS[1], '*', 'e', e)
         end",
        "1",
        STREAM,
        &json!({
            "causation_id": null,
            "correlation_id": "backlog",
            "data": {
                "amount": {"amount": 12000, "currency": "KRW"},
                "customer_id": "someone-else",
                "payment_id": "p-@I@",
                "reservation_id": "r-@I@"
            },
            "event_id": "01a24a00-0000-7000-8000-@I@",
            "occurred_at": "2026-12-05T10:00:00Z",
            "reservation_id": null,
            "reservation_version": null,
            "source": "payment",
            "type": "PaymentApproved",
            "version": 1
        })
        .to_string(),
        &backlog.to_string(),
    ])
    .expect("local Redis");
    app.ring();
    let lag = |group: &str| {
        let groups = app
            .redis_cli(&["XINFO", "GROUPS", STREAM])
            .expect("local Redis");
        let lines: Vec<&str> = groups.lines().map(str::trim).collect();
        let at = lines.iter().position(|l| *l == group).expect("the group");
        let field = |name: &str| {
            lines[at..]
                .windows(2)
                .find(|w| w[0] == name)
                .and_then(|w| w[1].parse::<u64>().ok())
                .unwrap_or(0)
        };
        field("lag") + field("pending")
    };
    assert!(lag("reports") > 0, "the backlog is there");

    let id = app
        .book(&alice, &screening, &["D7"], "tok_visa", None)
        .reservation_id();
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    let left = lag("reports");
    assert!(
        left > 0,
        "confirmed only once the read models had worked through the backlog"
    );
    // Then my page catches up.
    app.wait_my_page(&alice, &id, "CONFIRMED", "APPROVED");
}

#[test]
fn bookings_made_while_redis_is_down_are_relayed_when_it_returns() {
    let mut app = TestApp::start();
    if app.skip_unless_local("to stop and restart Redis") {
        return;
    }
    let (movie, screening) = app.bookable_screening();
    let (alice, bob) = (app.customer("alice"), app.customer("bob"));
    let before = app
        .book(&alice, &screening, &["A1"], "tok_visa", None)
        .reservation_id();
    app.wait_status(&alice, &before, "CONFIRMED", None);
    app.wait_notified(&alice, &before, &["CONFIRMED"]);

    // Redis goes away while dave is booking seat after seat.
    let dave = app.customer("dave");
    let row_e: Vec<String> = (1..=8).map(|n| format!("E{n}")).collect();
    let dave_booked: Vec<(String, String)> = std::thread::scope(|s| {
        let booker = s.spawn(|| {
            row_e
                .iter()
                .map(|seat| {
                    let r = app.book(&dave, &screening, &[seat], "tok_visa", None);
                    assert_eq!(r.status, 202, "{seat} around the outage: {:?}", r.body);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    (seat.clone(), r.reservation_id())
                })
                .collect()
        });
        std::thread::sleep(std::time::Duration::from_millis(250));
        app.shut_down_redis();
        booker.join().expect("booker")
    });
    assert!(app.events().is_none(), "Redis is down");
    let mut during: Vec<(&String, String)> = dave_booked
        .iter()
        .map(|(_, id)| (&dave, id.clone()))
        .collect();
    for (token, seats) in [
        (&alice, &["B1", "B2"][..]),
        (&bob, &["B3"][..]),
        (&bob, &["C1"][..]),
    ] {
        let r = app.book(token, &screening, seats, "tok_visa", None);
        assert_eq!(r.status, 202, "a booking while Redis is down: {:?}", r.body);
        during.push((token, r.reservation_id()));
    }
    let declined = app.book(&bob, &screening, &["C2"], "tok_declined", None);
    assert_eq!(declined.status, 402, "{:?}", declined.body);
    let c = app.cancel(&alice, &before);
    assert_eq!(c.status, 200, "a cancel while Redis is down: {:?}", c.body);
    for (token, id) in &during[dave_booked.len()..] {
        assert_eq!(app.reservation(token, id).body["status"], "PAID");
    }

    app.start_redis();
    // Ordinary traffic after Redis is back relays what waited in every outbox.
    let carol = app.customer("carol");
    let wake = app
        .book(&carol, &screening, &["D1"], "tok_visa", None)
        .reservation_id();
    // A consumer whose drain Redis cut short leaves the entries it had read pending (nothing
    // handled them); its group takes them over once they are 30 s idle, on a later wake-up.
    app.wait_for_abandoned_entries();
    for (token, id) in &during {
        app.wait_status(token, id, "CONFIRMED", Some("APPROVED"));
        app.wait_my_page(token, id, "CONFIRMED", "APPROVED");
    }
    app.wait_status(&carol, &wake, "CONFIRMED", None);
    app.wait_status(&alice, &before, "CANCELLED", Some("REFUNDED"));
    app.wait_my_page(&alice, &before, "CANCELLED", "REFUNDED");
    app.wait_seats_left(&movie, &screening, 50 - 5 - 8);
    app.settle();

    let mut taken: Vec<String> = ["B1", "B2", "B3", "C1", "D1"].map(String::from).to_vec();
    taken.extend(row_e);
    assert_eq!(app.taken_seats(&screening), taken);
    let events = app.events().expect("local stream");
    for (token, id) in &during {
        assert_confirmed_once(&events, id);
        assert_notified_exactly(&app, token, id, &["CONFIRMED"]);
    }
    let cancelled = of_reservation(&events, &before);
    for t in ["ReservationCancelled", "PaymentRefunded", "SeatsReleased"] {
        assert_eq!(count_of_type(&cancelled, t), 1, "{t}: {cancelled:#?}");
    }
    assert_notified_exactly(
        &app,
        &alice,
        &before,
        &["CONFIRMED", "CANCELLED", "REFUNDED"],
    );
    assert_eq!(
        app.reservations(&bob).len(),
        2,
        "the declined booking left nothing"
    );
}

/// Documents a gap (ignored until it is closed). The relay marks an outbox row relayed as soon as
/// `XADD` returns, so from then on the stream holds the only copy of the event. When Redis loses
/// writes it had acknowledged — a crash without persistence, or the last second before a crash
/// with `appendfsync everysec` (deploy/spinkube/base/stores/redis.yaml) — the events no consumer
/// had read yet are gone and nothing sends them again. Here the theater never learns of the
/// booking: it stays PAID for ever (charged, no seats, no refund). Made deterministic by keeping
/// the theater's consumer down until after the loss.
#[test]
fn a_redis_that_loses_its_data_loses_no_booking() {
    let mut app = TestApp::start_with(Options::default().without("theater-events"));
    if app.skip_unless_local("to crash Redis") {
        return;
    }
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let id = app
        .book(&alice, &screening, &["A1"], "tok_visa", None)
        .reservation_id();
    app.crash_redis();
    app.start_redis();
    app.start_worker(&["theater-events"]);
    let admin = app.admin();
    assert_eq!(app.relay_events(&admin).status, 200);
    let bob = app.customer("bob");
    let later = app
        .book(&bob, &screening, &["B1"], "tok_visa", None)
        .reservation_id();
    app.wait_status(&bob, &later, "CONFIRMED", None);
    app.wait_final(&alice, &id);
}

#[test]
fn two_replicas_of_every_consumer_notify_each_status_change_exactly_once() {
    let chat = ChatSink::start();
    // Replicas share their read models: on Redis, as in production (two processes writing one
    // SQLite-backed store fail with `database is locked`, on Spin too).
    let mut app = TestApp::start_with(Options {
        variables: chat.variables(),
        ..Options::default().kv_on_redis()
    });
    if app.skip_unless_local("a second devhost process") {
        return;
    }
    let replicas: Vec<String> = CONSUMERS.iter().map(|c| format!("{c}-events")).collect();
    app.start_worker(&replicas.iter().map(String::as_str).collect::<Vec<_>>());
    let (movie, screening) = app.bookable_screening();
    let admin = app.admin();

    // Confirmed bookings, two racing for one seat (one told at once), one rejected and refunded
    // (its seat was sold at the box office), one cancelled.
    app.sell_at_the_box_office(&screening, &["C7"]);
    let customers: Vec<String> = (0..6).map(|i| app.customer(&format!("c{i}"))).collect();
    let mut requests: Vec<(String, Vec<String>)> = customers
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), vec![format!("A{}", i + 1)]))
        .collect();
    requests.push((app.customer("racer1"), vec!["B1".into()]));
    requests.push((app.customer("racer2"), vec!["B1".into()]));
    requests.push((app.customer("unlucky"), vec!["C7".into()]));
    app.set_simulator(&admin, 500, 0.0);
    let replies = app.book_all_at_once(&screening, &requests);
    app.set_simulator(&admin, 0, 0.0);

    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut outcomes = Vec::new();
    let told = replies.iter().filter(|r| r.status == 409).count();
    assert_eq!(told, 1, "one of the racers was told the seat is taken");
    for (reply, (token, _)) in replies.iter().zip(&requests) {
        if reply.status == 409 {
            assert_eq!(reply.error_code(), "seats_taken");
            continue;
        }
        let id = reply.reservation_id();
        let done = app.wait_final(token, &id);
        outcomes.push((
            token.clone(),
            id,
            done["status"].as_str().unwrap_or("").to_string(),
        ));
    }
    let cancelled = outcomes[0].1.clone();
    let c = app.cancel(&outcomes[0].0, &cancelled);
    assert_eq!(c.status, 200, "{:?}", c.body);
    app.wait_status(&outcomes[0].0, &cancelled, "CANCELLED", Some("REFUNDED"));
    outcomes[0].2 = "CANCELLED".into();

    let rejected = outcomes.iter().filter(|o| o.2 == "REJECTED").count();
    assert_eq!(rejected, 1, "the box office's seat: {outcomes:?}");
    for (_, id, status) in &outcomes {
        let statuses: &[&str] = match status.as_str() {
            "CONFIRMED" => &["CONFIRMED"],
            "REJECTED" => &["REJECTED", "REFUNDED"],
            _ => &["CONFIRMED", "CANCELLED", "REFUNDED"],
        };
        for s in statuses {
            expected.insert((id.clone(), s.to_string()), 1);
        }
    }

    // Every status change reaches the customer's list once and the chat provider once.
    for (token, id, _) in &outcomes {
        let statuses: Vec<&str> = expected
            .keys()
            .filter(|(i, _)| i == id)
            .map(|(_, s)| s.as_str())
            .collect();
        app.wait_notified(token, id, &statuses);
    }
    eventually(ASYNC, "every notification delivered to the chat", || {
        let got = tally(&chat.messages());
        expected.keys().all(|k| got.contains_key(k)).then_some(())
    });
    app.settle();
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(tally(&chat.messages()), expected, "chat deliveries");
    for (token, id, _) in &outcomes {
        let statuses: Vec<&str> = expected
            .keys()
            .filter(|(i, _)| i == id)
            .map(|(_, s)| s.as_str())
            .collect();
        assert_notified_exactly(&app, token, id, &statuses);
    }
    for bell in cinema_e2e::DOORBELLS {
        let subscribers = app.redis_cli(&["PUBSUB", "NUMSUB", bell]);
        assert_eq!(
            subscribers.as_deref().and_then(|s| s.lines().nth(1)),
            Some("2"),
            "both devhost processes were listening to {bell} all along"
        );
    }
    // The other read models agree under two writers each.
    let confirmed = outcomes.iter().filter(|o| o.2 == "CONFIRMED").count();
    app.wait_seats_left(&movie, &screening, 50 - confirmed as i64 - 1);
    assert_eq!(app.taken_seats(&screening).len(), confirmed + 1);
    for (token, id, status) in &outcomes {
        let page = app.my_reservation(token, id).expect("on my page");
        assert_eq!(&page["status"], status.as_str(), "{page}");
    }
}

/// Chat messages per (reservation, status).
fn tally(messages: &[Value]) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for m in messages {
        let key = (
            m["reservation_id"].as_str().unwrap_or("").to_string(),
            m["status"].as_str().unwrap_or("").to_uppercase(),
        );
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// A chat provider that accepts connections and never answers holds up only the deliveries:
/// bookings keep being confirmed at their usual pace, and once the provider recovers every
/// message is delivered exactly once.
#[test]
fn a_hung_chat_endpoint_does_not_hold_up_confirmations_and_each_message_is_delivered_once() {
    let chat = ChatSink::start();
    chat.hang(true);
    let mut variables = chat.variables();
    // Longer than a healthy saga by far: a chat call made on the shared doorbell would show.
    variables.push(("kakao_timeout_ms".into(), "8000".into()));
    let app = TestApp::start_with(Options {
        variables,
        ..Options::default()
    });
    if app.skip_unless_local("its own chat endpoint") {
        return;
    }
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let mut booked = Vec::new();
    for seat in ["A1", "A2", "A3", "A4", "A5"] {
        let started = std::time::Instant::now();
        let id = app
            .book(&alice, &screening, &[seat], "tok_visa", None)
            .reservation_id();
        app.wait_status(&alice, &id, "CONFIRMED", None);
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(4),
            "booking {seat} took {took:?} to be confirmed while the chat endpoint hangs \
             (each chat call may take 8 s)"
        );
        booked.push(id);
    }
    // Nothing was delivered while it hung.
    assert!(chat.messages().is_empty(), "{:?}", chat.messages());

    chat.hang(false);
    let admin = app.admin();
    // Failed deliveries back off; the operator's relay (the CronJob in a cluster) rings again.
    eventually(
        std::time::Duration::from_secs(90),
        "every message delivered",
        || {
            app.relay_events(&admin);
            let delivered: std::collections::BTreeSet<String> = chat
                .messages()
                .iter()
                .filter_map(|m| m["reservation_id"].as_str().map(str::to_string))
                .collect();
            std::thread::sleep(std::time::Duration::from_millis(500));
            booked.iter().all(|id| delivered.contains(id)).then_some(())
        },
    );
    app.settle();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let messages = chat.messages();
    for id in &booked {
        let n = messages
            .iter()
            .filter(|m| m["reservation_id"] == id.as_str() && m["status"] == "CONFIRMED")
            .count();
        assert_eq!(n, 1, "{id}: delivered {n} times: {messages:#?}");
    }
    let page = app.my_notifications(&alice);
    for id in &booked {
        assert!(
            page.iter()
                .any(|n| n["reservation_id"] == id.as_str() && n["delivery"] == "SENT"),
            "{id} shown as sent: {page:#?}"
        );
    }
}

/// A burst of bookings, then `kill -9` of a Redis running with its append-only file
/// (`appendfsync everysec`, as deployed), then a restart on its files: every booking accepted
/// before the crash, and during the outage, ends CONFIRMED (events the crash lost are sent again
/// from the outboxes; entries a consumer had read but not acknowledged are reclaimed).
#[test]
fn every_booking_accepted_around_a_redis_crash_is_confirmed_after_it_restarts_on_its_files() {
    let mut app = TestApp::start_with(Options::default().redis_aof());
    if app.skip_unless_local("to kill Redis") {
        return;
    }
    let (_, screening) = app.bookable_screening();
    let customers: Vec<String> = (0..4).map(|i| app.customer(&format!("burst{i}"))).collect();
    let seats: Vec<String> = (1..=10)
        .flat_map(|n| ["A", "B", "C"].map(|row| format!("{row}{n}")))
        .collect();
    let book = |app: &TestApp, range: std::ops::Range<usize>| -> Vec<(usize, String)> {
        std::thread::scope(|s| {
            let threads: Vec<_> = range
                .map(|i| {
                    let (app, seats, customers, screening) = (app, &seats, &customers, &screening);
                    s.spawn(move || {
                        let r =
                            app.book(&customers[i % 4], screening, &[&seats[i]], "tok_visa", None);
                        assert_eq!(r.status, 202, "booking {i}: {:?}", r.body);
                        (i, r.reservation_id())
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("booking"))
                .collect()
        })
    };
    let mut accepted = book(&app, 0..16);
    // Killed right after the burst: what the last second appended may not be on disk yet.
    app.kill_redis();
    // Bookings are still accepted while Redis is down (their events wait in the outbox).
    accepted.extend(book(&app, 16..22));
    app.start_redis();
    accepted.extend(book(&app, 22..30));
    // No operator: customers watching their bookings are enough (a read of a booking overdue for
    // its seats nudges the pipeline: what Redis lost is sent again, the doorbell rings, and the
    // consumers reclaim what they had read when Redis died).
    for (i, id) in &accepted {
        let token = &customers[i % 4];
        eventually(
            std::time::Duration::from_secs(120),
            &format!("booking {i} ({id}) to be confirmed"),
            || {
                let r = app.reservation(token, id);
                std::thread::sleep(std::time::Duration::from_millis(200));
                (r.body["status"] == "CONFIRMED").then_some(())
            },
        );
    }
    let taken = app.taken_seats(&screening);
    assert_eq!(
        taken.len(),
        30,
        "every accepted seat allocated once: {taken:?}"
    );
}

/// An event whose handler keeps failing (the theater's database stays locked) is retried with
/// back-off up to `event_max_attempts` times, then dead-lettered: listed for operators with its
/// context, type, error and attempts, and replayed on request once the cause is gone.
#[test]
fn an_event_whose_handler_keeps_failing_is_dead_lettered_listed_and_replayed() {
    let app = TestApp::start_with(
        Options::default()
            .variable("event_max_attempts", 2)
            .variable("event_retry_backoff_ms", 300),
    );
    let Some(state) = state_dir(&app) else {
        app.skip_unless_local("to lock the theater's database file");
        return;
    };
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let admin = app.admin();
    let mut locker = lock_database(&state.join("theater.db"), 600);

    let id = app
        .book(&alice, &screening, &["C4"], "tok_visa", None)
        .reservation_id();
    let letter = eventually(
        std::time::Duration::from_secs(90),
        "the theater's ReservationPlaced to be dead-lettered",
        || {
            app.relay_events(&admin);
            std::thread::sleep(std::time::Duration::from_millis(300));
            let r = app.get("/api/admin/events/dead-letters", Some(&admin));
            assert_eq!(r.status, 200, "{:?}", r.body);
            r.body.as_array()?.iter().find_map(|l| {
                (l["context"] == "theater"
                    && l["type"] == "ReservationPlaced"
                    && l["reservation_id"] == id.as_str())
                .then(|| l.clone())
            })
        },
    );
    assert_eq!(letter["attempts"], 2, "{letter}");
    assert!(
        letter["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{letter}"
    );
    assert!(letter["first_failure"].as_str() <= letter["last_failure"].as_str());
    assert_eq!(app.reservation(&alice, &id).body["status"], "PAID");

    // A customer may not see or replay them.
    let event_id = letter["event_id"].as_str().expect("event id").to_string();
    let retry = format!("/api/admin/events/dead-letters/theater/{event_id}/retry");
    assert_eq!(
        app.get("/api/admin/events/dead-letters", Some(&alice))
            .status,
        403
    );
    assert_eq!(app.post(&retry, Some(&alice), &json!({})).status, 403);

    locker.kill().ok();
    locker.wait().ok();
    let replayed = app.post(&retry, Some(&admin), &json!({}));
    assert_eq!(replayed.status, 200, "{:?}", replayed.body);
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    assert_eq!(app.taken_seats(&screening), ["C4"]);
    let again = app.post(&retry, Some(&admin), &json!({}));
    assert_eq!(again.status, 404, "{:?}", again.body);
    let left = app.get("/api/admin/events/dead-letters", Some(&admin));
    assert!(
        !left.body.to_string().contains(&event_id),
        "{:?}",
        left.body
    );
}

/// Counts rows of a SQLite file (of this app's state dir) matching `sql`'s `COUNT(*)`.
fn count_rows(db: &std::path::Path, sql: &str) -> i64 {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys\nprint(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])",
        ])
        .arg(db)
        .arg(sql)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a count")
}

/// Bounded growth: with `retention_days=0` the relay tick prunes relayed outbox rows every
/// consumer group confirmed, inbox entries, idempotency keys and settled payment attempts; the
/// key-value inboxes are pruned by their consumers; rate-limit counters carry a time-to-live.
#[test]
fn the_relay_tick_prunes_what_is_only_kept_for_redelivery_and_counters_expire() {
    let app = TestApp::start_with(Options::default().variable("retention_days", 0));
    let Some(state) = state_dir(&app) else {
        app.skip_unless_local("to read the stores' files");
        return;
    };
    let (_, screening) = app.bookable_screening();
    let alice = app.customer("alice");
    let admin = app.admin();
    let id = app
        .book(&alice, &screening, &["D5"], "tok_visa", Some("prune-me"))
        .reservation_id();
    app.wait_status(&alice, &id, "CONFIRMED", Some("APPROVED"));
    app.settle();
    let reservation_db = state.join("reservation.db");
    assert!(count_rows(&reservation_db, "SELECT COUNT(*) FROM outbox") > 0);
    assert!(count_rows(&reservation_db, "SELECT COUNT(*) FROM idempotency_keys") > 0);
    assert!(count_rows(&reservation_db, "SELECT COUNT(*) FROM inbox") > 0);

    // The tick confirms what every group has handled, then prunes it.
    eventually(ASYNC, "the reservation side's rows to be pruned", || {
        let r = app.relay_events(&admin);
        assert_eq!(r.status, 200, "{:?}", r.body);
        let left = count_rows(&reservation_db, "SELECT COUNT(*) FROM outbox")
            + count_rows(&reservation_db, "SELECT COUNT(*) FROM inbox")
            + count_rows(&reservation_db, "SELECT COUNT(*) FROM idempotency_keys")
            + count_rows(&reservation_db, "SELECT COUNT(*) FROM payment_attempts");
        (left == 0).then_some(())
    });
    for db in ["theater.db", "payment.db"] {
        let db = state.join(db);
        assert_eq!(count_rows(&db, "SELECT COUNT(*) FROM outbox"), 0, "{db:?}");
        assert_eq!(count_rows(&db, "SELECT COUNT(*) FROM inbox"), 0, "{db:?}");
    }
    // The booking itself stays; a key used again after the retention is a new request.
    assert_eq!(app.reservation(&alice, &id).body["status"], "CONFIRMED");
    // Key-value inboxes: pruned on the consumers' wake-ups (the first one does it at once).
    let kv_inboxes = |file: &str| {
        count_rows(
            &state.join(file),
            "SELECT COUNT(*) FROM spin_key_value WHERE key LIKE 'inbox:%'",
        )
    };
    // Their hourly pass already ran on the first wake-up; make it due again, then ring.
    let files = ["catalog-kv.db", "mypage-kv.db", "notification-kv.db"];
    assert!(files.iter().any(|f| kv_inboxes(f) > 0));
    for context in ["catalog", "mypage", "notification"] {
        app.redis_cli(&["DEL", &format!("cinema:inbox:pruned:{context}")]);
    }
    eventually(ASYNC, "the key-value inboxes to be pruned", || {
        app.relay_events(&admin);
        std::thread::sleep(std::time::Duration::from_millis(200));
        files.iter().all(|f| kv_inboxes(f) == 0).then_some(())
    });

    // Rate-limit counters expire by themselves.
    let keys = app
        .redis_cli(&["--scan", "--pattern", "rl:*"])
        .expect("local Redis");
    let keys: Vec<&str> = keys.lines().filter(|k| !k.is_empty()).collect();
    assert!(!keys.is_empty(), "the gateway counted requests");
    for key in keys {
        let ttl: i64 = app
            .redis_cli(&["PTTL", key])
            .expect("local Redis")
            .trim()
            .parse()
            .expect("a TTL");
        // -2: already gone; otherwise at most the window and one more second.
        assert!(ttl == -2 || (0..=2000).contains(&ttl), "{key}: PTTL {ttl}");
    }
}

/// Holds `db`'s write lock from another process (Python's sqlite3) for `seconds`, then rolls back;
/// returns once the lock is held.
fn lock_database(db: &std::path::Path, seconds: u32) -> std::process::Child {
    let mut locker = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN IMMEDIATE')\n\
             print('locked', flush=True)\n\
             time.sleep(int(sys.argv[2]))\n\
             c.execute('ROLLBACK')",
        ])
        .arg(db)
        .arg(seconds.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(locker.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("the locker's first line");
    assert_eq!(line.trim(), "locked");
    locker
}
