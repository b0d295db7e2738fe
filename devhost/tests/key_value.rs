//! Key-value conformance: `fermyon:spin/key-value@2.0.0` and `wasi:keyvalue@0.2.0-draft2`
//! (store, atomics, batch) backed by Spin's SQLite store layout. The behaviour every store type
//! shares is in `common/kv.rs`; the Redis store's suite is `key_value_redis.rs`.
//!
//! Reference: Spin 4.0.2 `crates/factor-key-value/src/host.rs` (permissions: a label not in
//! `key_value_stores` → `AccessDenied`; `list-keys` with a cursor is unsupported) and
//! `crates/key-value-spin/src/store.rs` (increment = 8-byte little-endian i64; CAS semantics).

mod common;

use common::kv::{self, incr, text};
use common::{Host, Launch, store_grants_manifest};
use serde_json::json;

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

#[test]
fn spin_store_set_get_delete_exists() {
    kv::set_get_delete_exists(&start());
}

#[test]
fn spin_store_values_are_binary_safe() {
    kv::values_are_binary_safe(&start());
}

#[test]
fn spin_store_get_keys_lists_exactly_the_keys_of_that_store() {
    kv::get_keys_lists_the_keys_of_that_store(&start());
}

#[test]
fn labels_are_separate_stores_in_their_configured_files() {
    let host = start();
    kv::labels_hold_their_own_values(&host);
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
    assert_eq!(incr(&host, "default", "counter", 41), 41);
    host.restart();
    assert_eq!(text(&host, "/kv/kv/default/persisted"), "still here");
    assert_eq!(text(&host, "/kv/kv/other/persisted"), "also here");
    assert_eq!(incr(&host, "default", "counter", 1), 42);
}

#[test]
fn undeclared_label_is_access_denied() {
    kv::undeclared_label_is_access_denied(&start());
}

#[test]
fn spin_and_wasi_apis_see_the_same_store() {
    kv::spin_and_wasi_apis_see_the_same_store(&start());
}

#[test]
fn increment_starts_at_zero_and_adds_delta() {
    kv::increment_starts_at_zero_and_adds_delta(&start());
}

#[test]
fn increment_stores_an_eight_byte_little_endian_i64() {
    let host = start();
    assert_eq!(incr(&host, "other", "raw", 258), 258);
    let bytes = host.get("/kv/wkv/other/raw").expect(200).body;
    assert_eq!(bytes, 258i64.to_le_bytes().to_vec());
    assert_eq!(incr(&host, "other", "raw", -1000), -742);
    assert_eq!(
        host.get("/kv/kv/other/raw").expect(200).body,
        (-742i64).to_le_bytes().to_vec()
    );
    // An existing little-endian value is continued from.
    host.put("/kv/wkv/other/preset", 1_000_000i64.to_le_bytes().to_vec())
        .expect(200);
    assert_eq!(incr(&host, "other", "preset", 1), 1_000_001);
}

#[test]
fn concurrent_increments_are_atomic() {
    let host = start();
    let total = kv::concurrent_increments_are_atomic(&host);
    assert_eq!(
        host.get("/kv/wkv/default/hits").expect(200).body,
        total.to_le_bytes().to_vec()
    );
}

#[test]
fn compare_and_swap_succeeds_when_value_is_unchanged() {
    kv::compare_and_swap_succeeds_when_the_value_is_unchanged(&start());
}

#[test]
fn compare_and_swap_on_a_missing_key_inserts_it() {
    kv::compare_and_swap_on_a_missing_key_inserts_it(&start());
}

#[test]
fn compare_and_swap_from_absent_is_an_upsert_like_spin() {
    // Spin's SQLite store swaps from "absent" with an upsert, so a value written between
    // `current()` and `swap` is overwritten (the Redis store refuses this swap).
    let host = start();
    let resp = host
        .post(
            "/kv/wkv/default/cas/fresh?expect=__none__&interfere=sneaky",
            "mine",
        )
        .expect(200);
    assert_eq!(resp.json(), json!({"swapped": true}));
    assert_eq!(text(&host, "/kv/kv/default/fresh"), "mine");
}

#[test]
fn a_swap_without_current_writes_unconditionally_as_in_spin() {
    kv::a_swap_without_current_writes_unconditionally(&start());
}

#[test]
fn compare_and_swap_reports_the_current_value_to_a_stale_reader() {
    kv::compare_and_swap_reports_the_current_value_to_a_stale_reader(&start());
}

#[test]
fn compare_and_swap_fails_when_the_value_changed_after_current() {
    kv::compare_and_swap_fails_when_the_value_changed_after_current(&start());
}

#[test]
fn batch_set_delete_and_get_many() {
    kv::batch_set_delete_and_get_many(&start());
}

#[test]
fn list_keys_returns_all_keys_and_rejects_a_cursor_like_spin() {
    kv::list_keys_returns_all_keys_and_refuses_a_cursor(&start(), "other");
}

#[test]
fn wal_prepares_spin_stores_and_the_mode_sticks_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("nested/store.db");
    let config = dir.path().join("rc.toml");
    std::fs::write(
        &config,
        format!(
            "[key_value_store.cache]\ntype = \"spin\"\npath = {:?}\n\n[key_value_store.remote]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:1/0\"\n",
            store
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_devhost"))
        .args(["wal", "--runtime-config-file"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A fresh connection (as a host's would be) finds the file in WAL mode.
    let conn = rusqlite::Connection::open(&store).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(String::from_utf8_lossy(&out.stdout).contains("cache:"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("remote:"));
}
