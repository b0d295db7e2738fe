//! End-to-end: the guestbook fixture app (devhost/fixtures/guestbook), started from its real
//! manifest and runtime config — the same files `spin up` uses.

mod common;

use std::time::Duration;

use common::{Host, Launch, Redis, RedisExt};
use serde_json::{Value, json};

fn guestbook_dir() -> std::path::PathBuf {
    cinema_testkit::workspace_root().join("devhost/fixtures/guestbook")
}

fn start_guestbook(redis: &Redis, extra: &[(&str, &str)]) -> Host {
    // Fail early with the build hint if the components are missing.
    for name in ["guestbook-web", "guestbook-store", "guestbook-audit"] {
        common::wasm(name);
    }
    let dir = guestbook_dir();
    let mut launch = Launch::manifest_file(dir.join("spin.toml"))
        .runtime_config_file(dir.join("runtime-config.toml"))
        .variable("redis_address", &redis.url());
    for (k, v) in extra {
        launch = launch.variable(k, v);
    }
    let host = launch.start();
    // The auditor must be subscribed before anything is signed.
    redis.wait_for_subscribers("guestbook", 1, Duration::from_secs(30));
    host
}

fn sign(host: &Host, name: &str, message: &str) -> Value {
    host.post_json("/sign", &json!({"name": name, "message": message}))
        .expect(201)
        .json()
}

#[test]
fn signing_returns_the_stored_entry_with_a_greeting() {
    let redis = Redis::start();
    let host = start_guestbook(&redis, &[]);
    let entry = sign(&host, "Ada", "Hello from the analytical engine");
    assert_eq!(entry["id"], 1);
    assert_eq!(entry["name"], "Ada");
    assert_eq!(entry["message"], "Hello from the analytical engine");
    assert_eq!(entry["greeting"], "Welcome, Ada!");
    let second = sign(&host, "Grace", "Found a moth");
    assert_eq!(second["id"], 2);
}

#[test]
fn entries_lists_signatures_in_order() {
    let redis = Redis::start();
    let host = start_guestbook(&redis, &[]);
    sign(&host, "Ada", "first");
    sign(&host, "Grace", "second");
    let entries = host.get("/entries").expect(200).json();
    assert_eq!(
        entries,
        json!([
            {"id": 1, "name": "Ada", "message": "first"},
            {"id": 2, "name": "Grace", "message": "second"},
        ])
    );
    // The relative SQLite path in runtime-config.toml resolves against the working directory.
    assert!(host.dir().join(".spin/guestbook.db").is_file());
}

#[test]
fn stats_eventually_show_every_signature_audited() {
    let redis = Redis::start();
    let host = start_guestbook(&redis, &[]);
    for i in 0..5 {
        sign(&host, &format!("signer{i}"), "hi");
    }
    let stats = common::eventually(Duration::from_secs(30), "every signature audited", || {
        let stats = host.get("/stats").expect(200).json();
        (stats["audited"] == stats["signatures"]).then_some(stats)
    });
    assert_eq!(stats, json!({"signatures": 5, "audited": 5}));
    let mut audit = redis.list("guestbook:audit");
    audit.sort();
    assert_eq!(
        audit,
        (1..=5).map(|i| format!("audited:{i}")).collect::<Vec<_>>()
    );
}

#[test]
fn invalid_signatures_are_rejected_with_400() {
    let redis = Redis::start();
    let host = start_guestbook(&redis, &[]);
    for body in [
        json!({"name": "", "message": "no name"}),
        json!({"name": "   ", "message": "blank name"}),
        json!({"name": "Ada"}),
        json!({"name": "Ada", "message": ""}),
        json!({"name": "x".repeat(101), "message": "too long a name"}),
    ] {
        let resp = host.post_json("/sign", &body);
        assert_eq!(resp.status, 400, "{body} → {}", resp.text());
        assert!(resp.json()["error"].is_string());
    }
    let resp = host.post("/sign", "not json");
    assert_eq!(resp.status, 400);
    // Nothing was stored or counted.
    assert_eq!(host.get("/entries").expect(200).json(), json!([]));
    assert_eq!(
        host.get("/stats").expect(200).json(),
        json!({"signatures": 0, "audited": 0})
    );
}

#[test]
fn greeting_variable_can_be_overridden() {
    let redis = Redis::start();
    let host = start_guestbook(&redis, &[("greeting", "Bonjour")]);
    assert_eq!(sign(&host, "Ada", "salut")["greeting"], "Bonjour, Ada!");
}

#[test]
fn unknown_paths_and_methods_are_rejected() {
    let redis = Redis::start();
    let host = start_guestbook(&redis, &[]);
    assert_eq!(host.get("/nope").status, 404);
    assert_eq!(host.get("/sign").status, 405);
}

#[test]
fn signatures_survive_a_restart() {
    let redis = Redis::start();
    let mut host = start_guestbook(&redis, &[]);
    sign(&host, "Ada", "before restart");
    host.restart();
    redis.wait_for_subscribers("guestbook", 1, Duration::from_secs(30));
    let entry = sign(&host, "Grace", "after restart");
    assert_eq!(entry["id"], 2);
    assert_eq!(entry["signatures"], 2, "the key-value counter persisted");
    assert_eq!(
        host.get("/entries")
            .expect(200)
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
