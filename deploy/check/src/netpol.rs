//! A small evaluator of Kubernetes `NetworkPolicy` (networking.k8s.io/v1) for the checks: which
//! connections the policies of one namespace let through. Semantics as documented by Kubernetes:
//! a pod selected by no policy of a direction is open in that direction; a pod selected by at least
//! one is closed except for what some selecting policy's rules allow; a connection needs the
//! sender's egress and the receiver's ingress. Policies of other namespaces are not modelled (the
//! peers outside this namespace are open).

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::{Yaml, lookup, str_at};

pub type Labels = BTreeMap<String, String>;

/// One end of a connection.
#[derive(Clone, Debug)]
pub struct Peer {
    /// For messages only.
    pub name: String,
    /// `Some(labels of its namespace)` for a pod, `None` for an address outside the cluster.
    pub namespace: Option<Labels>,
    /// Whether the pod is in the namespace the policies belong to.
    pub own: bool,
    pub labels: Labels,
    pub ip: IpAddr,
}

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// The labels of a YAML mapping (`metadata.labels`, `spec.podLabels`, …).
pub fn labels_of(value: Option<&Yaml>) -> Labels {
    value
        .and_then(Yaml::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// `matchLabels` and `matchExpressions` of a label selector; `{}` selects everything.
pub fn selects(selector: &Yaml, labels: &Labels) -> bool {
    let by_labels = labels_of(selector.get("matchLabels"))
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expressions = lookup(selector, "matchExpressions[]")
        .into_iter()
        .flatten()
        .all(|e| {
            let key = str_at(e, "key").unwrap_or_default();
            let values: Vec<&str> = lookup(e, "values[]")
                .into_iter()
                .flatten()
                .filter_map(Yaml::as_str)
                .collect();
            let value = labels.get(key).map(String::as_str);
            match str_at(e, "operator").unwrap_or_default() {
                "In" => value.is_some_and(|v| values.contains(&v)),
                "NotIn" => value.is_none_or(|v| !values.contains(&v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        });
    by_labels && by_expressions
}

fn in_cidr(ip: IpAddr, cidr: &str) -> bool {
    let Some((net, bits)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits.min(32))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits.min(128))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// One element of `from` / `to`.
fn peer_matches(rule_peer: &Yaml, other: &Peer) -> bool {
    if let Some(block) = rule_peer.get("ipBlock") {
        let cidr = str_at(block, "cidr").unwrap_or_default();
        let excepted = lookup(block, "except[]")
            .into_iter()
            .flatten()
            .filter_map(Yaml::as_str)
            .any(|c| in_cidr(other.ip, c));
        return in_cidr(other.ip, cidr) && !excepted;
    }
    let Some(ns_labels) = &other.namespace else {
        return false; // pod selectors never match an address outside the cluster
    };
    let ns_ok = match rule_peer.get("namespaceSelector") {
        Some(sel) => selects(sel, ns_labels),
        None => other.own,
    };
    let pod_ok = rule_peer
        .get("podSelector")
        .is_none_or(|sel| selects(sel, &other.labels));
    ns_ok && pod_ok
}

fn port_matches(rule: &Yaml, port: u16, protocol: &str) -> bool {
    let ports: Vec<&Yaml> = rule
        .get("ports")
        .and_then(Yaml::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    ports.is_empty()
        || ports.iter().any(|p| {
            let proto_ok = str_at(p, "protocol").unwrap_or("TCP") == protocol;
            let port_ok = match p.get("port") {
                None => true,
                Some(v) => v.as_u64().is_some_and(|from| {
                    let to = p.get("endPort").and_then(Yaml::as_u64).unwrap_or(from);
                    (from..=to).contains(&u64::from(port))
                }),
            };
            proto_ok && port_ok
        })
}

fn policy_types(policy: &Yaml) -> Vec<String> {
    let explicit: Vec<String> = lookup(policy, "spec.policyTypes[]")
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if !explicit.is_empty() {
        return explicit;
    }
    let mut types = vec!["Ingress".to_string()];
    if policy.get("spec").and_then(|s| s.get("egress")).is_some() {
        types.push("Egress".to_string());
    }
    types
}

/// Whether the policies let `pod` (own namespace) send (`Egress`, to `other`) or receive
/// (`Ingress`, from `other`) on `port` / `protocol`.
fn direction_allows(
    policies: &[&Yaml],
    direction: &str,
    pod: &Peer,
    other: &Peer,
    port: u16,
    protocol: &str,
) -> bool {
    if !pod.own {
        return true;
    }
    let (rules_key, peers_key) = if direction == "Egress" {
        ("egress", "to")
    } else {
        ("ingress", "from")
    };
    let selecting: Vec<&&Yaml> = policies
        .iter()
        .filter(|p| policy_types(p).iter().any(|t| t == direction))
        .filter(|p| {
            p.get("spec")
                .and_then(|s| s.get("podSelector"))
                .is_some_and(|sel| selects(sel, &pod.labels))
        })
        .collect();
    if selecting.is_empty() {
        return true;
    }
    selecting.iter().any(|p| {
        lookup(p, &format!("spec.{rules_key}[]"))
            .into_iter()
            .flatten()
            .any(|rule| {
                let peers = rule.get(peers_key).and_then(Yaml::as_sequence);
                let peer_ok = peers
                    .is_none_or(|ps| ps.is_empty() || ps.iter().any(|rp| peer_matches(rp, other)));
                peer_ok && port_matches(rule, port, protocol)
            })
    })
}

/// Whether a connection from `src` to `dst` on `port` / `protocol` is let through.
pub fn allows(policies: &[&Yaml], src: &Peer, dst: &Peer, port: u16, protocol: &str) -> bool {
    direction_allows(policies, "Egress", src, dst, port, protocol)
        && direction_allows(policies, "Ingress", dst, src, port, protocol)
}
