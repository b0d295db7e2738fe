//! Python components: a componentize-py 0.17.2 / spin-sdk 3.4.1 component of world
//! `fermyon:spin/spin-all@2.0.0` (HTTP handler and Redis handler in one, like the reports
//! context) instantiates, serves HTTP, handles Redis messages, reads variables, uses
//! `wasi:keyvalue` compare-and-swap, `fermyon:spin/key-value` and outbound Redis, and gets the
//! interface's own error from the interfaces devhost only links (Postgres, MySQL, MQTT, LLM).
//!
//! The fixture is `devhost/fixtures/python/conformance/app.py`, built by the test itself
//! through `scripts/python-env` (cached under `target/devhost-fixtures/python/`). Expected
//! values were checked against Spin 4.0.2 running the same component.

mod common;

use std::time::{Duration, Instant};

use common::{Host, Launch, Redis, RedisExt, eventually, python_fixture, toml_path};
use serde_json::{Value, json};

const CHANNEL: &str = "py-events";
const RECEIVED: &str = "py:received";

fn manifest(redis: &Redis, extra_hosts: &[&str]) -> String {
    let src = toml_path(&python_fixture("conformance"));
    let url = redis.url();
    let mut hosts = vec![format!("\"{url}\"")];
    hosts.extend(extra_hosts.iter().map(|h| format!("\"{h}\"")));
    let hosts = hosts.join(", ");
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "python-conformance"

[application.trigger.redis]
address = "{url}"

[variables]
redis_address = {{ required = true }}

[[trigger.http]]
route = "/py/..."
component = "py"

[[trigger.redis]]
channel = "{CHANNEL}"
component = "py"

[component.py]
source = {src}
key_value_stores = ["reports"]
allowed_outbound_hosts = [{hosts}]

[component.py.variables]
redis_address = "{{{{ redis_address }}}}"
received_key = "{RECEIVED}"
greeting = "annyeong"
"#
    )
}

const SPIN_STORE: &str = r#"
[key_value_store.reports]
type = "spin"
path = ".spin/reports.db"
"#;

fn start(redis: &Redis) -> Host {
    launch(redis, &[]).runtime_config(SPIN_STORE).start()
}

fn launch(redis: &Redis, extra_hosts: &[&str]) -> Launch {
    Launch::new(manifest(redis, extra_hosts)).variable("redis_address", &redis.url())
}

fn redis_op(host: &Host, body: Value) -> Value {
    host.post_json("/py/redis", &body).expect(200).json()
}

#[test]
fn python_component_serves_http_and_reads_its_variables() {
    let redis = Redis::start();
    let host = start(&redis);
    assert_eq!(
        host.get("/py/hello").expect(200).json(),
        json!({"hello": "python", "method": "GET"})
    );
    assert_eq!(
        host.get("/py/var/greeting").expect(200).json(),
        json!({"value": "annyeong"})
    );
    assert_eq!(
        host.get("/py/var/redis_address").expect(200).json(),
        json!({"value": redis.url()})
    );
    // Spin 4.0.2 answers exactly this for a name the component does not declare.
    host.get("/py/var/nope")
        .expect_error(r#"Error_Undefined(value='no variable for "py"."nope"')"#);
    assert_eq!(
        host.get("/py/config/greeting").expect(200).json(),
        json!({"value": "annyeong"})
    );
    assert_eq!(
        host.get("/py/config/nope").expect(200).json(),
        json!({"value": null})
    );
}

#[test]
fn python_component_uses_outbound_redis_including_eval_replies() {
    let redis = Redis::start();
    let host = start(&redis);
    assert_eq!(
        redis_op(&host, json!({"op": "set", "key": "a", "value": "1"})),
        json!({"ok": true})
    );
    assert_eq!(
        redis_op(&host, json!({"op": "incr", "key": "a"})),
        json!({"value": 2})
    );
    assert_eq!(
        redis_op(&host, json!({"op": "get", "key": "a"})),
        json!({"value": "2"})
    );
    assert_eq!(
        redis_op(&host, json!({"op": "get", "key": "missing"})),
        json!({"value": null})
    );
    assert_eq!(
        redis_op(
            &host,
            json!({"op": "sadd", "key": "s", "values": ["x", "y", "z"]})
        ),
        json!({"value": 3})
    );
    assert_eq!(
        redis_op(
            &host,
            json!({"op": "srem", "key": "s", "values": ["z", "never"]})
        ),
        json!({"value": 1})
    );
    assert_eq!(
        redis_op(&host, json!({"op": "smembers", "key": "s"})),
        json!({"value": ["x", "y"]})
    );
    assert_eq!(
        redis_op(&host, json!({"op": "del", "keys": ["a", "s", "never"]})),
        json!({"value": 2})
    );
    // EVAL: nested arrays are flattened, status and nil (Lua false) keep their types.
    let script = r#"return {1, "two", {3, "four"}, redis.status_reply("FINE"), false}"#;
    assert_eq!(
        redis_op(
            &host,
            json!({"op": "execute", "command": "EVAL", "args": [script, 0]})
        ),
        json!({"value": [
            {"int64": 1}, {"binary": "two"}, {"int64": 3}, {"binary": "four"},
            {"status": "FINE"}, {"nil": null}
        ]})
    );
    // A cjson-encoded reply, as the reports context reads streams.
    let script = r#"redis.call("XADD", KEYS[1], "*", "k", "v"); return cjson.encode(redis.call("XRANGE", KEYS[1], "-", "+"))"#;
    let reply = redis_op(
        &host,
        json!({"op": "execute", "command": "EVAL", "args": [script, 1, "stream"]}),
    );
    let encoded = reply["value"][0]["binary"].as_str().expect("one binary");
    let entries: Value = serde_json::from_str(encoded).expect("cjson");
    assert_eq!(entries[0][1], json!(["k", "v"]));
    host.post_json(
        "/py/redis",
        &json!({"op": "execute", "command": "EVAL", "args": ["return redis.error_reply('boom')", 0]}),
    )
    .expect_error("Error_Other(value='An error was signalled by the server - ResponseError: boom')");

    // PUBLISH reaches a subscriber.
    let mut sub = redis.conn();
    let mut pubsub = sub.as_pubsub();
    pubsub.subscribe("news").unwrap();
    pubsub
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(
        redis_op(
            &host,
            json!({"op": "publish", "channel": "news", "message": "extra"})
        ),
        json!({"ok": true})
    );
    let msg = pubsub.get_message().expect("published message");
    assert_eq!(msg.get_payload::<String>().unwrap(), "extra");

    // An address outside allowed_outbound_hosts.
    let other = format!("redis://127.0.0.1:{}", common::free_port());
    host.post_json(
        "/py/redis",
        &json!({"op": "get", "key": "a", "address": other}),
    )
    .expect_error("Error_InvalidAddress");
}

fn counts_with_cas(host: &Host) {
    const THREADS: usize = 4;
    const EACH: usize = 10;
    // Created once before the race: on Spin's SQLite store a swap from "absent" is an upsert, so
    // two first writers could both win (as on Spin); compare-and-swap guards existing values.
    assert_eq!(
        host.post("/py/count/total?delta=0", "").expect(200).json()["n"],
        json!(0)
    );
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..EACH {
                    host.post("/py/count/total", "").expect(200);
                }
            });
        }
    });
    // No lost update: every increment is in the value.
    let expected = THREADS * EACH;
    assert_eq!(
        host.post("/py/count/total?delta=0", "").expect(200).json()["n"],
        json!(expected)
    );
    // fermyon:spin/key-value@2.0.0 sees the same store.
    assert_eq!(
        host.get("/py/kv/total").expect(200).json(),
        json!({"n": expected})
    );
    host.put("/py/kv/plain", "bytes").expect(200);
    assert_eq!(host.get("/py/kv/plain").expect(200).text(), "bytes");
    host.get("/py/kv/missing").expect(404);
    // wasi:keyvalue/atomics increment.
    assert_eq!(
        host.post("/py/incr/hits", "").expect(200).json(),
        json!({"value": 1})
    );
    assert_eq!(
        host.post("/py/incr/hits", "").expect(200).json(),
        json!({"value": 2})
    );
}

#[test]
fn python_component_counts_with_key_value_cas_without_lost_updates() {
    let redis = Redis::start();
    let host = start(&redis);
    counts_with_cas(&host);
}

#[test]
fn python_component_counts_with_key_value_cas_on_a_redis_backed_store() {
    let redis = Redis::start();
    let host = launch(&redis, &[])
        .runtime_config(format!(
            "[key_value_store.reports]\ntype = \"redis\"\nurl = \"{}\"\n",
            redis.url()
        ))
        .start();
    counts_with_cas(&host);
}

#[test]
fn python_component_handles_redis_messages() {
    let redis = Redis::start();
    let host = start(&redis);
    redis.wait_for_subscribers(CHANNEL, 1, Duration::from_secs(10));
    assert_eq!(redis.publish(CHANNEL, "first"), 1);
    eventually(Duration::from_secs(20), "the first message handled", || {
        (redis.list(RECEIVED) == ["first"]).then_some(())
    });
    // The handler's compare-and-swap on the `reports` store, read over HTTP.
    eventually(Duration::from_secs(10), "the message counter", || {
        let resp = host.get("/py/kv/messages");
        (resp.status == 200 && resp.json() == json!({"n": 1})).then_some(())
    });
    // A handler error is logged and the message dropped; the next one is handled.
    redis.publish(CHANNEL, "fail");
    redis.publish(CHANNEL, "second");
    eventually(
        Duration::from_secs(20),
        "the second message handled",
        || (redis.list(RECEIVED) == ["first", "second"]).then_some(()),
    );
    eventually(Duration::from_secs(10), "the failure logged", || {
        host.stderr()
            .contains("Component py handler failed")
            .then_some(())
    });
}

#[test]
fn python_component_gets_errors_from_unsupported_interfaces() {
    let redis = Redis::start();
    let host = start(&redis);
    // As Spin 4.0.2 answers a component without these grants.
    let denied = |a: &str| format!("Error_ConnectionFailed(value='address {a} is not permitted')");
    assert_eq!(
        host.get("/py/unsupported").expect(200).json(),
        json!({
            "postgres2": denied("postgres://127.0.0.1:5432"),
            "postgres3": denied("postgres://127.0.0.1:5432"),
            "postgres4": denied("postgres://127.0.0.1:5432"),
            "mysql": denied("mysql://127.0.0.1:3306/db"),
            "mqtt": denied("mqtt://127.0.0.1:1883"),
            "llm": "Error_InvalidInput(value=\"The component does not have access to use 'llama2-chat'. To give the component access, add 'llama2-chat' to the 'ai_models' key for the component in your spin.toml manifest\")",
        })
    );
    drop(host);
    // Allowed, but devhost has no client for them.
    let host = launch(
        &redis,
        &[
            "postgres://127.0.0.1:5432",
            "mysql://127.0.0.1:3306",
            "mqtt://127.0.0.1:1883",
        ],
    )
    .runtime_config(SPIN_STORE)
    .start();
    let answers = host.get("/py/unsupported").expect(200).json();
    for name in ["postgres2", "postgres3", "postgres4", "mysql", "mqtt"] {
        let answer = answers[name].as_str().expect("an error");
        assert!(
            answer.starts_with("Error_ConnectionFailed(")
                && answer.contains("not supported by devhost"),
            "{name}: {answer}"
        );
    }
}

/// The time from spawning `devhost up` to a healthy answer, and the `.cwasm` files of `cache`
/// with their modification times.
fn timed_start(
    redis: &Redis,
    cache: &std::path::Path,
) -> (
    Host,
    Duration,
    Vec<(std::path::PathBuf, std::time::SystemTime)>,
) {
    let started = Instant::now();
    let host = launch(redis, &[])
        .runtime_config(SPIN_STORE)
        .arg("--cache-dir")
        .arg(cache.to_str().expect("UTF-8"))
        .start();
    let elapsed = started.elapsed();
    let mut files: Vec<_> = std::fs::read_dir(cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .map(|p| {
            let modified = std::fs::metadata(&p).and_then(|m| m.modified()).unwrap();
            (p, modified)
        })
        .collect();
    files.sort();
    (host, elapsed, files)
}

#[test]
fn python_component_is_compiled_once_then_loaded_from_the_cache() {
    let redis = Redis::start();
    let cache = tempfile::tempdir().expect("cache dir");
    python_fixture("conformance"); // not part of the timing
    let (host, first, compiled) = timed_start(&redis, cache.path());
    assert_eq!(compiled.len(), 1, "one compiled component: {compiled:?}");
    host.get("/py/hello").expect(200);
    drop(host);
    let (host, second, after) = timed_start(&redis, cache.path());
    host.get("/py/hello").expect(200);
    // Loaded, not compiled again: the file is untouched.
    assert_eq!(after, compiled);
    eprintln!("python component: first start {first:?} (compile), second start {second:?} (cache)");
}
