//! The public API's route table, as data: method + path pattern → what serves it and who may call it.
//!
//! Paths are matched after the gateway strips `/api`. A pattern segment `{id}` matches one
//! non-empty path segment (not `.` or `..`); everything else matches literally. Only routes listed
//! here are reachable: notably `POST /payments` (the reservation context's synchronous payment
//! call) is internal and not routable from outside.

use std::fmt;

use crate::identity::Role;

/// An HTTP method, as far as routing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Head,
    Options,
    Other,
}

impl Method {
    pub fn parse(value: &str) -> Self {
        match value {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "DELETE" => Self::Delete,
            "PATCH" => Self::Patch,
            "HEAD" => Self::Head,
            "OPTIONS" => Self::Options,
            _ => Self::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
            Self::Head => "HEAD",
            Self::Options => "OPTIONS",
            Self::Other => "OTHER",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A private bounded context the gateway forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Theater,
    Catalog,
    Reservation,
    Mypage,
    Notification,
    Payment,
    Reports,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Self::Theater => "theater",
            Self::Catalog => "catalog",
            Self::Reservation => "reservation",
            Self::Mypage => "mypage",
            Self::Notification => "notification",
            Self::Payment => "payment",
            Self::Reports => "reports",
        }
    }

    /// The Spin variable holding the context's base URL (`http://<ctx>.spin.internal`).
    pub fn url_variable(self) -> &'static str {
        match self {
            Self::Theater => "theater_url",
            Self::Catalog => "catalog_url",
            Self::Reservation => "reservation_url",
            Self::Mypage => "mypage_url",
            Self::Notification => "notification_url",
            Self::Payment => "payment_url",
            Self::Reports => "reports_url",
        }
    }

    pub fn default_url(self) -> String {
        format!("http://{}.spin.internal", self.name())
    }
}

/// The contexts that keep an outbox and answer `POST /admin/events/relay`.
pub const RELAYING_CONTEXTS: [Context; 3] =
    [Context::Reservation, Context::Theater, Context::Payment];

/// The contexts that consume events and answer `POST /admin/events/drain` (each has a
/// `<context>-events` Redis consumer draining the same consumer group, named after the context).
/// Every fan-out over consumers uses this list: drain, dead letters, metrics.
pub const DRAINING_CONTEXTS: [Context; 7] = [
    Context::Reservation,
    Context::Payment,
    Context::Theater,
    Context::Catalog,
    Context::Mypage,
    Context::Notification,
    Context::Reports,
];

/// What serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Forwarded to a private context, path and query unchanged (after `/api`).
    Forward(Context),
    /// Answered by the gateway: development tokens.
    DevToken,
    /// Answered by the gateway: its own liveness.
    Health,
    /// Fanned out to every context in [`RELAYING_CONTEXTS`].
    Relay,
    /// Fanned out to every context in [`DRAINING_CONTEXTS`], in rounds.
    Drain,
    /// Every consuming context's dead letters, listed together.
    DeadLetters,
    /// One dead letter replayed by the context named in the path.
    DeadLetterRetry,
    /// Every context's own numbers and the event stream's, in the Prometheus text format.
    Metrics,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Role(Role),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub pattern: &'static str,
    pub target: Target,
    pub access: Access,
    /// Whether the client's `Idempotency-Key` header travels with the request.
    pub forwards_idempotency_key: bool,
    /// Whether the operations token (`ops_token`) is accepted here besides an admin's JWT.
    pub operations: bool,
}

const fn route(method: Method, pattern: &'static str, target: Target, access: Access) -> Route {
    Route {
        method,
        pattern,
        target,
        access,
        forwards_idempotency_key: false,
        operations: false,
    }
}

/// An operations route: an admin's JWT or the operations token.
const fn operations(method: Method, pattern: &'static str, target: Target) -> Route {
    Route {
        method,
        pattern,
        target,
        access: Access::Role(Role::Admin),
        forwards_idempotency_key: false,
        operations: true,
    }
}

const fn reservation(method: Method, pattern: &'static str) -> Route {
    Route {
        method,
        pattern,
        target: Target::Forward(Context::Reservation),
        access: Access::Role(Role::Customer),
        forwards_idempotency_key: true,
        operations: false,
    }
}

/// The public API (see `API.md`), in one table.
pub use table::ROUTES;

mod table {
    use super::Access::Public;
    use super::Context::*;
    use super::Method::{Delete, Get, Post, Put};
    use super::Target::Forward;
    use super::{Access, Role, Route, Target, operations, reservation, route};

    const ADMIN: Access = Access::Role(Role::Admin);
    const CUSTOMER: Access = Access::Role(Role::Customer);

    pub const ROUTES: &[Route] = &[
        route(Post, "/auth/dev-token", Target::DevToken, Public),
        route(Get, "/health", Target::Health, Public),
        // theater administration
        route(Post, "/halls", Forward(Theater), ADMIN),
        route(Get, "/halls", Forward(Theater), ADMIN),
        route(Get, "/halls/{id}", Forward(Theater), ADMIN),
        route(Post, "/movies", Forward(Theater), ADMIN),
        route(Post, "/movies/{id}/screenings", Forward(Theater), ADMIN),
        // staff views: the programme with sales (catalog's read model), who holds which seat
        route(Get, "/admin/programme", Forward(Catalog), ADMIN),
        route(Get, "/admin/screenings/{id}/seats", Forward(Theater), ADMIN),
        // catalog and seat maps (public reads)
        route(Get, "/movies", Forward(Catalog), Public),
        route(Get, "/movies/{id}", Forward(Catalog), Public),
        route(Get, "/screenings/{id}/seats", Forward(Theater), Public),
        // reservations
        reservation(Post, "/reservations"),
        reservation(Get, "/reservations"),
        reservation(Get, "/reservations/{id}"),
        reservation(Delete, "/reservations/{id}"),
        // tickets (the booking's owner) and check-in at the door (staff)
        reservation(Get, "/reservations/{id}/ticket"),
        Route {
            access: ADMIN,
            ..reservation(Post, "/admin/check-ins")
        },
        // seat holds (the reservation context's own)
        reservation(Post, "/holds"),
        reservation(Get, "/holds/{id}"),
        reservation(Delete, "/holds/{id}"),
        // my page
        route(Get, "/my/reservations", Forward(Mypage), CUSTOMER),
        route(Get, "/my/notifications", Forward(Notification), CUSTOMER),
        route(Get, "/my/preferences", Forward(Notification), CUSTOMER),
        route(Put, "/my/preferences", Forward(Notification), CUSTOMER),
        // payment (administration only; `POST /payments` is internal to the reservation context)
        route(Put, "/admin/payment-simulator", Forward(Payment), ADMIN),
        route(Get, "/admin/payment-simulator", Forward(Payment), ADMIN),
        route(Get, "/payments/{id}", Forward(Payment), ADMIN),
        // staff reports: takings, refunds, occupancy (the Python reports context; CSV too)
        route(Get, "/admin/reports/sales", Forward(Reports), ADMIN),
        route(
            Get,
            "/admin/reports/screenings/{id}",
            Forward(Reports),
            ADMIN,
        ),
        // operations
        operations(Post, "/admin/events/relay", Target::Relay),
        operations(Get, "/admin/events/dead-letters", Target::DeadLetters),
        operations(
            Post,
            "/admin/events/dead-letters/{context}/{id}/retry",
            Target::DeadLetterRetry,
        ),
        operations(Post, "/admin/events/drain", Target::Drain),
        operations(Get, "/admin/metrics", Target::Metrics),
    ];
}

/// The outcome of matching a request against [`ROUTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    Found(&'static Route),
    /// The path exists with other methods (for the `Allow` header).
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

/// Matches a path (after `/api`, without the query) in [`ROUTES`].
pub fn match_route(method: Method, path: &str) -> RouteMatch {
    match_in(ROUTES, method, path)
}

fn match_in(routes: &'static [Route], method: Method, path: &str) -> RouteMatch {
    let mut allowed = Vec::new();
    for route in routes.iter().filter(|r| path_matches(r.pattern, path)) {
        if route.method == method {
            return RouteMatch::Found(route);
        }
        if !allowed.contains(&route.method) {
            allowed.push(route.method);
        }
    }
    if allowed.is_empty() {
        RouteMatch::NotFound
    } else {
        RouteMatch::MethodNotAllowed(allowed)
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let Some(path) = path.strip_prefix('/') else {
        return false;
    };
    let mut segments = path.split('/');
    for expected in pattern.trim_start_matches('/').split('/') {
        let Some(actual) = segments.next() else {
            return false;
        };
        let ok = if expected.starts_with('{') {
            !actual.is_empty() && actual != "." && actual != ".."
        } else {
            actual == expected
        };
        if !ok {
            return false;
        }
    }
    segments.next().is_none()
}

/// Strips the public prefix: `/api/halls` → `/halls`; anything not under `/api/` → `None`.
pub fn strip_api_prefix(path: &str) -> Option<&str> {
    path.strip_prefix("/api")
        .filter(|rest| rest.starts_with('/'))
}

/// The role policy: may `roles` call `route`?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    Allowed,
    /// The route needs a token and none was verified.
    NeedsToken,
    /// The token lacks this role.
    Forbidden(Role),
}

pub fn authorize(route: &Route, roles: Option<&crate::identity::Roles>) -> Authorization {
    match (route.access, roles) {
        (Access::Public, _) => Authorization::Allowed,
        (Access::Role(_), None) => Authorization::NeedsToken,
        (Access::Role(required), Some(roles)) if roles.contains(required) => Authorization::Allowed,
        (Access::Role(required), Some(_)) => Authorization::Forbidden(required),
    }
}

#[cfg(test)]
mod tests {
    use super::Context::*;
    use super::Method::{Delete, Get, Post, Put};
    use super::Target::Forward;
    use super::*;
    use crate::identity::Roles;

    fn target(method: Method, path: &str) -> Option<Target> {
        match match_route(method, path) {
            RouteMatch::Found(route) => Some(route.target),
            _ => None,
        }
    }

    #[test]
    fn every_documented_route_reaches_its_context() {
        let cases = [
            (Post, "/halls", Forward(Theater)),
            (Get, "/halls", Forward(Theater)),
            (Get, "/halls/h1", Forward(Theater)),
            (Post, "/movies", Forward(Theater)),
            (Post, "/movies/m1/screenings", Forward(Theater)),
            (Get, "/admin/programme", Forward(Catalog)),
            (Get, "/admin/screenings/s1/seats", Forward(Theater)),
            (Get, "/movies", Forward(Catalog)),
            (Get, "/movies/m1", Forward(Catalog)),
            (Get, "/screenings/s1/seats", Forward(Theater)),
            (Post, "/reservations", Forward(Reservation)),
            (Get, "/reservations", Forward(Reservation)),
            (Get, "/reservations/r1", Forward(Reservation)),
            (Delete, "/reservations/r1", Forward(Reservation)),
            (Get, "/reservations/r1/ticket", Forward(Reservation)),
            (Post, "/admin/check-ins", Forward(Reservation)),
            (Post, "/holds", Forward(Reservation)),
            (Get, "/holds/h1", Forward(Reservation)),
            (Delete, "/holds/h1", Forward(Reservation)),
            (Get, "/my/reservations", Forward(Mypage)),
            (Get, "/my/notifications", Forward(Notification)),
            (Get, "/my/preferences", Forward(Notification)),
            (Put, "/my/preferences", Forward(Notification)),
            (Put, "/admin/payment-simulator", Forward(Payment)),
            (Get, "/admin/payment-simulator", Forward(Payment)),
            (Get, "/payments/p1", Forward(Payment)),
            (Get, "/admin/reports/sales", Forward(Reports)),
            (Get, "/admin/reports/screenings/s1", Forward(Reports)),
            (Post, "/admin/events/relay", Target::Relay),
            (Post, "/admin/events/drain", Target::Drain),
            (Get, "/admin/metrics", Target::Metrics),
            (Post, "/auth/dev-token", Target::DevToken),
        ];
        for (method, path, expected) in cases {
            assert_eq!(target(method, path), Some(expected), "{method} {path}");
        }
    }

    #[test]
    fn post_payments_is_not_routable() {
        assert_eq!(match_route(Post, "/payments"), RouteMatch::NotFound);
        assert_eq!(match_route(Get, "/payments"), RouteMatch::NotFound);
        assert_eq!(
            match_route(Post, "/payments/p1"),
            RouteMatch::MethodNotAllowed(vec![Get])
        );
    }

    #[test]
    fn a_known_path_with_another_method_is_method_not_allowed() {
        assert_eq!(
            match_route(Put, "/halls"),
            RouteMatch::MethodNotAllowed(vec![Post, Get])
        );
        assert_eq!(
            match_route(Delete, "/movies/m1"),
            RouteMatch::MethodNotAllowed(vec![Get])
        );
        assert_eq!(
            match_route(Method::Patch, "/reservations/r1"),
            RouteMatch::MethodNotAllowed(vec![Get, Delete])
        );
    }

    #[test]
    fn unknown_paths_extra_segments_and_empty_ids_are_not_found() {
        for path in [
            "/",
            "",
            "/nope",
            "/halls/",
            "/halls//",
            "/halls/h1/extra",
            "/movies/m1/screenings/s1",
            "/reservations/..",
            "/reservations/.",
            "/my",
            "/my/reservations/r1",
            "halls",
        ] {
            assert_eq!(match_route(Get, path), RouteMatch::NotFound, "{path:?}");
        }
    }

    #[test]
    fn only_paths_under_api_are_served() {
        assert_eq!(strip_api_prefix("/api/halls"), Some("/halls"));
        assert_eq!(strip_api_prefix("/api/"), Some("/"));
        assert_eq!(strip_api_prefix("/api"), None);
        assert_eq!(strip_api_prefix("/apix/halls"), None);
        assert_eq!(strip_api_prefix("/halls"), None);
    }

    #[test]
    fn catalog_reads_seat_maps_and_dev_tokens_are_public() {
        for (method, path) in [
            (Get, "/movies"),
            (Get, "/movies/m1"),
            (Get, "/screenings/s1/seats"),
            (Post, "/auth/dev-token"),
        ] {
            let RouteMatch::Found(route) = match_route(method, path) else {
                panic!("{path}")
            };
            assert_eq!(authorize(route, None), Authorization::Allowed, "{path}");
        }
    }

    #[test]
    fn a_protected_route_without_a_token_needs_one() {
        let RouteMatch::Found(route) = match_route(Post, "/reservations") else {
            panic!()
        };
        assert_eq!(authorize(route, None), Authorization::NeedsToken);
    }

    #[test]
    fn a_customer_cannot_administer_and_an_admin_is_not_a_customer() {
        let customer = Roles::new([Role::Customer]);
        let admin = Roles::new([Role::Admin]);
        let RouteMatch::Found(halls) = match_route(Post, "/halls") else {
            panic!()
        };
        let RouteMatch::Found(book) = match_route(Post, "/reservations") else {
            panic!()
        };
        assert_eq!(
            authorize(halls, Some(&customer)),
            Authorization::Forbidden(Role::Admin)
        );
        assert_eq!(authorize(halls, Some(&admin)), Authorization::Allowed);
        assert_eq!(
            authorize(book, Some(&admin)),
            Authorization::Forbidden(Role::Customer)
        );
        assert_eq!(authorize(book, Some(&customer)), Authorization::Allowed);
        assert_eq!(
            authorize(book, Some(&Roles::default())),
            Authorization::Forbidden(Role::Customer)
        );
    }

    #[test]
    fn only_an_admin_may_relay_or_drain_the_events() {
        let customer = Roles::new([Role::Customer]);
        let admin = Roles::new([Role::Admin]);
        for path in ["/admin/events/relay", "/admin/events/drain"] {
            let RouteMatch::Found(route) = match_route(Post, path) else {
                panic!("{path}")
            };
            assert_eq!(authorize(route, None), Authorization::NeedsToken, "{path}");
            assert_eq!(
                authorize(route, Some(&customer)),
                Authorization::Forbidden(Role::Admin),
                "{path}"
            );
            assert_eq!(
                authorize(route, Some(&admin)),
                Authorization::Allowed,
                "{path}"
            );
        }
    }

    #[test]
    fn only_an_admin_reads_the_reports_and_they_are_read_only() {
        let customer = Roles::new([Role::Customer]);
        let admin = Roles::new([Role::Admin]);
        for path in ["/admin/reports/sales", "/admin/reports/screenings/s1"] {
            let RouteMatch::Found(route) = match_route(Get, path) else {
                panic!("{path}")
            };
            assert!(!route.operations, "{path}: staff, not the ops token");
            assert_eq!(authorize(route, None), Authorization::NeedsToken, "{path}");
            assert_eq!(
                authorize(route, Some(&customer)),
                Authorization::Forbidden(Role::Admin),
                "{path}"
            );
            assert_eq!(
                authorize(route, Some(&admin)),
                Authorization::Allowed,
                "{path}"
            );
            assert_eq!(
                match_route(Post, path),
                RouteMatch::MethodNotAllowed(vec![Get]),
                "{path}"
            );
        }
        for path in [
            "/admin/reports",
            "/admin/reports/screenings",
            "/admin/reports/screenings/",
            "/admin/reports/sales/extra",
        ] {
            assert_eq!(match_route(Get, path), RouteMatch::NotFound, "{path}");
        }
    }

    #[test]
    fn the_reports_context_is_reached_through_reports_url_and_fanned_out_to() {
        assert_eq!(Reports.name(), "reports");
        assert_eq!(Reports.url_variable(), "reports_url");
        assert_eq!(Reports.default_url(), "http://reports.spin.internal");
        assert!(DRAINING_CONTEXTS.contains(&Reports));
        assert!(!RELAYING_CONTEXTS.contains(&Reports), "it keeps no outbox");
    }

    #[test]
    fn the_metrics_are_an_operations_route_for_admins() {
        let RouteMatch::Found(route) = match_route(Get, "/admin/metrics") else {
            panic!("/admin/metrics")
        };
        assert!(route.operations);
        assert_eq!(route.access, Access::Role(Role::Admin));
        assert_eq!(
            match_route(Post, "/admin/metrics"),
            RouteMatch::MethodNotAllowed(vec![Get])
        );
    }

    #[test]
    fn only_reservation_routes_forward_the_idempotency_key() {
        for route in ROUTES {
            let is_reservation = route.target == Forward(Reservation);
            assert_eq!(
                route.forwards_idempotency_key, is_reservation,
                "{} {}",
                route.method, route.pattern
            );
        }
    }

    #[test]
    fn the_route_table_has_no_duplicate_method_and_pattern() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.pattern == b.pattern),
                    "{} {}",
                    a.method,
                    a.pattern
                );
            }
        }
    }
}
