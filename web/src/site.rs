//! What the UI's route answers, as plain data: the embedded file for a path, `index.html` for the
//! app's own routes (the client-side router draws them), a JSON 404 for missing files, 304 when
//! the browser's copy is current, 405 for anything but GET and HEAD, and `/config.json`: the
//! page's settings from the component's configuration. Every reply carries the security headers.

use std::borrow::Cow;

use crate::assets::{self, ASSETS, Asset};

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Cow<'static, [u8]>,
}

const INDEX: &str = "/index.html";

/// Where the page reads its settings (`{"venue_timezone": "Asia/Seoul"}`).
pub const CONFIG_PATH: &str = "/config.json";

/// The venue's zone when the configuration names none (or something that is not a zone name).
pub const DEFAULT_VENUE_TIMEZONE: &str = "Asia/Seoul";

/// What the page needs to know about the deployment: every showtime is shown in this zone.
pub struct Settings {
    venue_timezone: String,
}

impl Settings {
    /// From the configured value, if any: an IANA zone name (`Area/City`, `UTC`); anything else
    /// falls back to the default, so a typo cannot break the page.
    pub fn new(venue_timezone: Option<&str>) -> Self {
        let zone = venue_timezone
            .map(str::trim)
            .filter(|z| is_zone_name(z))
            .unwrap_or(DEFAULT_VENUE_TIMEZONE);
        Self {
            venue_timezone: zone.to_string(),
        }
    }

    fn json(&self) -> String {
        format!(
            "{{\"venue_timezone\":\"{}\"}}",
            json_escape(&self.venue_timezone)
        )
    }
}

fn is_zone_name(zone: &str) -> bool {
    !zone.is_empty()
        && zone.len() <= 64
        && zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
}

/// Same-origin scripts, styles, images and API calls only; no inline code, plugins or framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(self), microphone=(), geolocation=(), payment=()",
    ),
];

/// File names carry no version, so browsers revalidate every time (a cheap 304 via the ETag).
const ASSET_CACHE: &str = "no-cache";

pub fn respond(
    method: &str,
    path: &str,
    if_none_match: Option<&str>,
    settings: &Settings,
) -> Reply {
    let head = match method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            let mut reply = error(
                405,
                "method_not_allowed",
                "the web UI answers GET and HEAD only",
            );
            reply.headers.push(("allow", "GET, HEAD".into()));
            return reply;
        }
    };
    if path == CONFIG_PATH {
        return config(settings, head);
    }
    match resolve(path) {
        Some(asset) => file(asset, head, if_none_match),
        None => error(404, "not_found", &format!("no such file: {path}")),
    }
}

fn resolve(path: &str) -> Option<&'static Asset> {
    if path == "/" {
        return assets::find(INDEX);
    }
    assets::find(path).or_else(|| {
        if is_app_route(path) {
            assets::find(INDEX)
        } else {
            None
        }
    })
}

/// A path the client-side router draws: not the API, not inside a folder of assets, and its
/// last segment has no file extension (`/my`, `/screenings/abc`, not `/js/nope.js`).
fn is_app_route(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let folder = format!("/{first}/");
    first != "api" && !last.contains('.') && !ASSETS.iter().any(|a| a.path.starts_with(&folder))
}

fn file(asset: &'static Asset, head: bool, if_none_match: Option<&str>) -> Reply {
    let mut headers = security_headers();
    headers.push(("etag", asset.etag.into()));
    headers.push(("cache-control", ASSET_CACHE.into()));
    if if_none_match.is_some_and(|tags| matches_etag(tags, asset.etag)) {
        return Reply {
            status: 304,
            headers,
            body: Cow::Borrowed(&[]),
        };
    }
    headers.push(("content-type", asset.content_type.into()));
    Reply {
        status: 200,
        headers,
        body: Cow::Borrowed(if head { &[] } else { asset.body }),
    }
}

/// Settings are small and may change with a redeploy: never cached.
fn config(settings: &Settings, head: bool) -> Reply {
    let mut headers = security_headers();
    headers.push(("content-type", "application/json".into()));
    headers.push(("cache-control", "no-store".into()));
    let body = if head {
        Vec::new()
    } else {
        settings.json().into_bytes()
    };
    Reply {
        status: 200,
        headers,
        body: Cow::Owned(body),
    }
}

/// `If-None-Match`: `*` or a list of (possibly weak) tags; weak comparison, as RFC 9110 asks.
fn matches_etag(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    let mut headers = security_headers();
    headers.push(("content-type", "application/json".into()));
    headers.push(("cache-control", "no-store".into()));
    let body = format!(
        "{{\"error\":\"{}\",\"message\":\"{}\"}}",
        json_escape(code),
        json_escape(message)
    );
    Reply {
        status,
        headers,
        body: Cow::Owned(body.into_bytes()),
    }
}

fn security_headers() -> Vec<(&'static str, String)> {
    SECURITY_HEADERS
        .iter()
        .map(|(name, value)| (*name, (*value).to_string()))
        .collect()
}

fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(method: &str, path: &str, if_none_match: Option<&str>) -> Reply {
        respond(method, path, if_none_match, &Settings::new(None))
    }

    fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
        reply
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_root_and_app_routes_get_the_index_page() {
        for path in [
            "/",
            "/my",
            "/screenings/0198-abc",
            "/staff",
            "/staff/check-in",
        ] {
            let reply = get("GET", path, None);
            assert_eq!(reply.status, 200, "{path}");
            assert_eq!(
                header(&reply, "content-type"),
                Some("text/html; charset=utf-8")
            );
            assert_eq!(reply.body, assets::find(INDEX).map(|a| a.body).unwrap());
        }
    }

    #[test]
    fn a_missing_file_is_a_json_404_not_the_index_page() {
        for path in ["/nope.js", "/js/nope", "/api/movies"] {
            let reply = get("GET", path, None);
            assert_eq!(reply.status, 404, "{path}");
            assert_eq!(header(&reply, "content-type"), Some("application/json"));
            assert!(String::from_utf8_lossy(&reply.body).contains("\"error\":\"not_found\""));
        }
    }

    #[test]
    fn a_current_copy_gets_304_with_no_body() {
        let etag = get("GET", "/", None)
            .headers
            .into_iter()
            .find(|(n, _)| *n == "etag")
            .map(|(_, v)| v)
            .unwrap();
        let reply = get("GET", "/", Some(&format!("\"old\", W/{etag}")));
        assert_eq!(reply.status, 304);
        assert!(reply.body.is_empty());
        assert_eq!(get("GET", "/", Some("\"old\"")).status, 200);
    }

    #[test]
    fn other_methods_are_refused_and_every_reply_has_the_csp() {
        let reply = get("POST", "/", None);
        assert_eq!(reply.status, 405);
        assert_eq!(header(&reply, "allow"), Some("GET, HEAD"));
        assert_eq!(
            header(&reply, "content-security-policy"),
            Some(CONTENT_SECURITY_POLICY)
        );
    }

    #[test]
    fn head_sends_the_headers_without_the_body() {
        let reply = get("HEAD", "/", None);
        assert_eq!(reply.status, 200);
        assert!(reply.body.is_empty());
    }

    #[test]
    fn the_config_names_the_venue_time_zone_with_seoul_by_default() {
        let reply = get("GET", CONFIG_PATH, None);
        assert_eq!(reply.status, 200);
        assert_eq!(header(&reply, "content-type"), Some("application/json"));
        assert_eq!(header(&reply, "cache-control"), Some("no-store"));
        assert_eq!(&*reply.body, br#"{"venue_timezone":"Asia/Seoul"}"#);

        let elsewhere = Settings::new(Some("America/Los_Angeles"));
        let reply = respond("GET", CONFIG_PATH, None, &elsewhere);
        assert_eq!(&*reply.body, br#"{"venue_timezone":"America/Los_Angeles"}"#);
    }

    #[test]
    fn a_value_that_is_not_a_zone_name_falls_back_to_the_default() {
        for bad in ["", "  ", "Asia/Seoul\"}", "<script>"] {
            let reply = respond("GET", CONFIG_PATH, None, &Settings::new(Some(bad)));
            assert_eq!(
                &*reply.body, br#"{"venue_timezone":"Asia/Seoul"}"#,
                "{bad:?}"
            );
        }
    }
}
