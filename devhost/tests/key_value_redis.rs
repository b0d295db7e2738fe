//! Key-value conformance of the `redis` store type (runtime config `[key_value_store.<label>]
//! type = "redis" url = "redis://host:port/db"`), through the probe's endpoints: the behaviour
//! every store type shares (`common/kv.rs`) on a Redis-backed `default` (database 1) and `other`
//! (database 2), then what only Redis does, checked with `redis-cli` on the server.
//!
//! Reference: Spin 4.0.2 `crates/key-value-redis/src/store.rs` — keys are stored as they are in
//! the URL's database (every label with that URL shares them), `increment` is `INCRBY` (a Redis
//! integer), `exists` is `EXISTS`, a compare-and-swap `WATCH`es the key in `current()` and
//! writes in `MULTI`/`EXEC`, so a swap from "absent" is conditional too (unlike the SQLite
//! store); the URL is checked at start-up ("Invalid Redis URL"), the server is only contacted
//! when a store is used (through a connection manager that reconnects). Where Spin 4.0.2 itself
//! misbehaves devhost does not copy it: see `the_swap_conflict_is_reported` and
//! `get_many_answers_the_keys_that_exist`.

mod common;

use std::time::Duration;

use common::kv::{self, exists, incr, text};
use common::{Host, Launch, Redis, eventually, spawn_expect_failure, store_grants_manifest};
use serde_json::{Value, json};

struct Setup {
    redis: Redis,
    host: Host,
}

fn runtime_config(default_url: &str, other_url: &str) -> String {
    format!(
        r#"
[key_value_store.default]
type = "redis"
url = "{default_url}"

[key_value_store.other]
type = "redis"
url = "{other_url}"
"#
    )
}

fn manifest() -> String {
    store_grants_manifest("kv-redis", "key_value_stores", "kv", "other")
}

/// A host whose `default` and `other` live in databases 1 and 2 of `redis_url`.
fn launch(redis_url: &str) -> Launch {
    Launch::new(manifest()).runtime_config(runtime_config(
        &format!("{redis_url}/1"),
        &format!("{redis_url}/2"),
    ))
}

fn start() -> Setup {
    let redis = Redis::start();
    let host = launch(&redis.url()).start();
    Setup { redis, host }
}

/// `redis-cli -p <port> -n <db> <args>`, trimmed (values print raw, a missing key as "").
fn cli(redis: &Redis, db: u8, args: &[&str]) -> String {
    let db = db.to_string();
    let all: Vec<&str> = ["-n", db.as_str()]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    redis.cli(&all).trim_end().to_owned()
}

impl Setup {
    fn cli(&self, db: u8, args: &[&str]) -> String {
        cli(&self.redis, db, args)
    }

    /// The keys of database `db`, sorted.
    fn keys(&self, db: u8) -> Vec<String> {
        let mut keys: Vec<String> = self
            .cli(db, &["KEYS", "*"])
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        keys.sort();
        keys
    }
}

// ---- what every store type does ----

#[test]
fn set_get_delete_exists() {
    kv::set_get_delete_exists(&start().host);
}

#[test]
fn values_are_binary_safe() {
    kv::values_are_binary_safe(&start().host);
}

#[test]
fn get_keys_lists_exactly_the_keys_of_that_store() {
    kv::get_keys_lists_the_keys_of_that_store(&start().host);
}

#[test]
fn undeclared_label_is_access_denied() {
    kv::undeclared_label_is_access_denied(&start().host);
}

#[test]
fn spin_and_wasi_apis_see_the_same_store() {
    kv::spin_and_wasi_apis_see_the_same_store(&start().host);
}

#[test]
fn increment_starts_at_zero_and_adds_delta() {
    let t = start();
    kv::increment_starts_at_zero_and_adds_delta(&t.host);
    assert_eq!(t.cli(1, &["GET", "n"]), "-4");
}

#[test]
fn concurrent_increments_sum_correctly() {
    let t = start();
    let total = kv::concurrent_increments_are_atomic(&t.host);
    assert_eq!(t.cli(1, &["GET", "hits"]), total.to_string());
}

#[test]
fn compare_and_swap_succeeds_when_the_value_is_unchanged() {
    let t = start();
    kv::compare_and_swap_succeeds_when_the_value_is_unchanged(&t.host);
    assert_eq!(t.cli(1, &["GET", "doc"]), "v2");
}

#[test]
fn compare_and_swap_on_a_missing_key_inserts_it() {
    kv::compare_and_swap_on_a_missing_key_inserts_it(&start().host);
}

#[test]
fn compare_and_swap_reports_the_current_value_to_a_stale_reader() {
    kv::compare_and_swap_reports_the_current_value_to_a_stale_reader(&start().host);
}

#[test]
fn the_swap_conflict_is_reported() {
    // Spin 4.0.2 answers `ok` here without writing: the `WATCH` aborts its `EXEC`, and the
    // `redis` crate reads the aborted transaction's nil reply as success. devhost reports
    // `cas-failed`, as the interface promises.
    let t = start();
    kv::compare_and_swap_fails_when_the_value_changed_after_current(&t.host);
    assert_eq!(t.cli(1, &["GET", "doc"]), "sneaky");
}

#[test]
fn a_swap_without_current_writes_unconditionally_as_in_spin() {
    let t = start();
    kv::a_swap_without_current_writes_unconditionally(&t.host);
    assert_eq!(t.cli(1, &["GET", "blind"]), "replaced");
}

#[test]
fn batch_set_delete_and_get_many() {
    let t = start();
    kv::batch_set_delete_and_get_many(&t.host);
    assert_eq!(t.keys(1), ["a", "b"]);
    assert_eq!(t.cli(1, &["MGET", "a", "b"]), "1\n2");
}

#[test]
fn list_keys_returns_all_keys_and_rejects_a_cursor() {
    let t = start();
    kv::list_keys_returns_all_keys_and_refuses_a_cursor(&t.host, "other");
    assert_eq!(t.keys(2), ["k1", "k2", "k3"]);
}

// ---- Redis only ----

#[test]
fn keys_are_plain_redis_keys_of_the_urls_database() {
    let t = start();
    t.host.put("/kv/kv/default/greeting", "hello").expect(200);
    assert_eq!(t.cli(1, &["GET", "greeting"]), "hello");
    assert_eq!(t.keys(0), Vec::<String>::new());
    // Written by an ordinary client: the guest reads it.
    t.cli(1, &["SET", "from-cli", "outside"]);
    assert_eq!(text(&t.host, "/kv/kv/default/from-cli"), "outside");
    assert_eq!(
        t.host.get("/kv/kv/default").expect(200).json(),
        json!(["from-cli", "greeting"])
    );
    t.host.delete("/kv/wkv/default/greeting").expect(200);
    assert_eq!(t.cli(1, &["EXISTS", "greeting"]), "0");
}

#[test]
fn labels_on_different_databases_do_not_see_each_others_keys() {
    let t = start();
    let host = &t.host;
    kv::labels_hold_their_own_values(host);
    host.put("/kv/kv/other/only-other", "x").expect(200);
    host.get("/kv/kv/default/only-other").expect(404);
    assert!(!exists(host, "/kv/wkv-exists/default/only-other"));
    assert_eq!(incr(host, "default", "n", 3), 3);
    assert_eq!(incr(host, "other", "n", 10), 10);

    assert_eq!(t.keys(1), ["n", "shared"]);
    assert_eq!(t.keys(2), ["n", "only-other", "shared"]);
    assert_eq!(t.cli(1, &["GET", "shared"]), "in default");
    assert_eq!(t.cli(2, &["GET", "shared"]), "in other");
    // Deleting in one label leaves the other alone.
    host.delete("/kv/kv/other/shared").expect(200);
    assert_eq!(text(host, "/kv/kv/default/shared"), "in default");
}

#[test]
fn labels_with_the_same_url_share_their_keys_as_in_spin() {
    let redis = Redis::start();
    let url = format!("{}/3", redis.url());
    let host = Launch::new(manifest())
        .runtime_config(runtime_config(&url, &url))
        .start();
    host.put("/kv/kv/default/k", "written through default")
        .expect(200);
    assert_eq!(text(&host, "/kv/kv/other/k"), "written through default");
    assert_eq!(host.get("/kv/kv/other").expect(200).json(), json!(["k"]));
}

#[test]
fn increment_is_a_redis_integer() {
    let t = start();
    let host = &t.host;
    assert_eq!(incr(host, "default", "n", 5), 5);
    // Readable by any Redis client as a decimal number, and through the key-value API.
    assert_eq!(t.cli(1, &["GET", "n"]), "5");
    assert_eq!(t.cli(1, &["TYPE", "n"]), "string");
    assert_eq!(text(host, "/kv/kv/default/n"), "5");

    // A decimal value set by anyone is continued from.
    host.put("/kv/wkv/default/preset", "41").expect(200);
    assert_eq!(incr(host, "default", "preset", 1), 42);
    t.cli(1, &["SET", "from-cli", "1000000"]);
    assert_eq!(incr(host, "default", "from-cli", 1), 1_000_001);

    // Anything else is Redis's error, and nothing changes.
    host.put("/kv/wkv/default/word", "five").expect(200);
    host.post("/kv/wkv/default/incr/word?delta=1", "")
        .expect_error("not an integer");
    assert_eq!(text(host, "/kv/kv/default/word"), "five");
    t.cli(1, &["SET", "max", &i64::MAX.to_string()]);
    host.post("/kv/wkv/default/incr/max?delta=1", "")
        .expect_error("overflow");
}

#[test]
fn exists_is_true_for_a_key_of_another_redis_type() {
    // Spin asks `EXISTS`, so a key the guest cannot `GET` (a list written by someone else)
    // still exists; reading it is Redis's WRONGTYPE error.
    let t = start();
    t.cli(1, &["RPUSH", "a-list", "x"]);
    assert!(exists(&t.host, "/kv/kv-exists/default/a-list"));
    assert!(exists(&t.host, "/kv/wkv-exists/default/a-list"));
    t.host
        .get("/kv/kv/default/a-list")
        .expect_error("WRONGTYPE");
}

#[test]
fn compare_and_swap_from_absent_is_atomic_unlike_the_sqlite_store() {
    // On the SQLite store a swap from "absent" is an upsert and this write would win; here the
    // key must still be absent at the swap.
    let t = start();
    let resp = t
        .host
        .post(
            "/kv/wkv/default/cas/fresh?expect=__none__&interfere=sneaky",
            "mine",
        )
        .expect(409)
        .json();
    assert_eq!(resp["cas_failed"], true, "{resp}");
    assert_eq!(resp["current"], "sneaky");
    assert_eq!(t.cli(1, &["GET", "fresh"]), "sneaky");
}

#[test]
fn concurrent_creations_by_compare_and_swap_elect_exactly_one_writer() {
    let t = start();
    const WRITERS: usize = 8;
    let outcomes: Vec<(usize, u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let host = &t.host;
                s.spawn(move || {
                    let resp = host.post(
                        "/kv/wkv/default/cas/race?expect=__none__",
                        format!("writer-{i}"),
                    );
                    (i, resp.status, resp.json())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<usize> = outcomes
        .iter()
        .filter(|(_, status, body)| {
            assert!(
                *status == 200 || (*status == 409 && body["swapped"] == false),
                "{outcomes:?}"
            );
            *status == 200
        })
        .map(|(i, _, _)| *i)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one creation wins: {outcomes:?}");
    assert_eq!(t.cli(1, &["GET", "race"]), format!("writer-{}", winners[0]));
}

#[test]
fn get_many_answers_the_keys_that_exist() {
    // Spin 4.0.2 sends `get-many` as `KEYS k1 k2 …`, which Redis refuses ("wrong number of
    // arguments") for two keys or more; devhost asks `MGET` and, like the SQLite store, answers
    // only the keys that exist (the probe fills in the others as null).
    let t = start();
    t.cli(1, &["SET", "outside", "o"]);
    t.cli(1, &["SET", "second", "2"]);
    let resp = t
        .host
        .post_json(
            "/kv/wkv/default/batch",
            &json!({"get": ["outside", "missing", "second"]}),
        )
        .expect(200)
        .json();
    assert_eq!(
        resp["got"],
        json!({"outside": "o", "missing": null, "second": "2"})
    );
}

#[test]
fn values_live_in_redis_not_in_the_state_dir() {
    let Setup {
        redis: _redis,
        mut host,
    } = start();
    host.put("/kv/kv/default/persisted", "still here")
        .expect(200);
    assert_eq!(incr(&host, "other", "counter", 41), 41);
    host.restart();
    assert_eq!(text(&host, "/kv/kv/default/persisted"), "still here");
    assert_eq!(incr(&host, "other", "counter", 1), 42);
    assert!(!host.state_dir().join("sqlite_key_value.db").exists());
}

#[test]
fn an_unreachable_server_fails_each_call_until_it_is_up() {
    // Like Spin, start-up does not contact the server.
    let port = common::free_port();
    let host = launch(&format!("redis://127.0.0.1:{port}")).start();
    host.get("/kv/kv/default/k").expect(500);
    let redis = Redis::start_on(port);
    eventually(
        Duration::from_secs(10),
        "the store to work once Redis is up",
        || (host.put("/kv/kv/default/k", "v").status == 200).then_some(()),
    );
    assert_eq!(cli(&redis, 1, &["GET", "k"]), "v");
}

#[test]
fn the_store_reconnects_after_a_redis_restart() {
    let Setup { redis, host } = start();
    host.put("/kv/kv/default/before", "1").expect(200);
    let redis = Redis::start_on(redis.stop());
    // The first call may still meet the dropped connection (so does Spin's connection
    // manager); the store must come back without restarting devhost.
    eventually(
        Duration::from_secs(10),
        "the store to work again after the Redis restart",
        || (host.put("/kv/kv/default/after", "2").status == 200).then_some(()),
    );
    assert_eq!(text(&host, "/kv/kv/default/after"), "2");
    assert_eq!(cli(&redis, 1, &["GET", "after"]), "2");
}

#[test]
fn an_invalid_redis_url_fails_startup_naming_the_label() {
    let manifest = store_grants_manifest("bad-url", "key_value_stores", "kv", "cache");
    for (url, why) in [
        ("not a url", "not a URL"),
        ("http://127.0.0.1:6379/1", "wrong scheme"),
        ("redis://127.0.0.1:6379/not-a-number", "bad database"),
    ] {
        let config = format!("[key_value_store.cache]\ntype = \"redis\"\nurl = \"{url}\"\n");
        let (_status, stderr) = spawn_expect_failure(&manifest, Some(&config), &[]);
        assert!(
            stderr.contains("[key_value_store.cache]") && stderr.contains("invalid Redis URL"),
            "{why}: {stderr}"
        );
    }
    let (_status, stderr) = spawn_expect_failure(
        &manifest,
        Some("[key_value_store.cache]\ntype = \"redis\"\n"),
        &[],
    );
    assert!(
        stderr.contains("[key_value_store.cache]") && stderr.contains("`url`"),
        "no url: {stderr}"
    );
}

/// Regression: with Redis stalled, hundreds of requests blocked in key-value calls at once (more
/// than tokio's 512 blocking threads) used to freeze the whole host for good — the blocked calls
/// waited for I/O that only the starved runtime could drive. Redis is paused (`CLIENT PAUSE`)
/// while 600 increments arrive; once it resumes, every one must be answered and counted.
#[test]
fn six_hundred_requests_blocked_on_a_stalled_redis_all_complete() {
    const REQUESTS: usize = 600;
    let s = start();
    assert_eq!(s.cli(1, &["CLIENT", "PAUSE", "2000", "ALL"]), "OK");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..REQUESTS)
            .map(|_| {
                scope.spawn(|| {
                    s.host
                        .post("/kv/wkv/default/incr/stalled?delta=1", "")
                        .status
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a client thread"))
            .collect()
    });
    let failed: Vec<&u16> = statuses.iter().filter(|&&status| status != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {REQUESTS} failed: {failed:?}",
        failed.len()
    );
    assert_eq!(s.cli(1, &["GET", "stalled"]), REQUESTS.to_string());
}
