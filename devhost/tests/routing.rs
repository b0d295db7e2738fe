//! HTTP trigger conformance: route matching, the `spin-*` request headers, well-known
//! endpoints, status/body pass-through, traps and concurrency.
//!
//! Reference: Spin 4.0.2 `crates/routes/src/lib.rs` (matching), `crates/trigger-http/src/
//! headers.rs` (headers) and `crates/trigger-http/src/server.rs` (well-known paths, 404/500).

mod common;

use std::time::{Duration, Instant};

use common::{Host, Launch, probe_source};
use serde_json::Value;

fn routing_manifest() -> String {
    let src = probe_source();
    // Declared in an order where "first match" would give wrong answers: the catch-all and the
    // shorter prefix come first.
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "routing"
version = "1.2.3"

[[trigger.http]]
route = "/..."
component = "catchall"

[[trigger.http]]
route = "/one/..."
component = "one-wild"

[[trigger.http]]
route = "/one"
component = "one-exact"

[[trigger.http]]
route = "/one/two/..."
component = "one-two-wild"

[[trigger.http]]
route = "/users/:id/posts/:post"
component = "named"

[[trigger.http]]
route = "/files/:bucket/..."
component = "named-wild"

[[trigger.http]]
route = "/dup/..."
component = "dup-first"

[[trigger.http]]
route = "/dup/..."
component = "dup-second"

[[trigger.http]]
route = {{ private = true }}
component = "hidden"

[component.catchall]
source = {src}
environment = {{ PROBE_NAME = "catchall" }}

[component.one-wild]
source = {src}
environment = {{ PROBE_NAME = "one-wild" }}

[component.one-exact]
source = {src}
environment = {{ PROBE_NAME = "one-exact" }}

[component.one-two-wild]
source = {src}
environment = {{ PROBE_NAME = "one-two-wild" }}

[component.named]
source = {src}
environment = {{ PROBE_NAME = "named" }}

[component.named-wild]
source = {src}
environment = {{ PROBE_NAME = "named-wild" }}

[component.dup-first]
source = {src}
environment = {{ PROBE_NAME = "dup-first" }}

[component.dup-second]
source = {src}
environment = {{ PROBE_NAME = "dup-second" }}

[component.hidden]
source = {src}
environment = {{ PROBE_NAME = "hidden" }}
"#
    )
}

/// Only `/api/...` and a private component: everything else must 404.
fn narrow_manifest() -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "narrow"

[[trigger.http]]
route = "/api/..."
component = "api"

[[trigger.http]]
route = {{ private = true }}
component = "hidden"

[component.api]
source = {src}
environment = {{ PROBE_NAME = "api" }}

[component.hidden]
source = {src}
environment = {{ PROBE_NAME = "hidden" }}
"#
    )
}

/// GETs `path` and returns the probe's request dump.
fn dump(host: &Host, path: &str) -> Value {
    host.get(path).expect(200).json()
}

fn probe(dump: &Value) -> &str {
    dump["probe"].as_str().unwrap_or("<none>")
}

fn header<'a>(dump: &'a Value, name: &str) -> Option<&'a str> {
    dump["headers"][name].as_str()
}

#[test]
fn exact_route_beats_wildcard() {
    let host = common::start(routing_manifest());
    let d = dump(&host, "/one");
    assert_eq!(probe(&d), "one-exact");
    assert_eq!(header(&d, "spin-matched-route"), Some("/one"));
    assert_eq!(header(&d, "spin-path-info"), Some(""));
}

#[test]
fn longest_wildcard_prefix_wins_regardless_of_declaration_order() {
    let host = common::start(routing_manifest());
    assert_eq!(probe(&dump(&host, "/one/headers")), "one-wild");
    assert_eq!(probe(&dump(&host, "/one/two/headers")), "one-two-wild");
    assert_eq!(
        probe(&dump(&host, "/one/two/three/four/headers")),
        "one-two-wild"
    );
    assert_eq!(probe(&dump(&host, "/one-and-more/headers")), "catchall");
    assert_eq!(probe(&dump(&host, "/headers")), "catchall");
}

#[test]
fn wildcard_route_sets_spin_headers_like_spin() {
    let host = common::start(routing_manifest());
    let d = host
        .request(
            "GET",
            "/one/two/three/headers?x=1&y=two",
            &[("x-custom", "kept")],
            None,
        )
        .expect(200)
        .json();
    assert_eq!(probe(&d), "one-two-wild");
    assert_eq!(header(&d, "spin-path-info"), Some("/three/headers"));
    assert_eq!(header(&d, "spin-matched-route"), Some("/one/two/..."));
    assert_eq!(header(&d, "spin-raw-component-route"), Some("/one/two/..."));
    assert_eq!(header(&d, "spin-component-route"), Some("/one/two"));
    assert_eq!(header(&d, "spin-base-path"), Some("/"));
    let full_url = format!(
        "http://127.0.0.1:{}/one/two/three/headers?x=1&y=two",
        host.port
    );
    assert_eq!(header(&d, "spin-full-url"), Some(full_url.as_str()));
    // The guest sees an absolute URI built from the Host header.
    assert_eq!(d["uri"], full_url.as_str());
    assert_eq!(d["method"], "GET");
    // Ordinary request headers are passed through (`host` is a wasi-http forbidden header; the
    // guest gets the authority through the URI instead).
    assert_eq!(header(&d, "x-custom"), Some("kept"));
}

#[test]
fn client_address_header_is_the_peer_socket_address() {
    let host = common::start(routing_manifest());
    let d = dump(&host, "/one/headers");
    let addr: std::net::SocketAddr = header(&d, "spin-client-addr")
        .expect("spin-client-addr header")
        .parse()
        .expect("spin-client-addr is ip:port");
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_ne!(addr.port(), host.port, "client port, not the server port");
}

#[test]
fn catch_all_route_has_empty_component_route() {
    let host = common::start(routing_manifest());
    let d = dump(&host, "/nothing/here/headers");
    assert_eq!(probe(&d), "catchall");
    assert_eq!(header(&d, "spin-matched-route"), Some("/..."));
    assert_eq!(header(&d, "spin-raw-component-route"), Some("/..."));
    assert_eq!(header(&d, "spin-component-route"), Some(""));
    assert_eq!(header(&d, "spin-path-info"), Some("/nothing/here/headers"));
}

#[test]
fn trailing_wildcard_path_info_keeps_trailing_slash() {
    let host = common::start(routing_manifest());
    // `/one/two/...` matched by `/one/two` (no trailing part) and `/one/two/` ("/").
    let d = dump(&host, "/one/two");
    assert_eq!(probe(&d), "one-two-wild");
    assert_eq!(header(&d, "spin-path-info"), Some(""));
    let d = dump(&host, "/one/two/");
    assert_eq!(probe(&d), "one-two-wild");
    assert_eq!(header(&d, "spin-path-info"), Some("/"));
    let d = dump(&host, "/one/two/x/headers/");
    assert_eq!(header(&d, "spin-path-info"), Some("/x/headers/"));
}

#[test]
fn named_segments_set_path_match_headers() {
    let host = common::start(routing_manifest());
    let d = dump(&host, "/users/42/posts/seven");
    assert_eq!(probe(&d), "named");
    assert_eq!(header(&d, "spin-path-match-id"), Some("42"));
    assert_eq!(header(&d, "spin-path-match-post"), Some("seven"));
    assert_eq!(
        header(&d, "spin-matched-route"),
        Some("/users/:id/posts/:post")
    );
    assert_eq!(header(&d, "spin-path-info"), Some(""));
}

#[test]
fn named_segment_with_trailing_wildcard_sets_both() {
    let host = common::start(routing_manifest());
    let d = dump(&host, "/files/bucket-1/a/b/headers");
    assert_eq!(probe(&d), "named-wild");
    assert_eq!(header(&d, "spin-path-match-bucket"), Some("bucket-1"));
    assert_eq!(header(&d, "spin-path-info"), Some("/a/b/headers"));
    assert_eq!(header(&d, "spin-component-route"), Some("/files/:bucket"));
}

#[test]
fn duplicate_route_is_served_by_the_last_declared_component() {
    let host = common::start(routing_manifest());
    assert_eq!(probe(&dump(&host, "/dup/headers")), "dup-second");
}

#[test]
fn unmatched_path_returns_404() {
    let host = common::start(narrow_manifest());
    assert_eq!(probe(&dump(&host, "/api/headers")), "api");
    let resp = host.get("/other/headers");
    assert_eq!(resp.status, 404);
    assert_eq!(host.get("/").status, 404);
    assert_eq!(host.get("/apix/headers").status, 404);
}

#[test]
fn private_component_is_not_reachable_from_outside() {
    let host = common::start(narrow_manifest());
    assert_eq!(host.get("/hidden/headers").status, 404);
    // A service-chaining Host header from outside must not reach it either.
    let resp = host.request(
        "GET",
        "/hidden/headers",
        &[("host", "hidden.spin.internal")],
        None,
    );
    assert_eq!(resp.status, 404);
}

/// Sends `request` as raw bytes on a fresh connection; returns the status line, or `None` when
/// the server closed the connection without writing anything.
fn raw_status_line(host: &Host, request: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(host.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(2).any(|w| w == b"\r\n") {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no answer and no close within 10 s: {e}"),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().map(str::to_string)
}

/// Spin 4.0.2 removes a service-chaining `Host` (`headers::strip_forbidden_headers`), then
/// rebuilds the URI of a routed request from `Host` (`server::set_req_uri`); when that fails its
/// `HttpServer::handle` returns the error to hyper, which closes the connection without a
/// response (checked on `spin up`: "Empty reply from server"). Not a 400.
#[test]
fn routed_request_without_a_usable_host_gets_no_response() {
    let host = common::start(routing_manifest());
    let refused = [
        // A component's internal name from outside: removed, and then no Host is left.
        "POST /hidden/headers HTTP/1.1\r\nHost: hidden.spin.internal\r\nContent-Length: 2\r\n\r\n{}",
        "GET /one/headers HTTP/1.1\r\nHost: catchall.spin.internal:80\r\n\r\n",
        "GET /one/headers HTTP/1.1\r\n\r\n",
        "GET /one/headers HTTP/1.0\r\n\r\n",
        "GET /one/headers HTTP/1.1\r\nHost: a b\r\n\r\n",
        "GET http://a.example/one/headers HTTP/1.1\r\nHost: b.example\r\n\r\n",
    ];
    for request in refused {
        assert_eq!(
            raw_status_line(&host, request),
            None,
            "{request:?} was answered"
        );
    }
    // Before routing, the well-known paths answer whatever the Host.
    let health = "GET /.well-known/spin/health HTTP/1.1\r\nHost: hidden.spin.internal\r\n\r\n";
    assert_eq!(
        raw_status_line(&host, health).as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    // An absolute-form target keeps its authority when the Host header is removed; routing is by
    // path, so the public catch-all serves it.
    let absolute =
        "GET http://hidden.spin.internal/x/headers HTTP/1.1\r\nHost: hidden.spin.internal\r\n\r\n";
    assert_eq!(
        raw_status_line(&host, absolute).as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    // The server keeps serving: the refusals closed only their own connections.
    assert_eq!(probe(&dump(&host, "/one/headers")), "one-wild");
}

#[test]
fn health_endpoint_answers_ok() {
    let host = common::start(narrow_manifest());
    let resp = host.get("/.well-known/spin/health").expect(200);
    assert_eq!(resp.text(), "OK");
}

#[test]
fn info_endpoint_reports_app_name_and_version() {
    let host = common::start(routing_manifest());
    let info = host.get("/.well-known/spin/info").expect(200).json();
    assert_eq!(info["name"], "routing");
    assert_eq!(info["version"], "1.2.3");
}

#[test]
fn unknown_well_known_path_is_404_even_with_a_catch_all_route() {
    let host = common::start(routing_manifest());
    assert_eq!(host.get("/.well-known/spin/nope").status, 404);
}

#[test]
fn component_status_and_body_are_passed_through() {
    let host = common::start(narrow_manifest());
    let resp = host.get("/api/status/418");
    assert_eq!(resp.status, 418);
    assert_eq!(resp.text(), "status 418");
    let resp = host.get("/api/status/201");
    assert_eq!(resp.status, 201);
    // Redirects are not followed by the client; the Location-less 302 arrives as is.
    assert_eq!(host.get("/api/status/302").status, 302);
}

#[test]
fn request_body_and_content_type_round_trip() {
    let host = common::start(narrow_manifest());
    let body: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let resp = host.request(
        "POST",
        "/api/echo",
        &[("content-type", "application/x-custom")],
        Some(body.clone()),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/x-custom"));
    assert_eq!(resp.body, body);
}

#[test]
fn request_method_reaches_the_component() {
    let host = common::start(narrow_manifest());
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
        let d = host
            .request(method, "/api/headers", &[], None)
            .expect(200)
            .json();
        assert_eq!(d["method"], method);
    }
}

#[test]
fn trap_returns_500_and_the_host_keeps_serving() {
    let host = common::start(narrow_manifest());
    let resp = host.get("/api/panic");
    assert_eq!(resp.status, 500);
    // A fresh instance per request: the next one works.
    assert_eq!(probe(&dump(&host, "/api/headers")), "api");
    assert_eq!(host.get("/api/panic").status, 500);
    assert_eq!(host.get("/api/status/204").status, 204);
}

#[test]
fn requests_are_handled_concurrently() {
    let host = common::start(narrow_manifest());
    host.get("/api/sleep/0").expect(200); // warm up
    let start = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| host.get("/api/sleep/1500").status))
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 200);
        }
    });
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_millis(4500),
        "4 parallel 1.5 s requests took {elapsed:?}: requests seem to be serialised"
    );
}

#[test]
fn hello_fixture_answers_hello_world() {
    let src = common::toml_path(&common::wasm("fixture-hello"));
    let host = Launch::new(format!(
        r#"
spin_manifest_version = 2
[application]
name = "hello"
[[trigger.http]]
route = "/..."
component = "hello"
[component.hello]
source = {src}
"#
    ))
    .start();
    let resp = host.get("/anything").expect(200);
    assert_eq!(resp.text(), "Hello, world!");
}
