//! Key-value behaviour every store type shares, checked through the probe's endpoints on a host
//! started with [`super::store_grants_manifest`] (component `kv` may open `default` and `other`,
//! `limited` only `default`, `none` nothing). Each suite (`key_value.rs` for the SQLite store,
//! `key_value_redis.rs` for Redis) runs these on its own host and adds what it stores where.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::Host;

/// The value at `path` as text (the request must succeed).
#[track_caller]
pub fn text(host: &Host, path: &str) -> String {
    host.get(path).expect(200).text()
}

/// What the probe's `exists` call at `path` answers (`{"exists": bool}`, nothing else).
#[track_caller]
pub fn exists(host: &Host, path: &str) -> bool {
    let reply = host.get(path).expect(200).json();
    if reply == json!({"exists": true}) {
        return true;
    }
    assert_eq!(reply, json!({"exists": false}));
    false
}

/// `wasi:keyvalue/atomics.increment` of `key` in `label`; the new value.
#[track_caller]
pub fn incr(host: &Host, label: &str, key: &str, delta: i64) -> i64 {
    host.post(&format!("/kv/wkv/{label}/incr/{key}?delta={delta}"), "")
        .expect(200)
        .json()["value"]
        .as_i64()
        .expect("value")
}

/// Spin API on `default`: set, get, replace, delete, exists; ends with `greeting` deleted.
pub fn set_get_delete_exists(host: &Host) {
    host.get("/kv/kv/default/greeting").expect(404);
    assert!(!exists(host, "/kv/kv-exists/default/greeting"));

    host.put("/kv/kv/default/greeting", "hello").expect(200);
    assert_eq!(text(host, "/kv/kv/default/greeting"), "hello");
    assert!(exists(host, "/kv/kv-exists/default/greeting"));

    host.put("/kv/kv/default/greeting", "replaced").expect(200);
    assert_eq!(text(host, "/kv/kv/default/greeting"), "replaced");

    host.delete("/kv/kv/default/greeting").expect(200);
    host.get("/kv/kv/default/greeting").expect(404);
    assert!(!exists(host, "/kv/kv-exists/default/greeting"));
    // Deleting a missing key is not an error.
    host.delete("/kv/kv/default/greeting").expect(200);
}

/// Every byte value round-trips, and an empty value is a value.
pub fn values_are_binary_safe(host: &Host) {
    let value: Vec<u8> = (0..=255u8).rev().chain(0..=255u8).collect();
    host.put("/kv/kv/default/bin", value.clone()).expect(200);
    assert_eq!(host.get("/kv/kv/default/bin").expect(200).body, value);
    assert_eq!(host.get("/kv/wkv/default/bin").expect(200).body, value);
    host.put("/kv/kv/default/empty", Vec::new()).expect(200);
    assert_eq!(
        host.get("/kv/kv/default/empty").expect(200).body,
        Vec::<u8>::new()
    );
    assert!(exists(host, "/kv/kv-exists/default/empty"));
}

/// `get-keys` lists exactly the keys of the label it is asked on.
pub fn get_keys_lists_the_keys_of_that_store(host: &Host) {
    assert_eq!(host.get("/kv/kv/default").expect(200).json(), json!([]));
    for key in ["b", "a", "c"] {
        host.put(&format!("/kv/kv/default/{key}"), key).expect(200);
    }
    host.put("/kv/kv/other/zzz", "other store").expect(200);
    host.delete("/kv/kv/default/c").expect(200);
    assert_eq!(
        host.get("/kv/kv/default").expect(200).json(),
        json!(["a", "b"])
    );
    assert_eq!(host.get("/kv/kv/other").expect(200).json(), json!(["zzz"]));
}

/// One key name in `default` and `other` holds two values.
pub fn labels_hold_their_own_values(host: &Host) {
    host.put("/kv/kv/default/shared", "in default").expect(200);
    host.put("/kv/kv/other/shared", "in other").expect(200);
    assert_eq!(text(host, "/kv/kv/default/shared"), "in default");
    assert_eq!(text(host, "/kv/kv/other/shared"), "in other");
}

/// A label not granted to the component is `AccessDenied`, on both APIs.
pub fn undeclared_label_is_access_denied(host: &Host) {
    // Declared elsewhere in the app but not for this component.
    host.get("/limited/kv/other/k").expect_error("AccessDenied");
    host.put("/limited/kv/other/k", "v")
        .expect_error("AccessDenied");
    // Declared nowhere.
    host.get("/kv/kv/nonexistent/k")
        .expect_error("AccessDenied");
    // A component without key_value_stores can't open even `default`.
    host.get("/none/kv/default/k").expect_error("AccessDenied");
    // Same rules for wasi:keyvalue.
    host.get("/limited/wkv/other/k")
        .expect_error("AccessDenied");
    host.get("/none/wkv/default/k").expect_error("AccessDenied");
    // And it still works where declared.
    host.put("/limited/kv/default/k", "v").expect(200);
}

pub fn spin_and_wasi_apis_see_the_same_store(host: &Host) {
    host.put("/kv/kv/default/from-spin", "spin").expect(200);
    assert_eq!(text(host, "/kv/wkv/default/from-spin"), "spin");
    host.put("/kv/wkv/default/from-wasi", "wasi").expect(200);
    assert_eq!(text(host, "/kv/kv/default/from-wasi"), "wasi");
    assert!(exists(host, "/kv/wkv-exists/default/from-wasi"));
    host.delete("/kv/wkv/default/from-wasi").expect(200);
    host.get("/kv/kv/default/from-wasi").expect(404);
    assert!(!exists(host, "/kv/wkv-exists/default/from-wasi"));
}

/// Counter `n` in `default` starts at 0 and ends at -4.
pub fn increment_starts_at_zero_and_adds_delta(host: &Host) {
    assert_eq!(incr(host, "default", "n", 5), 5);
    assert_eq!(incr(host, "default", "n", 1), 6);
    assert_eq!(incr(host, "default", "n", -10), -4);
    assert_eq!(incr(host, "default", "n", 0), -4);
}

/// 8 threads × 25 increments of `hits` in `default`: every value 1..=200 is seen exactly once.
/// Returns the total (the final value).
pub fn concurrent_increments_are_atomic(host: &Host) -> i64 {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 25;
    let results: Vec<i64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    (0..PER_THREAD)
                        .map(|_| incr(host, "default", "hits", 1))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let total = (THREADS * PER_THREAD) as i64;
    let seen: BTreeSet<i64> = results.iter().copied().collect();
    assert_eq!(results.len() as i64, total);
    assert_eq!(seen, (1..=total).collect::<BTreeSet<_>>());
    total
}

/// `doc` in `default` goes from v1 to v2.
pub fn compare_and_swap_succeeds_when_the_value_is_unchanged(host: &Host) {
    host.put("/kv/wkv/default/doc", "v1").expect(200);
    let resp = host
        .post("/kv/wkv/default/cas/doc?expect=v1", "v2")
        .expect(200);
    assert_eq!(resp.json(), json!({"swapped": true}));
    assert_eq!(text(host, "/kv/wkv/default/doc"), "v2");
}

/// `fresh` in `default` is created by a swap from "absent".
pub fn compare_and_swap_on_a_missing_key_inserts_it(host: &Host) {
    let resp = host
        .post("/kv/wkv/default/cas/fresh?expect=__none__", "first")
        .expect(200);
    assert_eq!(resp.json(), json!({"swapped": true}));
    assert_eq!(text(host, "/kv/kv/default/fresh"), "first");
}

pub fn compare_and_swap_reports_the_current_value_to_a_stale_reader(host: &Host) {
    host.put("/kv/wkv/default/doc", "actual").expect(200);
    let resp = host
        .post("/kv/wkv/default/cas/doc?expect=stale", "new")
        .expect(409);
    assert_eq!(resp.json()["current"], "actual");
    assert_eq!(text(host, "/kv/wkv/default/doc"), "actual");
}

/// The probe writes "sneaky" to `doc` between `current()` and `swap`: the swap is `cas-failed`
/// and hands back a fresh CAS that has read "sneaky".
pub fn compare_and_swap_fails_when_the_value_changed_after_current(host: &Host) {
    host.put("/kv/wkv/default/doc", "v1").expect(200);
    let resp = host
        .post("/kv/wkv/default/cas/doc?expect=v1&interfere=sneaky", "v2")
        .expect(409)
        .json();
    assert_eq!(resp["swapped"], false);
    assert_eq!(
        resp["cas_failed"], true,
        "swap must return cas-failed: {resp}"
    );
    assert_eq!(resp["current"], "sneaky");
    assert_eq!(text(host, "/kv/wkv/default/doc"), "sneaky");
}

/// A swap on a handle whose `current()` was never called writes whatever is there (Spin: the
/// SQLite store upserts, the Redis store `WATCH`es only in `current()`).
pub fn a_swap_without_current_writes_unconditionally(host: &Host) {
    host.post("/kv/wkv/default/cas/blind?skip_current=1", "created")
        .expect(200);
    assert_eq!(text(host, "/kv/kv/default/blind"), "created");
    host.post("/kv/wkv/default/cas/blind?skip_current=1", "replaced")
        .expect(200);
    assert_eq!(text(host, "/kv/kv/default/blind"), "replaced");
}

/// `set-many`, `delete-many`, `get-many` on `default`; leaves exactly `a` = "1" and `b` = "2".
pub fn batch_set_delete_and_get_many(host: &Host) {
    host.put("/kv/wkv/default/old", "gone soon").expect(200);
    let resp = host
        .post_json(
            "/kv/wkv/default/batch",
            &json!({
                "set": {"a": "1", "b": "2", "c": "3"},
                "delete": ["c", "old", "never-existed"],
                "get": ["a", "b", "c", "old", "zz"],
            }),
        )
        .expect(200)
        .json();
    assert_eq!(
        resp["got"],
        json!({"a": "1", "b": "2", "c": null, "old": null, "zz": null})
    );
    assert_eq!(text(host, "/kv/kv/default/a"), "1");
    host.get("/kv/kv/default/old").expect(404);
    // Empty batches are no-ops (as in Spin's host, before any store sees them).
    let resp = host
        .post_json("/kv/wkv/default/batch", &json!({}))
        .expect(200)
        .json();
    assert_eq!(resp["got"], json!({}));
}

/// `list-keys` of `label` without a cursor returns every key; with one it is unsupported.
pub fn list_keys_returns_all_keys_and_refuses_a_cursor(host: &Host, label: &str) {
    for key in ["k2", "k1", "k3"] {
        host.put(&format!("/kv/wkv/{label}/{key}"), "x").expect(200);
    }
    let resp = host.get(&format!("/kv/wkv/{label}")).expect(200).json();
    assert_eq!(
        resp,
        json!({"keys": ["k1", "k2", "k3"], "cursor": Value::Null})
    );
    // Spin: `other("list_keys: cursor not supported")`, whatever the store.
    host.get(&format!("/kv/wkv/{label}?cursor=k1"))
        .expect_error("Other");
}
