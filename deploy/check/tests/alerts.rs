//! The alerts (`deploy/spinkube/monitoring/`): the plain rules file is generated from the
//! PrometheusRule, promtool accepts both the rules and their unit tests, every alert has a
//! severity, a summary, a description and a runbook section in docs/operations.md, every metric an
//! expression reads is exported by the app or listed in the docs as external, and the scrape uses
//! a route and a Secret that accept the operations token.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use deploy_check::promql::metric_names;
use deploy_check::{Problems, Yaml, files_with, lookup, repo_root, str_at, yaml_documents};

const MONITORING: &str = "deploy/spinkube/monitoring";
const SEVERITIES: &[&str] = &["critical", "warning", "info"];
/// The heading in docs/operations.md whose table lists the metrics the alerts take from outside
/// the app (kube-state-metrics, the ingress controller).
const EXTERNAL_HEADING: &str = "Metrics from outside the app";

fn monitoring(file: &str) -> PathBuf {
    repo_root().join(MONITORING).join(file)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn one_document(path: &Path) -> Yaml {
    let mut docs = yaml_documents(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.len(), 1, "{}: one document expected", path.display());
    docs.remove(0)
}

/// What rules-file.sh writes: the lines under `spec:`, two spaces less indented.
fn rules_file_from(prometheus_rule: &str) -> Result<String, String> {
    let mut out = String::from(
        "# Generated from prometheus-rule.yaml by rules-file.sh: edit that file, not this one.\n\
         # The Cinema alerts as a plain Prometheus rules file (rule_files:); runbooks in docs/operations.md.\n",
    );
    let mut lines = prometheus_rule.lines();
    lines
        .by_ref()
        .find(|l| *l == "spec:")
        .ok_or("no spec: line")?;
    for line in lines {
        if line.is_empty() {
            out.push('\n');
        } else if let Some(rest) = line.strip_prefix("  ") {
            out.push_str(rest);
            out.push('\n');
        } else {
            return Err(format!("not indented under spec: {line:?}"));
        }
    }
    Ok(out)
}

/// Every alerting rule of a rules document (`groups[].rules[]` with `alert`).
fn alerts(rules: &Yaml) -> Vec<&Yaml> {
    lookup(rules, "groups[].rules[]")
        .into_iter()
        .flatten()
        .filter(|r| r.get("alert").is_some())
        .collect()
}

/// GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn operations_md() -> String {
    read(&repo_root().join("docs/operations.md"))
}

/// The anchors of every heading of a Markdown text (outside fenced code).
fn heading_anchors(markdown: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut out = BTreeSet::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

/// The backquoted names in the first column of the table under [`EXTERNAL_HEADING`].
fn external_metrics(markdown: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.starts_with('#') {
            inside = line.trim_start_matches('#').trim() == EXTERNAL_HEADING;
        } else if inside && line.starts_with('|') {
            let first = line.split('|').nth(1).unwrap_or_default();
            out.extend(first.split('`').skip(1).step_by(2).map(str::to_string));
        }
    }
    out
}

/// The `"cinema_…"` string literals of the app's code (tests left out): the metric names it
/// can export. Rust files are read up to their `#[cfg(test)]` module.
fn exported_metrics() -> BTreeSet<String> {
    let root = repo_root();
    let mut out = BTreeSet::new();
    for dir in ["components", "crates"] {
        for file in files_with(&root.join(dir), &[".rs", ".py"]) {
            let path = file.to_string_lossy();
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            if ["/tests/", "/target/", "/__pycache__/"]
                .iter()
                .any(|d| path.contains(d))
                || name.starts_with("test_")
            {
                continue;
            }
            let text = read(&file);
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for piece in code.split("\"cinema_").skip(1) {
                let end = piece
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(piece.len());
                if end > 0 && piece[end..].starts_with('"') {
                    out.insert(format!("cinema_{}", &piece[..end]));
                }
            }
        }
    }
    out
}

#[test]
fn the_plain_rules_file_is_generated_from_the_prometheus_rule() {
    let source = monitoring("prometheus-rule.yaml");
    let expected = rules_file_from(&read(&source)).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        read(&monitoring("cinema.rules.yml")) == expected,
        "{MONITORING}/cinema.rules.yml differs from prometheus-rule.yaml's spec: run {MONITORING}/rules-file.sh"
    );
    // The same rules once parsed, too (the text transformation keeps the YAML's meaning).
    let rule = one_document(&source);
    assert_eq!(
        rule.get("spec"),
        Some(&one_document(&monitoring("cinema.rules.yml")))
    );
    assert_eq!(str_at(&rule, "kind"), Some("PrometheusRule"));
    assert_eq!(
        str_at(&rule, "apiVersion"),
        Some("monitoring.coreos.com/v1")
    );
}

#[test]
fn every_alert_has_a_severity_a_summary_a_description_and_its_runbook_section() {
    let rules = one_document(&monitoring("cinema.rules.yml"));
    let found = alerts(&rules);
    assert!(!found.is_empty(), "no alert in cinema.rules.yml");
    let anchors = heading_anchors(&operations_md());
    let mut names = BTreeSet::new();
    let mut p = Problems::default();
    for rule in found {
        let name = str_at(rule, "alert").unwrap_or_default();
        p.check(names.insert(name.to_string()), || {
            format!("alert {name} is defined twice")
        });
        let severity = str_at(rule, "labels.severity");
        p.check(severity.is_some_and(|s| SEVERITIES.contains(&s)), || {
            format!("{name}: labels.severity must be one of {SEVERITIES:?} (found {severity:?})")
        });
        for key in ["summary", "description", "runbook_url"] {
            let value = str_at(rule, &format!("annotations.{key}")).unwrap_or_default();
            p.check(!value.trim().is_empty(), || {
                format!("{name}: annotations.{key} is missing")
            });
        }
        let url = str_at(rule, "annotations.runbook_url").unwrap_or_default();
        let Some((page, fragment)) = url.split_once('#') else {
            p.0.push(format!("{name}: runbook_url {url:?} has no #anchor"));
            continue;
        };
        p.check(
            page.starts_with("https://") && page.ends_with("/docs/operations.md"),
            || format!("{name}: runbook_url {url:?} must point into docs/operations.md"),
        );
        p.check(fragment == anchor(name), || {
            format!(
                "{name}: runbook_url must end in #{} (its own section)",
                anchor(name)
            )
        });
        p.check(anchors.contains(fragment), || {
            format!("{name}: docs/operations.md has no heading with anchor #{fragment} (add `### {name}`)")
        });
    }
    p.assert_none();
}

#[test]
fn alert_expressions_read_only_metrics_the_app_exports_or_the_docs_list_as_external() {
    let rules = one_document(&monitoring("cinema.rules.yml"));
    let exported = exported_metrics();
    let external = external_metrics(&operations_md());
    assert!(
        exported.contains("cinema_context_up"),
        "the scan of components/ and crates/ found no metric: {exported:?}"
    );
    assert!(
        !external.is_empty(),
        "docs/operations.md has no table under a heading {EXTERNAL_HEADING:?}"
    );
    let mut p = Problems::default();
    for rule in lookup(&rules, "groups[].rules[]").into_iter().flatten() {
        let name = str_at(rule, "alert")
            .or_else(|| str_at(rule, "record"))
            .unwrap_or("?");
        let expr = str_at(rule, "expr").unwrap_or_default();
        match metric_names(expr) {
            Ok(metrics) => {
                p.check(!metrics.is_empty(), || format!("{name}: reads no metric"));
                for metric in metrics {
                    p.check(exported.contains(&metric) || external.contains(&metric), || {
                        format!("{name}: {metric} is neither exported by the app (a \"{metric}\" literal in components/ or crates/) nor listed under {EXTERNAL_HEADING:?} in docs/operations.md")
                    });
                }
            }
            Err(e) => p.0.push(format!("{name}: {e}")),
        }
    }
    for metric in &external {
        p.check(!metric.starts_with("cinema_"), || {
            format!("{metric} is the app's own; it does not belong under {EXTERNAL_HEADING:?}")
        });
    }
    p.assert_none();
}

#[test]
fn metric_names_are_read_from_promql_without_functions_labels_or_keywords() {
    let names = |e| -> Vec<String> {
        metric_names(e)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .collect()
    };
    assert_eq!(
        names(
            r#"max by (namespace, group) (min_over_time(cinema_consumer_group_lag{group="a}b"}[5m])) > 0
               and on (namespace) time() - max without (pod) (x_seconds offset 1h) > 1e3"#
        ),
        ["cinema_consumer_group_lag", "x_seconds"]
    );
    assert_eq!(
        names(
            "sum(rate(a_total[5m])) by (le) / ignoring(x) group_left (y) b OR absent(c) unless bool d"
        ),
        ["a_total", "b", "c", "d"]
    );
    assert!(metric_names(r#"a{b="c"#).is_err());
}

/// A `promtool` (scripts/promtool: on PATH, or fetched once into target/tools).
fn promtool() -> PathBuf {
    let out = Command::new(repo_root().join("scripts/promtool"))
        .output()
        .expect("run scripts/promtool");
    assert!(
        out.status.success(),
        "scripts/promtool found no promtool:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

#[test]
fn promtool_accepts_the_rules_and_their_unit_tests_pass() {
    let promtool = promtool();
    for args in [
        ["check", "rules", "cinema.rules.yml"],
        ["test", "rules", "cinema.rules.test.yml"],
    ] {
        let out = Command::new(&promtool)
            .args(args)
            .current_dir(repo_root().join(MONITORING))
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", promtool.display()));
        assert!(
            out.status.success(),
            "promtool {}:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_scrape_uses_an_operations_route_and_the_gateways_ops_token() {
    let monitor = one_document(&monitoring("pod-monitor.yaml"));
    let endpoint = lookup(&monitor, "spec.podMetricsEndpoints[]")[0].expect("an endpoint");
    let path = str_at(endpoint, "path").unwrap_or_default();
    // The gateway accepts ops_token only on routes declared with `operations(…)`.
    let routes: String = read(&repo_root().join("components/gateway/core/src/routes.rs"))
        .split_whitespace()
        .collect();
    let route = path.strip_prefix("/api").unwrap_or(path);
    assert!(
        routes.contains(&format!("operations(Get,\"{route}\"")),
        "{path} is not an operations route of the gateway (components/gateway/core/src/routes.rs): ops_token would be refused"
    );
    // The same Secret and key the gateway SpinApp reads ops_token from.
    let gateway = yaml_documents(&repo_root().join("deploy/spinkube/base/apps/gateway.yaml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|d| str_at(d, "kind") == Some("SpinApp"))
        .expect("the gateway SpinApp");
    let ops: BTreeMap<&str, &str> = lookup(&gateway, "spec.variables[]")
        .into_iter()
        .flatten()
        .find(|v| str_at(v, "name") == Some("ops_token"))
        .map(|v| {
            [
                (
                    "name",
                    str_at(v, "valueFrom.secretKeyRef.name").unwrap_or_default(),
                ),
                (
                    "key",
                    str_at(v, "valueFrom.secretKeyRef.key").unwrap_or_default(),
                ),
            ]
            .into()
        })
        .expect("the gateway SpinApp binds ops_token");
    for field in ["name", "key"] {
        assert_eq!(
            str_at(endpoint, &format!("authorization.credentials.{field}")),
            Some(ops[field]),
            "pod-monitor.yaml: authorization.credentials.{field}"
        );
    }
    assert_eq!(str_at(endpoint, "authorization.type"), Some("Bearer"));
    // The Component resolves the overlay's generated Secret name for that field.
    let config = read(&monitoring("kustomizeconfig.yaml"));
    assert!(
        config.contains("path: spec/podMetricsEndpoints/authorization/credentials/name"),
        "kustomizeconfig.yaml must register the PodMonitor's Secret reference"
    );
    let kustomization = one_document(&monitoring("kustomization.yaml"));
    assert_eq!(str_at(&kustomization, "kind"), Some("Component"));
}
