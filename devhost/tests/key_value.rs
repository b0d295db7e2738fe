//! Key-value conformance: `fermyon:spin/key-value@2.0.0` and `wasi:keyvalue@0.2.0-draft2`
//! (store, atomics, batch) backed by Spin's SQLite store layout.
//!
//! Reference: Spin 4.0.2 `crates/factor-key-value/src/host.rs` (permissions: a label not in
//! `key_value_stores` → `AccessDenied`; `list-keys` with a cursor is unsupported) and
//! `crates/key-value-spin/src/store.rs` (increment = 8-byte little-endian i64; CAS semantics).

mod common;

use std::collections::BTreeSet;

use common::{Host, Launch, store_grants_manifest};
use serde_json::{Value, json};

/// `other` is a Spin SQLite store at a path relative to the runtime config file's folder.
const RUNTIME_CONFIG: &str = r#"
[key_value_store.other]
type = "spin"
path = "stores/other.db"
"#;

fn start() -> Host {
    let manifest = store_grants_manifest("kv", "key_value_stores", "kv", "other");
    Launch::new(manifest).runtime_config(RUNTIME_CONFIG).start()
}

/// The value at `path` as text (the request must succeed).
#[track_caller]
fn text(host: &Host, path: &str) -> String {
    host.get(path).expect(200).text()
}

/// What the probe's `exists` call at `path` answers (`{"exists": bool}`, nothing else).
#[track_caller]
fn exists(host: &Host, path: &str) -> bool {
    let reply = host.get(path).expect(200).json();
    if reply == json!({"exists": true}) {
        return true;
    }
    assert_eq!(reply, json!({"exists": false}));
    false
}

#[test]
fn spin_store_set_get_delete_exists() {
    let host = start();
    host.get("/kv/kv/default/greeting").expect(404);
    assert!(!exists(&host, "/kv/kv-exists/default/greeting"));

    host.put("/kv/kv/default/greeting", "hello").expect(200);
    assert_eq!(text(&host, "/kv/kv/default/greeting"), "hello");
    assert!(exists(&host, "/kv/kv-exists/default/greeting"));

    host.put("/kv/kv/default/greeting", "replaced").expect(200);
    assert_eq!(text(&host, "/kv/kv/default/greeting"), "replaced");

    host.delete("/kv/kv/default/greeting").expect(200);
    host.get("/kv/kv/default/greeting").expect(404);
    assert!(!exists(&host, "/kv/kv-exists/default/greeting"));
    // Deleting a missing key is not an error.
    host.delete("/kv/kv/default/greeting").expect(200);
}

#[test]
fn spin_store_values_are_binary_safe() {
    let host = start();
    let value: Vec<u8> = (0..=255u8).rev().chain(0..=255u8).collect();
    host.put("/kv/kv/default/bin", value.clone()).expect(200);
    assert_eq!(host.get("/kv/kv/default/bin").expect(200).body, value);
    host.put("/kv/kv/default/empty", Vec::new()).expect(200);
    assert_eq!(
        host.get("/kv/kv/default/empty").expect(200).body,
        Vec::<u8>::new()
    );
}

#[test]
fn spin_store_get_keys_lists_exactly_the_keys_of_that_store() {
    let host = start();
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

#[test]
fn labels_are_separate_stores_in_their_configured_files() {
    let host = start();
    host.put("/kv/kv/default/shared", "in default").expect(200);
    host.put("/kv/kv/other/shared", "in other").expect(200);
    assert_eq!(text(&host, "/kv/kv/default/shared"), "in default");
    assert_eq!(text(&host, "/kv/kv/other/shared"), "in other");
    // `default` lives in the state dir; a relative runtime-config path resolves against the
    // runtime config file's folder.
    assert!(host.state_dir().join("sqlite_key_value.db").is_file());
    assert!(host.dir().join("stores/other.db").is_file());
}

#[test]
fn values_survive_a_restart_with_the_same_state_dir() {
    let mut host = start();
    host.put("/kv/kv/default/persisted", "still here")
        .expect(200);
    host.put("/kv/kv/other/persisted", "also here").expect(200);
    host.post("/kv/wkv/default/incr/counter?delta=41", "")
        .expect(200);
    host.restart();
    assert_eq!(text(&host, "/kv/kv/default/persisted"), "still here");
    assert_eq!(text(&host, "/kv/kv/other/persisted"), "also here");
    assert_eq!(
        host.post("/kv/wkv/default/incr/counter?delta=1", "")
            .expect(200)
            .json(),
        json!({"value": 42})
    );
}

#[test]
fn undeclared_label_is_access_denied() {
    let host = start();
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

#[test]
fn spin_and_wasi_apis_see_the_same_store() {
    let host = start();
    host.put("/kv/kv/default/from-spin", "spin").expect(200);
    assert_eq!(text(&host, "/kv/wkv/default/from-spin"), "spin");
    host.put("/kv/wkv/default/from-wasi", "wasi").expect(200);
    assert_eq!(text(&host, "/kv/kv/default/from-wasi"), "wasi");
    assert!(exists(&host, "/kv/wkv-exists/default/from-wasi"));
    host.delete("/kv/wkv/default/from-wasi").expect(200);
    host.get("/kv/kv/default/from-wasi").expect(404);
}

#[test]
fn increment_starts_at_zero_and_adds_delta() {
    let host = start();
    let incr = |delta: i64| -> i64 {
        host.post(&format!("/kv/wkv/default/incr/n?delta={delta}"), "")
            .expect(200)
            .json()["value"]
            .as_i64()
            .expect("value")
    };
    assert_eq!(incr(5), 5);
    assert_eq!(incr(1), 6);
    assert_eq!(incr(-10), -4);
    assert_eq!(incr(0), -4);
}

#[test]
fn increment_stores_an_eight_byte_little_endian_i64() {
    let host = start();
    host.post("/kv/wkv/other/incr/raw?delta=258", "")
        .expect(200);
    let bytes = host.get("/kv/wkv/other/raw").expect(200).body;
    assert_eq!(bytes, 258i64.to_le_bytes().to_vec());
    host.post("/kv/wkv/other/incr/raw?delta=-1000", "")
        .expect(200);
    assert_eq!(
        host.get("/kv/kv/other/raw").expect(200).body,
        (-742i64).to_le_bytes().to_vec()
    );
    // An existing little-endian value is continued from.
    host.put("/kv/wkv/other/preset", 1_000_000i64.to_le_bytes().to_vec())
        .expect(200);
    assert_eq!(
        host.post("/kv/wkv/other/incr/preset?delta=1", "")
            .expect(200)
            .json(),
        json!({"value": 1_000_001})
    );
}

#[test]
fn concurrent_increments_are_atomic() {
    let host = start();
    const THREADS: usize = 8;
    const PER_THREAD: usize = 25;
    let results: Vec<i64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    (0..PER_THREAD)
                        .map(|_| {
                            host.post("/kv/wkv/default/incr/hits?delta=1", "")
                                .expect(200)
                                .json()["value"]
                                .as_i64()
                                .expect("value")
                        })
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
    // Every increment observed a distinct value: 1..=total, each exactly once.
    let seen: BTreeSet<i64> = results.iter().copied().collect();
    assert_eq!(results.len() as i64, total);
    assert_eq!(seen, (1..=total).collect::<BTreeSet<_>>());
    assert_eq!(
        host.get("/kv/wkv/default/hits").expect(200).body,
        total.to_le_bytes().to_vec()
    );
}

#[test]
fn compare_and_swap_succeeds_when_value_is_unchanged() {
    let host = start();
    host.put("/kv/wkv/default/doc", "v1").expect(200);
    let resp = host
        .post("/kv/wkv/default/cas/doc?expect=v1", "v2")
        .expect(200);
    assert_eq!(resp.json(), json!({"swapped": true}));
    assert_eq!(text(&host, "/kv/wkv/default/doc"), "v2");
}

#[test]
fn compare_and_swap_on_a_missing_key_inserts_it() {
    let host = start();
    let resp = host
        .post("/kv/wkv/default/cas/fresh?expect=__none__", "first")
        .expect(200);
    assert_eq!(resp.json(), json!({"swapped": true}));
    assert_eq!(text(&host, "/kv/kv/default/fresh"), "first");
}

#[test]
fn compare_and_swap_reports_the_current_value_to_a_stale_reader() {
    let host = start();
    host.put("/kv/wkv/default/doc", "actual").expect(200);
    let resp = host
        .post("/kv/wkv/default/cas/doc?expect=stale", "new")
        .expect(409);
    assert_eq!(resp.json()["current"], "actual");
    assert_eq!(text(&host, "/kv/wkv/default/doc"), "actual");
}

#[test]
fn compare_and_swap_fails_when_the_value_changed_after_current() {
    let host = start();
    host.put("/kv/wkv/default/doc", "v1").expect(200);
    // The probe writes "sneaky" between `current()` and `swap`.
    let resp = host
        .post("/kv/wkv/default/cas/doc?expect=v1&interfere=sneaky", "v2")
        .expect(409)
        .json();
    assert_eq!(resp["swapped"], false);
    assert_eq!(
        resp["cas_failed"], true,
        "swap must return cas-failed: {resp}"
    );
    assert_eq!(text(&host, "/kv/wkv/default/doc"), "sneaky");
}

#[test]
fn batch_set_delete_and_get_many() {
    let host = start();
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
    assert_eq!(text(&host, "/kv/kv/default/a"), "1");
    host.get("/kv/kv/default/old").expect(404);
}

#[test]
fn list_keys_returns_all_keys_without_a_cursor() {
    let host = start();
    for key in ["k2", "k1", "k3"] {
        host.put(&format!("/kv/wkv/other/{key}"), "x").expect(200);
    }
    let resp = host.get("/kv/wkv/other").expect(200).json();
    assert_eq!(
        resp,
        json!({"keys": ["k1", "k2", "k3"], "cursor": Value::Null})
    );
}

#[test]
fn list_keys_with_a_cursor_is_rejected_like_spin() {
    // Spin's SQLite store does not support cursors: `other("list_keys: cursor not supported")`.
    let host = start();
    host.put("/kv/wkv/default/k", "x").expect(200);
    host.get("/kv/wkv/default?cursor=k").expect_error("Other");
}
