//! Every credential value written anywhere in the repository (manifests, overlays, examples,
//! docs, scripts, tests) must be one the gateway refuses outside development: whoever reads the
//! repository must not be able to sign a token a deployment accepts.

use std::path::Path;
use std::process::Command;

use gateway_core::credentials::{MIN_LEN, is_published};

/// Names whose assigned value is a signing secret or a bearer credential.
const KEYS: &[&str] = &[
    "jwt_secret",
    "ops_token",
    "secret",
    "hmac_key",
    "signing_key",
];

/// The values assigned to a credential name on one line: `name = "v"`, `name: v`, `NAME=v`,
/// `SECRET: &[u8] = b"v"`, `--variable name=v`.
fn assigned_values(line: &str) -> Vec<String> {
    let lower = line.to_ascii_lowercase();
    let mut values = Vec::new();
    for key in KEYS {
        let mut from = 0;
        while let Some(at) = lower[from..].find(key) {
            let start = from + at + key.len();
            from = start;
            let rest = &line[start..];
            // The name must end here (`jwt_secret_file` is another name).
            if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = rest.trim_start_matches(['"', '\'', ' ', '\t']);
            // Rust constants: `SECRET: &[u8] = b"…"` / `SECRET: &str = "…"`.
            let rest = match rest.strip_prefix(':') {
                Some(after) if after.trim_start().starts_with('&') => after
                    .split_once('=')
                    .map_or("", |(_, v)| v)
                    .trim_start()
                    .trim_start_matches('b'),
                Some(after) => after,
                None => match rest.strip_prefix('=') {
                    Some(after) => after,
                    None => continue,
                },
            };
            // spin.toml: `name = { default = "…", secret = true }`.
            let rest = match rest.trim_start().strip_prefix('{') {
                Some(table) => table
                    .split_once("default")
                    .and_then(|(_, d)| d.split_once('='))
                    .map_or("", |(_, v)| v),
                None => rest,
            };
            let value: String = rest
                .trim_start()
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ' ' | ',' | ')' | '`' | '\t'))
                .collect();
            let templated = ["{{", "$", "<", "%", "…", "..."]
                .iter()
                .any(|t| value.starts_with(t));
            if value.len() >= MIN_LEN && !templated && !values.contains(&value) {
                values.push(value);
            }
        }
    }
    values
}

#[test]
fn the_scanner_finds_assignments_in_every_form_used_here() {
    // Generated, so that this file publishes no value of its own.
    let secret: String = {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(b"scanner");
        digest.iter().map(|b| format!("{b:02x}")).collect()
    };
    for line in [
        format!(r#"jwt_secret = {{ default = "{secret}", secret = true }}"#),
        format!("      - jwt_secret={secret}"),
        format!("JWT_SECRET={secret} spin up"),
        format!(r#"const SECRET: &[u8] = b"{secret}";"#),
        format!(r#"--variable "jwt_secret={secret}""#),
        format!("ops_token: {secret}"),
    ] {
        assert_eq!(assigned_values(&line), vec![secret.clone()], "{line}");
    }
    assert!(assigned_values(r#"jwt_secret = "{{ jwt_secret }}""#).is_empty());
    assert!(assigned_values("jwt_secret=$(openssl rand -hex 32)").is_empty());
    assert!(
        assigned_values("ops_token_file = /a/very/long/path/that/is/not/a/secret/x").is_empty()
    );
}

#[test]
fn no_credential_published_in_the_repository_would_be_accepted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .expect("git ls-files");
    assert!(listed.status.success(), "git ls-files failed");
    let mut checked = 0;
    let mut accepted = Vec::new();
    for path in listed.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = root.join(String::from_utf8_lossy(path).as_ref());
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary or deleted in the work tree
        };
        for (n, line) in text.lines().enumerate() {
            for value in assigned_values(line) {
                checked += 1;
                if !is_published(&value) {
                    accepted.push(format!("{}:{}: {value}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "credentials published in the repository that the gateway would accept (add them to \
         credentials::PUBLISHED or remove them):\n{}",
        accepted.join("\n")
    );
    assert!(
        checked > 0,
        "the scan found no credential assignment at all"
    );
}
