//! Outbound HTTP conformance: `allowed_outbound_hosts` enforcement and service chaining
//! (`http://<component-id>.spin.internal`).
//!
//! Reference: Spin 4.0.2 `crates/outbound-networking-config/src/allowed_hosts.rs` (host/port
//! matching; `http://*.spin.internal` expands to the app's component ids only),
//! `crates/factor-outbound-http/src/wasi.rs` (a disallowed URL fails with
//! `ErrorCode::HttpRequestDenied`) and `crates/trigger-http/src/outbound_http.rs` (chaining).
//! The probe reports a failed `spin_sdk::http::send` as `{"error": "Http(ErrorCode::...)"}`.

mod common;

use common::{Host, Launch, probe_source};
use serde_json::{Value, json};

fn manifest(upstream_port: u16) -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "outbound"

[variables]
upstream = {{ default = "http://127.0.0.1:{upstream_port}" }}

[[trigger.http]]
route = "/caller/..."
component = "caller"

[[trigger.http]]
route = "/wild/..."
component = "wild"

[[trigger.http]]
route = "/denied/..."
component = "denied"

[[trigger.http]]
route = "/templated/..."
component = "templated"

[[trigger.http]]
route = "/backend/..."
component = "backend"

[[trigger.http]]
route = {{ private = true }}
component = "hidden"

[component.caller]
source = {src}
allowed_outbound_hosts = [
    "http://127.0.0.1:{upstream_port}",
    "http://backend.spin.internal",
    "http://hidden.spin.internal",
]

[component.wild]
source = {src}
allowed_outbound_hosts = ["http://*.spin.internal"]

[component.denied]
source = {src}

[component.templated]
source = {src}
allowed_outbound_hosts = ["{{{{ upstream }}}}"]

[component.backend]
source = {src}
environment = {{ PROBE_NAME = "backend" }}

[component.hidden]
source = {src}
environment = {{ PROBE_NAME = "hidden" }}
"#
    )
}

struct Setup {
    host: Host,
    upstream: u16,
}

fn start() -> Setup {
    let upstream = common::start_upstream();
    let host = Launch::new(manifest(upstream)).start();
    Setup { host, upstream }
}

/// Asks the component mounted at `prefix` to send a request; returns the raw probe response.
fn send(host: &Host, prefix: &str, request: Value) -> common::Resp {
    host.post_json(&format!("{prefix}/outbound"), &request)
}

/// Sends and expects success; returns `{"status", "headers", "body"}`.
fn send_ok(host: &Host, prefix: &str, request: Value) -> Value {
    send(host, prefix, request).expect(200).json()
}

fn body_json(outbound: &Value) -> Value {
    serde_json::from_str(outbound["body"].as_str().expect("body string")).expect("body is JSON")
}

#[test]
fn allowed_host_request_reaches_the_upstream() {
    let s = start();
    let out = send_ok(
        &s.host,
        "/caller",
        json!({
            "method": "POST",
            "url": format!("http://127.0.0.1:{}/some/path?q=1", s.upstream),
            "headers": {"x-test": "42", "content-type": "text/plain"},
            "body": "hello upstream",
        }),
    );
    assert_eq!(out["status"], 200);
    assert_eq!(out["headers"]["x-upstream"], "yes");
    let seen = body_json(&out);
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/some/path?q=1");
    assert_eq!(seen["headers"]["x-test"], "42");
    assert_eq!(seen["body"], "hello upstream");
}

#[test]
fn host_not_in_allowed_outbound_hosts_is_denied() {
    let s = start();
    let url = format!("http://127.0.0.1:{}/", s.upstream);
    send(&s.host, "/denied", json!({"url": url})).expect_error("HttpRequestDenied");
}

#[test]
fn allowed_host_on_another_port_is_denied() {
    let s = start();
    let other = common::start_upstream();
    let url = format!("http://127.0.0.1:{other}/");
    send(&s.host, "/caller", json!({"url": url})).expect_error("HttpRequestDenied");
    // Another host name for the same address is a different host.
    let url = format!("http://localhost:{}/", s.upstream);
    send(&s.host, "/caller", json!({"url": url})).expect_error("HttpRequestDenied");
}

#[test]
fn allowed_outbound_hosts_can_be_templated_from_variables() {
    let s = start();
    let url = format!("http://127.0.0.1:{}/templated", s.upstream);
    let out = send_ok(&s.host, "/templated", json!({"url": url}));
    assert_eq!(body_json(&out)["path"], "/templated");
}

#[test]
fn service_chaining_reaches_a_public_component() {
    let s = start();
    let out = send_ok(
        &s.host,
        "/caller",
        json!({"url": "http://backend.spin.internal/env"}),
    );
    assert_eq!(out["status"], 200);
    assert_eq!(body_json(&out)["PROBE_NAME"], "backend");
}

#[test]
fn service_chaining_reaches_a_private_component() {
    let s = start();
    let out = send_ok(
        &s.host,
        "/caller",
        json!({"url": "http://hidden.spin.internal/env"}),
    );
    assert_eq!(body_json(&out)["PROBE_NAME"], "hidden");
}

#[test]
fn chained_request_is_routed_as_a_wildcard_match_on_its_path() {
    let s = start();
    let out = send_ok(
        &s.host,
        "/caller",
        json!({"url": "http://hidden.spin.internal/deep/path/headers?x=1"}),
    );
    let dump = body_json(&out);
    assert_eq!(dump["probe"], "hidden");
    assert_eq!(dump["headers"]["spin-path-info"], "/deep/path/headers");
    assert_eq!(dump["headers"]["spin-matched-route"], "/...");
}

#[test]
fn chained_request_carries_method_body_and_status() {
    let s = start();
    let out = send_ok(
        &s.host,
        "/caller",
        json!({
            "method": "POST",
            "url": "http://backend.spin.internal/echo",
            "headers": {"content-type": "text/x-chained"},
            "body": "ping",
        }),
    );
    assert_eq!(out["status"], 200);
    assert_eq!(out["body"], "ping");
    assert_eq!(out["headers"]["content-type"], "text/x-chained");
    let out = send_ok(
        &s.host,
        "/caller",
        json!({"url": "http://backend.spin.internal/status/418"}),
    );
    assert_eq!(out["status"], 418);
    assert_eq!(out["body"], "status 418");
}

#[test]
fn service_chaining_without_permission_is_denied() {
    let s = start();
    send(
        &s.host,
        "/denied",
        json!({"url": "http://backend.spin.internal/env"}),
    )
    .expect_error("HttpRequestDenied");
    // `caller` may chain to backend and hidden only.
    send(
        &s.host,
        "/caller",
        json!({"url": "http://wild.spin.internal/env"}),
    )
    .expect_error("HttpRequestDenied");
}

#[test]
fn wildcard_service_chaining_allows_every_component() {
    let s = start();
    for (id, name) in [("backend", "backend"), ("hidden", "hidden")] {
        let out = send_ok(
            &s.host,
            "/wild",
            json!({"url": format!("http://{id}.spin.internal/env")}),
        );
        assert_eq!(body_json(&out)["PROBE_NAME"], name);
    }
}

#[test]
fn chaining_to_an_unknown_component_is_an_error() {
    let s = start();
    // `*.spin.internal` only expands to the app's component ids, so this is denied.
    send(
        &s.host,
        "/wild",
        json!({"url": "http://no-such-component.spin.internal/"}),
    )
    .expect_error("HttpRequestDenied");
    // The wildcard does not open up other hosts.
    let url = format!("http://127.0.0.1:{}/", s.upstream);
    send(&s.host, "/wild", json!({"url": url})).expect_error("HttpRequestDenied");
}
