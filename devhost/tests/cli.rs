//! `devhost up` command-line behaviour: `--component-id`, path resolution, state dir and
//! component logs, and clear startup failures.
//!
//! Reference: Spin 4.0.2 `crates/app/src/lib.rs` (`retain_components`: unknown id →
//! `Specified component "x" not found in application`), `crates/factor-outbound-networking/
//! src/allowed_hosts.rs` (`validate_service_chaining_for_components`),
//! `crates/runtime-config/src/lib.rs` (state dir, logs dir) and the key-value / SQLite factors
//! (every used label must be configured).

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::{Launch, probe_source};

fn two_component_manifest() -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "pair"

[[trigger.http]]
route = "/a/..."
component = "alpha"

[[trigger.http]]
route = "/b/..."
component = "beta"

[[trigger.http]]
route = "/c/..."
component = "gamma"

[component.alpha]
source = {src}
environment = {{ PROBE_NAME = "alpha" }}
key_value_stores = ["default"]

[component.beta]
source = {src}
environment = {{ PROBE_NAME = "beta" }}

[component.gamma]
source = {src}
environment = {{ PROBE_NAME = "gamma" }}
allowed_outbound_hosts = ["http://beta.spin.internal"]
"#
    )
}

fn minimal_manifest(component_extra: &str) -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "minimal"

[[trigger.http]]
route = "/..."
component = "main"

[component.main]
source = {src}
{component_extra}
"#
    )
}

#[test]
fn component_id_runs_only_the_named_component() {
    let host = Launch::new(two_component_manifest())
        .component_id("alpha")
        .start();
    assert_eq!(host.get("/a/headers").expect(200).json()["probe"], "alpha");
    assert_eq!(host.get("/b/headers").status, 404);
    assert_eq!(host.get("/c/headers").status, 404);
}

#[test]
fn component_id_can_be_repeated() {
    let host = Launch::new(two_component_manifest())
        .component_id("alpha")
        .component_id("beta")
        .start();
    assert_eq!(host.get("/a/headers").expect(200).json()["probe"], "alpha");
    assert_eq!(host.get("/b/headers").expect(200).json()["probe"], "beta");
    assert_eq!(host.get("/c/headers").status, 404);
}

#[test]
fn unknown_component_id_fails_startup() {
    let (_status, stderr) = Launch::new(two_component_manifest())
        .component_id("nope")
        .expect_failure();
    assert!(
        stderr.contains("nope"),
        "stderr should name the component:\n{stderr}"
    );
}

#[test]
fn component_id_may_not_drop_a_service_chaining_target() {
    // gamma may chain to beta: running gamma without beta is rejected, as Spin does.
    let (_status, stderr) = Launch::new(two_component_manifest())
        .component_id("gamma")
        .expect_failure();
    assert!(
        stderr.contains("beta"),
        "stderr should name the chaining target:\n{stderr}"
    );
    let host = Launch::new(two_component_manifest())
        .component_id("gamma")
        .component_id("beta")
        .start();
    assert_eq!(host.get("/c/headers").expect(200).json()["probe"], "gamma");
}

#[test]
fn relative_source_resolves_against_the_manifest_directory() {
    let wasm = std::fs::read(common::wasm("fixture-conformance")).unwrap();
    let manifest = r#"
spin_manifest_version = 2
[application]
name = "relative"
[[trigger.http]]
route = "/..."
component = "main"
[component.main]
source = "components/probe.wasm"
"#;
    // The manifest is in <tmp>/app/, devhost runs in <tmp>/.
    let host = Launch::new(manifest)
        .manifest_at("app/spin.toml")
        .file("app/components/probe.wasm", wasm)
        .start();
    host.get("/headers").expect(200);
}

#[test]
fn state_dir_defaults_to_dot_spin_next_to_the_manifest() {
    let host = Launch::new(minimal_manifest(r#"key_value_stores = ["default"]"#))
        .manifest_at("app/spin.toml")
        .without_state_dir()
        .start();
    host.put("/kv/default/k", "v").expect(200);
    assert!(
        host.dir().join("app/.spin/sqlite_key_value.db").is_file(),
        "default key-value store should be at <manifest dir>/.spin/sqlite_key_value.db"
    );
}

#[test]
fn default_sqlite_database_lives_in_the_state_dir() {
    let host = Launch::new(minimal_manifest(r#"sqlite_databases = ["default"]"#)).start();
    host.post_json(
        "/sqlite/default",
        &serde_json::json!({"sql": "CREATE TABLE t (x)"}),
    )
    .expect(200);
    assert!(host.state_dir().join("sqlite_db.db").is_file());
}

#[test]
fn component_output_goes_to_per_component_log_files() {
    let host = Launch::new(minimal_manifest("")).start();
    host.post("/log", "line for stdout").expect(200);
    host.post("/log?stream=stderr", "line for stderr")
        .expect(200);
    let logs = host.state_dir().join("logs");
    common::eventually(
        Duration::from_secs(10),
        "both lines in the log files",
        || {
            let out = std::fs::read_to_string(logs.join("main_stdout.txt")).ok()?;
            let err = std::fs::read_to_string(logs.join("main_stderr.txt")).ok()?;
            (out.contains("line for stdout") && err.contains("line for stderr")).then_some(())
        },
    );
    let out = std::fs::read_to_string(logs.join("main_stdout.txt")).unwrap();
    assert!(
        !out.contains("line for stderr"),
        "streams are kept apart: {out}"
    );
}

#[test]
fn invalid_manifest_fails_with_a_message_naming_the_file() {
    let (_status, stderr) = common::spawn_expect_failure(
        "spin_manifest_version = 2\n[application\nname = ",
        None,
        &[],
    );
    assert!(
        stderr.contains("spin.toml"),
        "stderr should name the manifest:\n{stderr}"
    );
}

#[test]
fn unsupported_manifest_version_fails() {
    let manifest =
        minimal_manifest("").replace("spin_manifest_version = 2", "spin_manifest_version = 99");
    let (_status, stderr) = common::spawn_expect_failure(&manifest, None, &[]);
    assert!(!stderr.trim().is_empty());
}

#[test]
fn trigger_referencing_an_undefined_component_fails() {
    let manifest = format!(
        "{}\n[[trigger.http]]\nroute = \"/ghost/...\"\ncomponent = \"ghost\"\n",
        minimal_manifest("")
    );
    let (_status, stderr) = common::spawn_expect_failure(&manifest, None, &[]);
    assert!(
        stderr.contains("ghost"),
        "stderr should name the component:\n{stderr}"
    );
}

#[test]
fn missing_wasm_file_fails_with_its_path() {
    let manifest = r#"
spin_manifest_version = 2
[application]
name = "missing"
[[trigger.http]]
route = "/..."
component = "main"
[component.main]
source = "does-not-exist/missing-component.wasm"
"#;
    let (_status, stderr) = common::spawn_expect_failure(manifest, None, &[]);
    assert!(
        stderr.contains("missing-component.wasm"),
        "stderr should name the missing file:\n{stderr}"
    );
}

#[test]
fn key_value_label_without_runtime_config_fails_startup() {
    let manifest = minimal_manifest(r#"key_value_stores = ["default", "unconfigured_kv"]"#);
    let (_status, stderr) = common::spawn_expect_failure(&manifest, None, &[]);
    assert!(
        stderr.contains("unconfigured_kv"),
        "stderr should name the label:\n{stderr}"
    );
}

#[test]
fn key_value_label_defined_in_runtime_config_starts() {
    let manifest = minimal_manifest(r#"key_value_stores = ["configured_kv"]"#);
    let host = Launch::new(manifest)
        .runtime_config(
            "[key_value_store.configured_kv]\ntype = \"spin\"\npath = \"configured.db\"\n",
        )
        .start();
    host.put("/kv/configured_kv/k", "v").expect(200);
    assert!(host.dir().join("configured.db").is_file());
}

#[test]
fn sqlite_label_without_runtime_config_fails_startup() {
    let manifest = minimal_manifest(r#"sqlite_databases = ["unconfigured_db"]"#);
    let (_status, stderr) = common::spawn_expect_failure(&manifest, None, &[]);
    assert!(
        stderr.contains("unconfigured_db"),
        "stderr should name the label:\n{stderr}"
    );
}

#[test]
fn listen_port_in_use_fails_startup() {
    let blocker = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();
    let (_status, stderr) = Launch::new(minimal_manifest(""))
        .listen(format!("127.0.0.1:{port}"))
        .expect_failure();
    assert!(
        stderr.contains(&port.to_string()),
        "stderr should name the address in use:\n{stderr}"
    );
    drop(blocker);
}
