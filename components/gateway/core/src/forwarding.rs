//! What crosses the gateway: which request headers go to a private context, which response
//! headers come back, and how a context's URLs are rewritten for the public API.

use crate::correlation::CorrelationId;
use crate::identity::Identity;
use crate::routes::Route;

/// Request bodies above this are refused with 413 before anything is forwarded.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Whether a declared `Content-Length` already exceeds [`MAX_BODY_BYTES`].
pub fn declared_length_too_large(content_length: Option<&str>) -> bool {
    content_length
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
}

/// Client headers a private context may see. Everything else is dropped — in particular the
/// identity headers (`x-customer-id`, `x-roles`), anything `x-internal-*`, `authorization`,
/// cookies and hop-by-hop headers: the gateway is the only one allowed to say who is calling.
const PASSED_THROUGH: [&str; 2] = ["content-type", "accept"];

/// Whether a client header must never reach a private context (a spoofing attempt).
pub fn is_reserved(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "x-customer-id"
        || name == "x-roles"
        || name == "x-correlation-id"
        || name.starts_with("x-internal-")
}

/// The headers sent to the private context: the client's allowed headers, then the gateway's own
/// identity and correlation headers (which cannot be spoofed: client copies are never passed).
pub fn downstream_headers<'h>(
    route: &Route,
    client: impl IntoIterator<Item = (&'h str, &'h str)>,
    identity: Option<&Identity>,
    correlation: &CorrelationId,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = client
        .into_iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .filter(|(name, _)| !is_reserved(name))
        .filter(|(name, _)| {
            PASSED_THROUGH.contains(&name.as_str())
                || (route.forwards_idempotency_key && name == "idempotency-key")
        })
        .map(|(name, value)| (name, value.to_string()))
        .collect();
    if let Some(identity) = identity {
        headers.push(("x-customer-id".into(), identity.customer.as_str().into()));
        headers.push(("x-roles".into(), identity.roles.header_value()));
    }
    headers.push(("x-correlation-id".into(), correlation.as_str().into()));
    headers
}

/// The private context's URL for a public path (already stripped of `/api`) and query.
pub fn downstream_url(base: &str, path: &str, query: &str) -> String {
    let base = base.trim_end_matches('/');
    if query.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{query}")
    }
}

/// Response headers copied from the private context to the client. `content-disposition` names
/// a download (the reports' CSV: `attachment; filename="…"`).
pub const COPIED_RESPONSE_HEADERS: [&str; 5] = [
    "content-type",
    "content-disposition",
    "location",
    "retry-after",
    "allow",
];

/// The headers of a context's answer as the client gets them: the [`COPIED_RESPONSE_HEADERS`]
/// it has, unchanged but for `location` ([`public_location`]). `header` looks one up by its
/// lower-case name.
pub fn public_response_headers<'a>(
    header: impl Fn(&str) -> Option<&'a str>,
) -> Vec<(&'static str, String)> {
    COPIED_RESPONSE_HEADERS
        .into_iter()
        .filter_map(|name| {
            let value = header(name)?;
            let value = if name == "location" {
                public_location(value)
            } else {
                value.to_string()
            };
            Some((name, value))
        })
        .collect()
}

/// A context's `Location` as the public API spells it: `/reservations/r1` → `/api/reservations/r1`;
/// an absolute URL to an internal host keeps only its path. Anything else is left alone.
pub fn public_location(location: &str) -> String {
    let path = match location.split_once("://") {
        Some((_, rest)) if is_internal_host(rest) => match rest.find('/') {
            Some(i) => &rest[i..],
            None => "/",
        },
        Some(_) => return location.to_string(),
        None => location,
    };
    if !path.starts_with('/') || path == "/api" || path.starts_with("/api/") {
        path.to_string()
    } else {
        format!("/api{path}")
    }
}

fn is_internal_host(after_scheme: &str) -> bool {
    let host = after_scheme.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    host.ends_with(".spin.internal")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{CustomerId, Role, Roles};
    use crate::routes::{Method, RouteMatch, match_route};

    fn route(method: Method, path: &str) -> &'static Route {
        match match_route(method, path) {
            RouteMatch::Found(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn alice() -> Identity {
        Identity {
            customer: CustomerId::parse("alice").unwrap(),
            roles: Roles::new([Role::Customer]),
        }
    }

    fn get<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
        headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn spoofed_identity_and_internal_headers_never_reach_a_context() {
        let client = [
            ("X-Customer-Id", "mallory"),
            ("x-roles", "admin"),
            ("X-Internal-Secret", "1"),
            ("x-correlation-id", "client-sent"),
            ("authorization", "Bearer t"),
            ("cookie", "a=b"),
            ("content-type", "application/json"),
        ];
        let cid = CorrelationId::from_client("c1").unwrap();
        let headers = downstream_headers(
            route(Method::Post, "/reservations"),
            client,
            Some(&alice()),
            &cid,
        );
        assert_eq!(get(&headers, "x-customer-id"), ["alice"]);
        assert_eq!(get(&headers, "x-roles"), ["customer"]);
        assert_eq!(get(&headers, "x-correlation-id"), ["c1"]);
        assert!(get(&headers, "x-internal-secret").is_empty());
        assert!(get(&headers, "authorization").is_empty());
        assert!(get(&headers, "cookie").is_empty());
        assert_eq!(get(&headers, "content-type"), ["application/json"]);
    }

    #[test]
    fn a_public_route_gets_no_identity_even_when_the_client_claims_one() {
        let client = [("x-customer-id", "mallory"), ("x-roles", "admin")];
        let cid = CorrelationId::from_client("c1").unwrap();
        let headers = downstream_headers(route(Method::Get, "/movies"), client, None, &cid);
        assert!(get(&headers, "x-customer-id").is_empty());
        assert!(get(&headers, "x-roles").is_empty());
    }

    #[test]
    fn the_idempotency_key_goes_to_reservations_only() {
        let cid = CorrelationId::from_client("c1").unwrap();
        let client = [("Idempotency-Key", "k1")];
        let to_reservation = downstream_headers(
            route(Method::Post, "/reservations"),
            client,
            Some(&alice()),
            &cid,
        );
        assert_eq!(get(&to_reservation, "idempotency-key"), ["k1"]);
        let to_theater =
            downstream_headers(route(Method::Post, "/halls"), client, Some(&alice()), &cid);
        assert!(get(&to_theater, "idempotency-key").is_empty());
    }

    #[test]
    fn the_downstream_url_keeps_path_and_query() {
        assert_eq!(
            downstream_url("http://theater.spin.internal", "/halls", ""),
            "http://theater.spin.internal/halls"
        );
        assert_eq!(
            downstream_url(
                "http://reservation.spin.internal/",
                "/reservations",
                "limit=5"
            ),
            "http://reservation.spin.internal/reservations?limit=5"
        );
    }

    #[test]
    fn a_report_query_reaches_the_reports_context_unchanged() {
        assert_eq!(
            downstream_url(
                "http://reports.spin.internal",
                "/admin/reports/sales",
                "from=2026-12-01&to=2026-12-07&group=movie&format=csv"
            ),
            "http://reports.spin.internal/admin/reports/sales?from=2026-12-01&to=2026-12-07&group=movie&format=csv"
        );
    }

    #[test]
    fn a_csv_download_keeps_its_content_type_and_file_name() {
        let answer = [
            ("content-type", "text/csv; charset=utf-8"),
            (
                "content-disposition",
                "attachment; filename=\"sales-day-2026-12-01-2026-12-07.csv\"",
            ),
            ("set-cookie", "a=b"),
            ("x-internal-debug", "1"),
            ("server", "reports"),
        ];
        let lookup = |name: &str| answer.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(
            public_response_headers(lookup),
            [
                ("content-type", "text/csv; charset=utf-8".to_string()),
                (
                    "content-disposition",
                    "attachment; filename=\"sales-day-2026-12-01-2026-12-07.csv\"".to_string()
                ),
            ]
        );
    }

    #[test]
    fn an_answer_keeps_location_retry_after_and_allow_with_the_location_made_public() {
        let answer = [
            ("content-type", "application/json"),
            (
                "location",
                "http://reservation.spin.internal/reservations/r1",
            ),
            ("retry-after", "2"),
            ("allow", "GET, DELETE"),
        ];
        let lookup = |name: &str| answer.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(
            public_response_headers(lookup),
            [
                ("content-type", "application/json".to_string()),
                ("location", "/api/reservations/r1".to_string()),
                ("retry-after", "2".to_string()),
                ("allow", "GET, DELETE".to_string()),
            ]
        );
    }

    #[test]
    fn locations_are_rewritten_to_the_public_prefix() {
        assert_eq!(public_location("/reservations/r1"), "/api/reservations/r1");
        assert_eq!(
            public_location("/api/reservations/r1"),
            "/api/reservations/r1"
        );
        assert_eq!(
            public_location("http://reservation.spin.internal/reservations/r1"),
            "/api/reservations/r1"
        );
        assert_eq!(
            public_location("https://example.com/x"),
            "https://example.com/x"
        );
        assert_eq!(public_location("relative"), "relative");
    }

    #[test]
    fn a_declared_body_over_one_mebibyte_is_too_large() {
        assert!(declared_length_too_large(Some("1048577")));
        assert!(!declared_length_too_large(Some("1048576")));
        assert!(!declared_length_too_large(Some("nonsense")));
        assert!(!declared_length_too_large(None));
    }
}
