//! Redis conformance: outbound `fermyon:spin/redis@2.0.0` and the Redis trigger.
//!
//! Reference: Spin 4.0.2 `crates/factor-outbound-redis/src/host.rs` (operations; `execute`
//! flattens nested array replies; an address not in `allowed_outbound_hosts` →
//! `InvalidAddress`) and `crates/trigger-redis/src/lib.rs` (one subscriber per server, every
//! component on a channel gets every message, a handler error doesn't stop the listener).

mod common;

use std::time::Duration;

use common::{Host, Launch, Redis, RedisExt, probe_source};
use serde_json::{Value, json};

fn outbound_manifest(redis_port: u16) -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "redis-outbound"

[[trigger.http]]
route = "/r/..."
component = "r"

[[trigger.http]]
route = "/norights/..."
component = "norights"

[component.r]
source = {src}
allowed_outbound_hosts = ["redis://127.0.0.1:{redis_port}"]

[component.norights]
source = {src}
"#
    )
}

struct Outbound {
    redis: Redis,
    host: Host,
}

fn start_outbound() -> Outbound {
    let redis = Redis::start();
    let host = Launch::new(outbound_manifest(redis.port)).start();
    Outbound { redis, host }
}

impl Outbound {
    fn op(&self, mut body: Value) -> common::Resp {
        body["address"] = json!(self.redis.url());
        self.host.post_json("/r/redis", &body)
    }

    fn ok(&self, body: Value) -> Value {
        self.op(body).expect(200).json()
    }
}

#[test]
fn set_then_get_round_trips_and_missing_key_is_null() {
    let t = start_outbound();
    assert_eq!(
        t.ok(json!({"op": "set", "key": "k", "value": "v1"})),
        json!({"ok": true})
    );
    assert_eq!(
        t.ok(json!({"op": "get", "key": "k"})),
        json!({"value": "v1"})
    );
    assert_eq!(
        t.ok(json!({"op": "get", "key": "missing"})),
        json!({"value": null})
    );
    // Visible to an ordinary client.
    let v: String = redis::cmd("GET")
        .arg("k")
        .query(&mut t.redis.conn())
        .unwrap();
    assert_eq!(v, "v1");
}

#[test]
fn incr_counts_up_from_zero() {
    let t = start_outbound();
    assert_eq!(t.ok(json!({"op": "incr", "key": "n"})), json!({"value": 1}));
    assert_eq!(t.ok(json!({"op": "incr", "key": "n"})), json!({"value": 2}));
    t.ok(json!({"op": "set", "key": "n", "value": "41"}));
    assert_eq!(
        t.ok(json!({"op": "incr", "key": "n"})),
        json!({"value": 42})
    );
}

#[test]
fn del_returns_the_number_of_removed_keys() {
    let t = start_outbound();
    t.ok(json!({"op": "set", "key": "a", "value": "1"}));
    t.ok(json!({"op": "set", "key": "b", "value": "2"}));
    assert_eq!(
        t.ok(json!({"op": "del", "keys": ["a", "b", "never"]})),
        json!({"value": 2})
    );
    assert_eq!(
        t.ok(json!({"op": "get", "key": "a"})),
        json!({"value": null})
    );
}

#[test]
fn set_operations_add_list_and_remove_members() {
    let t = start_outbound();
    assert_eq!(
        t.ok(json!({"op": "sadd", "key": "s", "values": ["x", "y", "z"]})),
        json!({"value": 3})
    );
    assert_eq!(
        t.ok(json!({"op": "sadd", "key": "s", "values": ["x", "w"]})),
        json!({"value": 1})
    );
    assert_eq!(
        t.ok(json!({"op": "smembers", "key": "s"})),
        json!({"values": ["w", "x", "y", "z"]})
    );
    assert_eq!(
        t.ok(json!({"op": "srem", "key": "s", "values": ["x", "nope"]})),
        json!({"value": 1})
    );
    assert_eq!(
        t.ok(json!({"op": "smembers", "key": "s"})),
        json!({"values": ["w", "y", "z"]})
    );
    assert_eq!(
        t.ok(json!({"op": "smembers", "key": "empty"})),
        json!({"values": []})
    );
}

#[test]
fn sadd_on_a_string_key_is_an_error() {
    let t = start_outbound();
    t.ok(json!({"op": "set", "key": "str", "value": "x"}));
    let resp = t.op(json!({"op": "sadd", "key": "str", "values": ["a"]}));
    assert_eq!(resp.status, 500);
}

#[test]
fn publish_reaches_subscribers() {
    let t = start_outbound();
    let mut con = t.redis.conn();
    let mut pubsub = con.as_pubsub();
    pubsub.subscribe("news").unwrap();
    pubsub
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    t.redis
        .wait_for_subscribers("news", 1, Duration::from_secs(10));
    assert_eq!(
        t.ok(json!({"op": "publish", "channel": "news", "value": "extra extra"})),
        json!({"ok": true})
    );
    let msg = pubsub
        .get_message()
        .expect("message published by the component");
    assert_eq!(msg.get_channel_name(), "news");
    assert_eq!(msg.get_payload::<String>().unwrap(), "extra extra");
}

#[test]
fn execute_maps_reply_types() {
    let t = start_outbound();
    let exec = |command: &str, args: Value| {
        t.ok(json!({"op": "execute", "command": command, "args": args}))
    };
    assert_eq!(exec("SET", json!(["ek", "ev"])), json!([{"status": "OK"}]));
    assert_eq!(exec("GET", json!(["ek"])), json!([{"binary": "ev"}]));
    assert_eq!(exec("GET", json!(["missing"])), json!([{"nil": null}]));
    // Integer arguments are sent as Redis integers.
    assert_eq!(exec("INCRBY", json!(["counter", 5])), json!([{"int64": 5}]));
    assert_eq!(
        exec("INCRBY", json!(["counter", -7])),
        json!([{"int64": -2}])
    );
    assert_eq!(
        exec("RPUSH", json!(["list", "a", "b", 3])),
        json!([{"int64": 3}])
    );
    assert_eq!(
        exec("LRANGE", json!(["list", 0, -1])),
        json!([{"binary": "a"}, {"binary": "b"}, {"binary": "3"}])
    );
    assert_eq!(exec("LRANGE", json!(["nothing", 0, -1])), json!([]));
}

#[test]
fn execute_flattens_nested_array_replies() {
    let t = start_outbound();
    let out = t.ok(json!({
        "op": "execute",
        "command": "EVAL",
        "args": ["return {1, {2, 3}, 'x', {}}", 0],
    }));
    assert_eq!(
        out,
        json!([{"int64": 1}, {"int64": 2}, {"int64": 3}, {"binary": "x"}])
    );
    // XRANGE replies are arrays of [id, [field, value, ...]].
    let id = t.ok(json!({"op": "execute", "command": "XADD", "args": ["stream", "1-1", "f", "v"]}));
    assert_eq!(id, json!([{"binary": "1-1"}]));
    let out = t.ok(json!({"op": "execute", "command": "XRANGE", "args": ["stream", "-", "+"]}));
    assert_eq!(
        out,
        json!([{"binary": "1-1"}, {"binary": "f"}, {"binary": "v"}])
    );
}

#[test]
fn execute_reports_server_errors() {
    let t = start_outbound();
    let resp = t.op(json!({"op": "execute", "command": "NOSUCHCOMMAND", "args": []}));
    assert_eq!(resp.status, 500);
}

#[test]
fn address_not_in_allowed_outbound_hosts_is_invalid_address() {
    let t = start_outbound();
    let mut body = json!({"op": "get", "key": "k", "address": t.redis.url()});
    t.host
        .post_json("/norights/redis", &body)
        .expect_error("InvalidAddress");
    // Same host, other port.
    body["address"] = json!(format!("redis://127.0.0.1:{}", common::free_port()));
    t.host
        .post_json("/r/redis", &body)
        .expect_error("InvalidAddress");
}

// -------------------------------------------------------------------------------------------------
// Redis trigger

fn trigger_manifest(redis_port: u16) -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "redis-trigger"

[application.trigger.redis]
address = "{{{{ redis_address }}}}"

[variables]
redis_address = {{ default = "redis://127.0.0.1:{redis_port}" }}
events = {{ default = "events" }}

[[trigger.http]]
route = "/probe/..."
component = "web"

[[trigger.redis]]
channel = "{{{{ events }}}}"
component = "listener"

[[trigger.redis]]
channel = "events"
component = "second-listener"

[[trigger.redis]]
channel = "other"
component = "other-listener"

[component.web]
source = {src}

[component.listener]
source = {src}
allowed_outbound_hosts = ["redis://127.0.0.1:{redis_port}"]

[component.listener.variables]
redis_address = "{{{{ redis_address }}}}"
received_key = "received"

[component.second-listener]
source = {src}
allowed_outbound_hosts = ["{{{{ redis_address }}}}"]

[component.second-listener.variables]
redis_address = "{{{{ redis_address }}}}"
received_key = "received-2"

[component.other-listener]
source = {src}
allowed_outbound_hosts = ["{{{{ redis_address }}}}"]

[component.other-listener.variables]
redis_address = "{{{{ redis_address }}}}"
received_key = "received-other"
"#
    )
}

const SUBSCRIBE_DEADLINE: Duration = Duration::from_secs(30);
const DELIVERY_DEADLINE: Duration = Duration::from_secs(30);

fn start_trigger() -> (Redis, Host) {
    let redis = Redis::start();
    let host = Launch::new(trigger_manifest(redis.port)).start();
    redis.wait_for_subscribers("events", 1, SUBSCRIBE_DEADLINE);
    redis.wait_for_subscribers("other", 1, SUBSCRIBE_DEADLINE);
    (redis, host)
}

/// Waits until `key` holds `expected.len()` items, gives stragglers a moment, and returns the
/// list sorted.
fn settle(redis: &Redis, key: &str, expected: usize) -> Vec<String> {
    common::eventually(
        DELIVERY_DEADLINE,
        &format!("{expected} item(s) in {key}"),
        || (redis.list(key).len() >= expected).then_some(()),
    );
    std::thread::sleep(Duration::from_millis(500));
    let mut items = redis.list(key);
    items.sort();
    items
}

#[test]
fn each_published_message_is_handled_exactly_once() {
    let (redis, _host) = start_trigger();
    let messages: Vec<String> = (0..20).map(|i| format!("m{i:02}")).collect();
    for m in &messages {
        redis.publish("events", m);
    }
    assert_eq!(settle(&redis, "received", messages.len()), messages);
}

#[test]
fn every_component_on_a_channel_receives_each_message() {
    let (redis, _host) = start_trigger();
    for m in ["one", "two", "three"] {
        redis.publish("events", m);
    }
    let expected = vec!["one".to_owned(), "three".to_owned(), "two".to_owned()];
    assert_eq!(settle(&redis, "received", 3), expected);
    assert_eq!(settle(&redis, "received-2", 3), expected);
    // A component on another channel sees none of them...
    assert!(redis.list("received-other").is_empty());
    // ...but does get its own channel's messages.
    redis.publish("other", "elsewhere");
    assert_eq!(
        settle(&redis, "received-other", 1),
        vec!["elsewhere".to_owned()]
    );
}

#[test]
fn a_failing_handler_does_not_stop_later_messages() {
    let (redis, host) = start_trigger();
    redis.publish("events", "before");
    redis.publish("events", "fail");
    redis.publish("events", "after");
    assert_eq!(
        settle(&redis, "received", 2),
        vec!["after".to_owned(), "before".to_owned()]
    );
    // HTTP keeps working too.
    host.get("/probe/headers").expect(200);
}

#[test]
fn binary_payloads_are_delivered_unchanged() {
    let (redis, _host) = start_trigger();
    let payload: Vec<u8> = vec![0, 159, 146, 150, 255, b'\n', b'x'];
    let _: i64 = redis::cmd("PUBLISH")
        .arg("events")
        .arg(payload.as_slice())
        .query(&mut redis.conn())
        .unwrap();
    common::eventually(DELIVERY_DEADLINE, "the binary payload received", || {
        let len: i64 = redis::cmd("LLEN")
            .arg("received")
            .query(&mut redis.conn())
            .unwrap();
        (len > 0).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    let got: Vec<Vec<u8>> = redis::cmd("LRANGE")
        .arg("received")
        .arg(0)
        .arg(-1)
        .query(&mut redis.conn())
        .unwrap();
    assert_eq!(got, vec![payload]);
}

/// Spin 4.0.2 itself exits when the subscription connection drops; devhost is meant for long
/// dev sessions and must instead resubscribe once the server is back.
#[test]
fn trigger_reconnects_after_a_redis_restart() {
    let (redis, host) = start_trigger();
    redis.publish("events", "first");
    assert_eq!(settle(&redis, "received", 1), vec!["first".to_owned()]);

    let port = redis.stop();
    std::thread::sleep(Duration::from_millis(500));
    let redis = Redis::start_on(port);
    redis.wait_for_subscribers("events", 1, Duration::from_secs(60));
    redis.publish("events", "second");
    // The restarted server has no data: only the new message is there.
    assert_eq!(settle(&redis, "received", 1), vec!["second".to_owned()]);
    host.get("/probe/headers").expect(200);
}
