//! `allowed_outbound_hosts`: which URLs a component may reach, with Spin's semantics —
//! `scheme://host[:port]`, `*` wildcards for scheme, host, port and leading subdomains, port
//! ranges `a..b`, default ports per scheme, `self` for relative requests, CIDR ranges, and
//! `*.spin.internal` expanded to the app's component ids.

use std::ops::Range;

use anyhow::{Context, bail};

pub const SERVICE_CHAINING_SUFFIX: &str = ".spin.internal";

#[derive(Debug, Clone, PartialEq)]
pub struct AllowedHosts(Vec<AllowedHost>);

#[derive(Debug, Clone, PartialEq)]
struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq)]
enum HostPattern {
    Any,
    SubdomainOf(String),
    ToSelf,
    Exact(url::Host),
    Cidr(IpNet),
}

#[derive(Debug, Clone, PartialEq)]
struct IpNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq)]
enum PortPattern {
    Any,
    Ports(Vec<Range<u32>>),
}

/// The default port Spin assumes for a scheme when none is given.
pub fn well_known_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "http" => 80,
        "https" => 443,
        "redis" => 6379,
        "postgres" => 5432,
        "mysql" => 3306,
        "mqtt" => 1883,
        _ => return None,
    })
}

impl AllowedHosts {
    /// Parses already-rendered entries (templates resolved), expanding `*.spin.internal`.
    ///
    /// # Errors
    /// An entry that Spin would refuse (no scheme, a path, a misplaced wildcard, bad port...).
    pub fn parse(entries: &[String], component_ids: &[String]) -> anyhow::Result<Self> {
        if entries.len() == 1 && entries[0] == "insecure:allow-all" {
            bail!("'insecure:allow-all' is not allowed - use '*://*:*' instead");
        }
        let mut hosts = Vec::new();
        for entry in entries {
            let host = AllowedHost::parse(entry)
                .with_context(|| format!("invalid allowed_outbound_hosts entry {entry:?}"))?;
            match &host.host {
                HostPattern::SubdomainOf(suffix) if suffix == SERVICE_CHAINING_SUFFIX => {
                    for id in component_ids {
                        let mut one = host.clone();
                        one.host = HostPattern::Exact(url::Host::Domain(format!(
                            "{id}{SERVICE_CHAINING_SUFFIX}"
                        )));
                        hosts.push(one);
                    }
                }
                _ => hosts.push(host),
            }
        }
        Ok(Self(hosts))
    }

    /// Whether an absolute URL may be reached; `default_scheme` applies to scheme-less URLs
    /// such as a bare `host:port`.
    pub fn allows_url(&self, url: &str, default_scheme: &str) -> bool {
        let Some((scheme, host, port)) = split_url(url, default_scheme) else {
            return false;
        };
        self.0.iter().any(|h| {
            h.scheme.as_deref().is_none_or(|s| s == scheme)
                && h.host.allows(&host)
                && h.port.allows(port.or_else(|| well_known_port(&scheme)))
        })
    }

    /// Whether a relative URL (a request to the app itself) may be sent.
    pub fn allows_relative(&self, schemes: &[&str]) -> bool {
        self.0.iter().any(|h| {
            matches!(h.host, HostPattern::Any | HostPattern::ToSelf)
                && schemes
                    .iter()
                    .any(|s| h.scheme.as_deref().is_none_or(|hs| hs == *s))
        })
    }
}

fn split_url(url: &str, default_scheme: &str) -> Option<(String, String, Option<u16>)> {
    let parsed = match url::Url::parse(url) {
        Ok(u) if u.has_host() => u,
        _ => url::Url::parse(&format!("{default_scheme}://{url}")).ok()?,
    };
    Some((
        parsed.scheme().to_string(),
        parsed.host_str()?.to_string(),
        parsed.port(),
    ))
}

impl AllowedHost {
    fn parse(entry: &str) -> anyhow::Result<Self> {
        let entry = entry.trim();
        let Some((scheme, rest)) = entry.split_once("://") else {
            bail!("{entry:?} does not contain a scheme (e.g., 'http://' or '*://')");
        };
        let (host, port) = rest.rsplit_once(':').unwrap_or((rest, ""));
        let port = match port.split_once('/') {
            Some((_, path)) if !path.is_empty() => {
                bail!("{entry:?} has a path but is not allowed to")
            }
            Some((p, _)) => p,
            None => port,
        };
        let scheme_pattern = match scheme {
            "*" => None,
            s if s.chars().all(|c| c.is_ascii_alphabetic()) && !s.is_empty() => Some(s.to_string()),
            _ => bail!("invalid scheme {scheme:?}: only alphabetic characters or '*' are allowed"),
        };
        let port = PortPattern::parse(port, scheme)?;
        let host = HostPattern::parse(host)?;
        Ok(Self {
            scheme: scheme_pattern,
            host,
            port,
        })
    }
}

impl HostPattern {
    fn parse(host: &str) -> anyhow::Result<Self> {
        let host = host.trim();
        if host == "*" {
            return Ok(Self::Any);
        }
        if host == "self" || host == "self.alt" {
            return Ok(Self::ToSelf);
        }
        if host.starts_with('{') {
            bail!("host lists are not yet supported");
        }
        if let Some((addr, prefix)) = host.split_once('/')
            && let (Ok(addr), Ok(prefix)) = (addr.parse::<std::net::IpAddr>(), prefix.parse::<u8>())
        {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if prefix > max {
                bail!("invalid CIDR prefix /{prefix}");
            }
            return Ok(Self::Cidr(IpNet { addr, prefix }));
        }
        let host = host.trim_end_matches('/');
        if host.contains('/') {
            bail!("must not include a path");
        }
        if let Some(domain) = host.strip_prefix("*.") {
            if domain.contains('*') {
                bail!("wildcards are allowed only as prefixes");
            }
            return Ok(Self::SubdomainOf(format!(".{domain}")));
        }
        if host.contains('*') {
            bail!("wildcards are allowed only as subdomains");
        }
        Ok(Self::Exact(url::Host::parse(host)?))
    }

    fn allows(&self, host: &str) -> bool {
        let Ok(host) = url::Host::parse(host) else {
            return false;
        };
        match (self, host) {
            (Self::Any, _) => true,
            (Self::SubdomainOf(suffix), url::Host::Domain(d)) => d.ends_with(suffix.as_str()),
            (Self::Exact(exact), host) => *exact == host,
            (Self::Cidr(net), url::Host::Ipv4(ip)) => net.contains(std::net::IpAddr::V4(ip)),
            (Self::Cidr(net), url::Host::Ipv6(ip)) => net.contains(std::net::IpAddr::V6(ip)),
            _ => false,
        }
    }
}

impl IpNet {
    fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::{V4, V6};
        let (a, b, bits): (u128, u128, u32) = match (self.addr, ip) {
            (V4(a), V4(b)) => (u32::from(a).into(), u32::from(b).into(), 32),
            (V6(a), V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= bits || (a >> shift) == (b >> shift)
    }
}

impl PortPattern {
    /// The ports `start..end` (one range, not a list of its ports).
    fn range(start: u32, end: u32) -> Self {
        Self::Ports(vec![Range { start, end }])
    }

    fn parse(port: &str, scheme: &str) -> anyhow::Result<Self> {
        if port.is_empty() {
            let p = well_known_port(scheme).with_context(|| {
                format!("no port was provided and the scheme {scheme:?} has no known default port")
            })?;
            return Ok(Self::range(u32::from(p), u32::from(p) + 1));
        }
        if port == "*" {
            return Ok(Self::Any);
        }
        if port.starts_with('{') {
            bail!("port lists are not yet supported");
        }
        if let Some((start, end)) = port.split_once("..") {
            let start: u16 = start
                .parse()
                .with_context(|| format!("port range {port:?}"))?;
            let end: u16 = end
                .parse()
                .with_context(|| format!("port range {port:?}"))?;
            return Ok(Self::range(u32::from(start), u32::from(end)));
        }
        let p: u16 = port
            .parse()
            .with_context(|| format!("port {port:?} is not a number"))?;
        Ok(Self::range(u32::from(p), u32::from(p) + 1))
    }

    fn allows(&self, port: Option<u16>) -> bool {
        match (self, port) {
            (Self::Any, _) => true,
            (Self::Ports(ranges), Some(p)) => ranges.iter().any(|r| r.contains(&u32::from(p))),
            (Self::Ports(_), None) => false,
        }
    }
}

/// `http://<component-id>.spin.internal[:port]/...` → the component id.
pub fn service_chaining_target(host: &str) -> Option<&str> {
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let (first, rest) = host.split_once('.')?;
    (rest == &SERVICE_CHAINING_SUFFIX[1..]).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[&str]) -> AllowedHosts {
        let entries: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        AllowedHosts::parse(&entries, &["backend".into(), "web".into()]).unwrap()
    }

    #[test]
    fn an_exact_host_allows_its_default_port_only() {
        let h = hosts(&["https://example.com"]);
        assert!(h.allows_url("https://example.com/path", "https"));
        assert!(!h.allows_url("https://example.com:8443/", "https"));
        assert!(!h.allows_url("http://example.com/", "https"));
        assert!(!h.allows_url("https://other.com/", "https"));
    }

    #[test]
    fn wildcards_ports_and_ranges() {
        let h = hosts(&["*://*.example.com:*", "http://127.0.0.1:3000..3010"]);
        assert!(h.allows_url("https://api.example.com:9999/", "https"));
        assert!(!h.allows_url("https://example.com/", "https"));
        assert!(h.allows_url("http://127.0.0.1:3005/", "https"));
        assert!(!h.allows_url("http://127.0.0.1:3010/", "https"));
    }

    #[test]
    fn redis_addresses_use_the_redis_default_port() {
        let h = hosts(&["redis://127.0.0.1:6379"]);
        assert!(h.allows_url("redis://127.0.0.1:6379", "redis"));
        assert!(h.allows_url("redis://127.0.0.1", "redis"));
        assert!(!h.allows_url("redis://127.0.0.1:6380", "redis"));
    }

    #[test]
    fn spin_internal_wildcard_expands_to_component_ids() {
        let h = hosts(&["http://*.spin.internal"]);
        assert!(h.allows_url("http://backend.spin.internal/x", "https"));
        assert!(!h.allows_url("http://unknown.spin.internal/x", "https"));
    }

    #[test]
    fn cidr_ranges() {
        let h = hosts(&["http://10.0.0.0/8:*"]);
        assert!(h.allows_url("http://10.1.2.3:81/", "https"));
        assert!(!h.allows_url("http://11.1.2.3/", "https"));
    }

    #[test]
    fn relative_requests_need_self_or_any_host() {
        assert!(hosts(&["http://self"]).allows_relative(&["http", "https"]));
        assert!(!hosts(&["http://example.com"]).allows_relative(&["http", "https"]));
    }

    #[test]
    fn invalid_entries_are_rejected() {
        for bad in [
            "example.com",
            "http://example.com/path",
            "http://a.*.com",
            "ht1p://x",
            "foo://x",
        ] {
            assert!(
                AllowedHosts::parse(&[bad.to_string()], &[]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn chaining_targets_are_recognised() {
        assert_eq!(
            service_chaining_target("payment.spin.internal"),
            Some("payment")
        );
        assert_eq!(
            service_chaining_target("payment.spin.internal:80"),
            Some("payment")
        );
        assert_eq!(service_chaining_target("payment.example.com"), None);
    }
}
