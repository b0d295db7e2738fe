//! Variables conformance (`fermyon:spin/variables@2.0.0`, `wasi:config/store`) and component
//! `environment`.
//!
//! Reference: Spin 4.0.2 `crates/expressions/src/lib.rs` (templates, `Undefined` for a name the
//! component didn't declare, `InvalidName`), `crates/factor-variables/src/host.rs` (wasi:config
//! maps undefined → `none`), `crates/variables-env` (`SPIN_VARIABLE_<NAME>`) and
//! `crates/runtime-factors/src/build.rs` (`--variable` is the highest-priority provider).

mod common;

use common::{Host, Launch, probe_source};
use serde_json::json;

fn manifest() -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "vars"

[variables]
plain = {{ default = "plain-default" }}
first = {{ default = "a" }}
second = {{ default = "b" }}
required_one = {{ required = true }}
token = {{ default = "s3cr3t", secret = true }}
by_cli = {{ default = "orig" }}
by_env = {{ default = "orig" }}
by_both = {{ default = "orig" }}
unused = {{ default = "never referenced by a component" }}

[[trigger.http]]
route = "/vars/..."
component = "vars"

[[trigger.http]]
route = "/bare/..."
component = "bare"

[component.vars]
source = {src}
environment = {{ GREETING = "hi there", EMPTY = "", PROBE_NAME = "vars" }}

[component.vars.variables]
plain = "{{{{ plain }}}}"
combo = "{{{{ first }}}}-{{{{ second }}}}"
literal = "just text"
req = "{{{{ required_one }}}}"
token = "{{{{ token }}}}"
by_cli = "{{{{ by_cli }}}}"
by_env = "{{{{ by_env }}}}"
by_both = "{{{{ by_both }}}}"

[component.bare]
source = {src}
"#
    )
}

fn launch() -> Launch {
    Launch::new(manifest())
        .variable("required_one", "given")
        .variable("by_cli", "from-cli")
        .variable("by_both", "from-cli")
        .env("SPIN_VARIABLE_BY_ENV", "from-env")
        .env("SPIN_VARIABLE_BY_BOTH", "from-env")
        .env("DEVHOST_TEST_HOST_ONLY", "must not leak")
}

fn var(host: &Host, path: &str) -> String {
    host.get(path).expect(200).json()["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no value for {path}"))
        .to_owned()
}

#[test]
fn component_variable_uses_the_application_default() {
    let host = launch().start();
    assert_eq!(var(&host, "/vars/vars/plain"), "plain-default");
}

#[test]
fn templates_combine_application_variables_and_literals() {
    let host = launch().start();
    assert_eq!(var(&host, "/vars/vars/combo"), "a-b");
    assert_eq!(var(&host, "/vars/vars/literal"), "just text");
}

#[test]
fn cli_variable_overrides_the_default() {
    let host = launch().start();
    assert_eq!(var(&host, "/vars/vars/by_cli"), "from-cli");
}

#[test]
fn spin_variable_env_overrides_the_default() {
    let host = launch().start();
    assert_eq!(var(&host, "/vars/vars/by_env"), "from-env");
}

#[test]
fn cli_variable_beats_environment_variable() {
    let host = launch().start();
    assert_eq!(var(&host, "/vars/vars/by_both"), "from-cli");
}

#[test]
fn cli_variable_overrides_feed_templates() {
    let host = launch().variable("first", "x").start();
    assert_eq!(var(&host, "/vars/vars/combo"), "x-b");
}

#[test]
fn required_variable_can_be_supplied_by_cli_or_env() {
    let host = launch().start();
    assert_eq!(var(&host, "/vars/vars/req"), "given");
    drop(host);
    let host = Launch::new(manifest())
        .env("SPIN_VARIABLE_REQUIRED_ONE", "from-env")
        .start();
    assert_eq!(var(&host, "/vars/vars/req"), "from-env");
}

#[test]
fn missing_required_variable_fails_startup() {
    let (_status, stderr) = Launch::new(manifest()).expect_failure();
    assert!(
        stderr.contains("required_one"),
        "stderr should name the variable:\n{stderr}"
    );
}

#[test]
fn secret_variable_is_readable_by_the_component() {
    let host = launch().start();
    assert_eq!(var(&host, "/vars/vars/token"), "s3cr3t");
}

#[test]
fn undeclared_component_variable_is_undefined() {
    let host = launch().start();
    // Declared as an application variable, but not in this component's [variables].
    host.get("/vars/vars/unused").expect_error("Undefined");
    host.get("/vars/vars/nope").expect_error("Undefined");
    // A component with no variables at all.
    host.get("/bare/vars/plain").expect_error("Undefined");
}

#[test]
fn invalid_variable_name_is_rejected() {
    let host = launch().start();
    host.get("/vars/vars/Not-Valid").expect_error("InvalidName");
}

#[test]
fn wasi_config_sees_the_same_component_variables() {
    let host = launch().start();
    assert_eq!(
        host.get("/vars/config/combo").expect(200).json(),
        json!({"value": "a-b"})
    );
    assert_eq!(
        host.get("/vars/config/by_both").expect(200).json(),
        json!({"value": "from-cli"})
    );
    // Undefined → none (not an error).
    assert_eq!(
        host.get("/vars/config/nope").expect(200).json(),
        json!({"value": null})
    );
    assert_eq!(
        host.get("/vars/config").expect(200).json(),
        json!({
            "plain": "plain-default",
            "combo": "a-b",
            "literal": "just text",
            "req": "given",
            "token": "s3cr3t",
            "by_cli": "from-cli",
            "by_env": "from-env",
            "by_both": "from-cli",
        })
    );
    assert_eq!(host.get("/bare/config").expect(200).json(), json!({}));
}

#[test]
fn template_referencing_an_unknown_application_variable_fails_startup() {
    let src = probe_source();
    let manifest = format!(
        r#"
spin_manifest_version = 2
[application]
name = "badvars"
[variables]
known = {{ default = "k" }}
[[trigger.http]]
route = "/..."
component = "c"
[component.c]
source = {src}
[component.c.variables]
v = "{{{{ not_declared }}}}"
"#
    );
    let (_status, stderr) = common::spawn_expect_failure(&manifest, None, &[]);
    assert!(
        stderr.contains("not_declared"),
        "stderr should name the variable:\n{stderr}"
    );
}

#[test]
fn environment_entries_are_visible_to_the_component() {
    let host = launch().start();
    let env = host.get("/vars/env").expect(200).json();
    assert_eq!(env["GREETING"], "hi there");
    assert_eq!(env["EMPTY"], "");
    assert_eq!(env["PROBE_NAME"], "vars");
}

#[test]
fn environment_is_per_component_and_host_env_does_not_leak() {
    let host = launch().start();
    let env = host.get("/vars/env").expect(200).json();
    assert!(
        env.get("DEVHOST_TEST_HOST_ONLY").is_none(),
        "host env leaked: {env}"
    );
    assert!(
        env.get("SPIN_VARIABLE_BY_ENV").is_none(),
        "host env leaked: {env}"
    );
    let bare = host.get("/bare/env").expect(200).json();
    assert!(
        bare.get("GREETING").is_none(),
        "other component's env leaked: {bare}"
    );
}
