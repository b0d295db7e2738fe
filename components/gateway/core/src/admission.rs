//! The admission use case: may this request pass the gateway, and on whose behalf?
//!
//! Order: per-address limit (every request, so floods of 404s and bad tokens count too) →
//! route → (public: done) → token → role → per-customer limit.

use crate::credentials::{CredentialProblem, Credentials};
use crate::identity::{Identity, Role};
use crate::ports::{Clock, CounterError, WindowCounters};
use crate::rate_limit::{ClientAddress, Limit, RateLimiter, Subject, Verdict};
use crate::routes::{
    Access, Authorization, Method, Route, RouteMatch, authorize, match_route, strip_api_prefix,
};
use crate::token::{AuthError, bearer};

/// The parts of a request admission looks at.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    pub method: Method,
    /// The full request path (`/api/...`), without the query.
    pub path: &'a str,
    pub authorization: Option<&'a str>,
    /// Spin's `spin-client-addr` (`ip:port`).
    pub client_address: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_customer: Limit,
    pub per_address: Limit,
}

impl Limits {
    pub const DEFAULT_PER_CUSTOMER: u32 = 200;
    pub const DEFAULT_PER_ADDRESS: u32 = 2000;
}

/// Why a request is turned away.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no such endpoint")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    #[error("{0}")]
    Unauthorized(AuthError),
    #[error("the {0} role is required")]
    Forbidden(Role),
    #[error("too many requests")]
    RateLimited { retry_after_s: u64 },
    /// No usable `jwt_secret`: protected routes are closed (503 `auth_not_configured`).
    #[error("jwt_secret {0}")]
    NotConfigured(CredentialProblem),
    #[error("gateway misconfigured: {0}")]
    Unexpected(String),
}

/// Something the log should mention (admission still decided).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The limit could not be counted; the request was let through (fail open).
    LimiterUnavailable(CounterError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// Who is calling, once a token was verified.
    pub identity: Option<Identity>,
    pub decision: Result<&'static Route, Rejection>,
    pub notes: Vec<Note>,
}

pub struct Gatekeeper<'a, C: Clock, W: WindowCounters> {
    credentials: &'a Credentials,
    clock: &'a C,
    limiter: RateLimiter<'a, W>,
    limits: Limits,
}

impl<'a, C: Clock, W: WindowCounters> Gatekeeper<'a, C, W> {
    pub fn new(
        credentials: &'a Credentials,
        clock: &'a C,
        counters: &'a W,
        limits: Limits,
    ) -> Self {
        Self {
            credentials,
            clock,
            limiter: RateLimiter::new(counters),
            limits,
        }
    }

    pub fn admit(&self, head: &RequestHead<'_>) -> Admission {
        let mut admission = Admission {
            identity: None,
            decision: Err(Rejection::NotFound),
            notes: Vec::new(),
        };
        let now = self.clock.now_unix_s();
        let address = Subject::Address(ClientAddress::parse(
            head.client_address.unwrap_or_default(),
        ));
        if let Err(limited) =
            self.count(&address, self.limits.per_address, now, &mut admission.notes)
        {
            admission.decision = Err(limited);
            return admission;
        }
        admission.decision = self.route_and_identify(head, now, &mut admission);
        admission
    }

    fn route_and_identify(
        &self,
        head: &RequestHead<'_>,
        now: i64,
        admission: &mut Admission,
    ) -> Result<&'static Route, Rejection> {
        let path = strip_api_prefix(head.path).ok_or(Rejection::NotFound)?;
        let route = match match_route(head.method, path) {
            RouteMatch::Found(route) => route,
            RouteMatch::MethodNotAllowed(allowed) => {
                return Err(Rejection::MethodNotAllowed(allowed));
            }
            RouteMatch::NotFound => return Err(Rejection::NotFound),
        };
        if route.access == Access::Public {
            return Ok(route);
        }
        let identity = self.identify(route, head.authorization, now)?;
        let authorization = authorize(route, Some(&identity.roles));
        let customer = Subject::Customer(identity.customer.clone());
        admission.identity = Some(identity);
        if let Authorization::Forbidden(role) = authorization {
            return Err(Rejection::Forbidden(role));
        }
        self.count(
            &customer,
            self.limits.per_customer,
            now,
            &mut admission.notes,
        )?;
        Ok(route)
    }

    /// Who the bearer is: the operations token on an operations route, else a verified JWT.
    fn identify(
        &self,
        route: &Route,
        authorization: Option<&str>,
        now: i64,
    ) -> Result<Identity, Rejection> {
        if route.operations
            && let Some(ops) = bearer(authorization)
                .ok()
                .and_then(|b| self.credentials.operations_identity(b))
        {
            return Ok(ops);
        }
        let tokens = self
            .credentials
            .tokens
            .as_ref()
            .map_err(|problem| Rejection::NotConfigured(*problem))?;
        tokens
            .authenticate(authorization, now)
            .map_err(Rejection::Unauthorized)
    }

    /// Counts one request; a store failure lets the request through and is noted.
    fn count(
        &self,
        subject: &Subject,
        limit: Limit,
        now: i64,
        notes: &mut Vec<Note>,
    ) -> Result<(), Rejection> {
        match self.limiter.check(subject, limit, now) {
            Ok(Verdict::Allowed) => Ok(()),
            Ok(Verdict::Limited { retry_after_s }) => Err(Rejection::RateLimited { retry_after_s }),
            Err(e) => {
                notes.push(Note::LimiterUnavailable(e));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Settings;
    use crate::identity::{CustomerId, Roles};
    use crate::routes::Target;
    use crate::testing::{FixedClock, MemoryCounters, generated_secret};
    use crate::token::TokenService;

    const NOW: i64 = 1_800_000_000;

    fn ops() -> String {
        generated_secret("operations")
    }

    struct World {
        credentials: Credentials,
        clock: FixedClock,
        counters: MemoryCounters,
        limits: Limits,
    }

    impl World {
        fn new() -> Self {
            Self {
                credentials: Credentials::configure(&Settings {
                    jwt_secret: generated_secret("jwt"),
                    ops_token: ops(),
                    ..Settings::default()
                }),
                clock: FixedClock(NOW),
                counters: MemoryCounters::default(),
                limits: Limits {
                    per_customer: Limit(200),
                    per_address: Limit(2000),
                },
            }
        }

        fn token(&self, roles: &[Role]) -> String {
            let who = Identity {
                customer: CustomerId::parse("alice").unwrap(),
                roles: Roles::new(roles.iter().copied()),
            };
            format!(
                "Bearer {}",
                self.tokens().issue(&who, NOW, 3600).unwrap().token
            )
        }

        fn tokens(&self) -> &TokenService {
            self.credentials.tokens.as_ref().unwrap()
        }

        fn admit(&self, method: Method, path: &str, authorization: Option<&str>) -> Admission {
            let gate = Gatekeeper::new(&self.credentials, &self.clock, &self.counters, self.limits);
            gate.admit(&RequestHead {
                method,
                path,
                authorization,
                client_address: Some("10.0.0.1:4000"),
            })
        }
    }

    #[test]
    fn a_public_route_passes_without_a_token() {
        let world = World::new();
        let admission = world.admit(Method::Get, "/api/movies", None);
        assert_eq!(
            admission.decision.unwrap().target,
            Target::Forward(crate::routes::Context::Catalog)
        );
        assert_eq!(admission.identity, None);
    }

    #[test]
    fn a_protected_route_without_a_token_is_unauthorized() {
        let world = World::new();
        let admission = world.admit(Method::Get, "/api/reservations", None);
        assert_eq!(
            admission.decision,
            Err(Rejection::Unauthorized(AuthError::MissingToken))
        );
    }

    #[test]
    fn a_customer_token_on_an_admin_route_is_forbidden() {
        let world = World::new();
        let token = world.token(&[Role::Customer]);
        let admission = world.admit(Method::Post, "/api/halls", Some(&token));
        assert_eq!(admission.decision, Err(Rejection::Forbidden(Role::Admin)));
        assert_eq!(admission.identity.unwrap().customer.as_str(), "alice");
    }

    #[test]
    fn a_customer_token_on_a_customer_route_is_admitted_with_its_identity() {
        let world = World::new();
        let token = world.token(&[Role::Customer]);
        let admission = world.admit(Method::Post, "/api/reservations", Some(&token));
        assert!(admission.decision.is_ok());
        assert_eq!(admission.identity.unwrap().customer.as_str(), "alice");
    }

    #[test]
    fn unknown_paths_and_paths_outside_api_are_not_found_and_wrong_methods_are_405() {
        let world = World::new();
        assert_eq!(
            world.admit(Method::Get, "/api/nope", None).decision,
            Err(Rejection::NotFound)
        );
        assert_eq!(
            world.admit(Method::Get, "/api", None).decision,
            Err(Rejection::NotFound)
        );
        assert_eq!(
            world.admit(Method::Post, "/api/payments", None).decision,
            Err(Rejection::NotFound)
        );
        assert_eq!(
            world.admit(Method::Delete, "/api/movies", None).decision,
            Err(Rejection::MethodNotAllowed(vec![Method::Post, Method::Get]))
        );
    }

    #[test]
    fn a_customer_over_the_limit_is_rate_limited() {
        let mut world = World::new();
        world.limits.per_customer = Limit(2);
        let token = world.token(&[Role::Customer]);
        assert!(
            world
                .admit(Method::Get, "/api/reservations", Some(&token))
                .decision
                .is_ok()
        );
        assert!(
            world
                .admit(Method::Get, "/api/reservations", Some(&token))
                .decision
                .is_ok()
        );
        assert_eq!(
            world
                .admit(Method::Get, "/api/reservations", Some(&token))
                .decision,
            Err(Rejection::RateLimited { retry_after_s: 1 })
        );
    }

    #[test]
    fn an_address_over_the_limit_is_rate_limited_even_on_public_routes() {
        let mut world = World::new();
        world.limits.per_address = Limit(1);
        assert!(
            world
                .admit(Method::Get, "/api/movies", None)
                .decision
                .is_ok()
        );
        assert_eq!(
            world.admit(Method::Get, "/api/movies", None).decision,
            Err(Rejection::RateLimited { retry_after_s: 1 })
        );
    }

    #[test]
    fn an_unavailable_limiter_fails_open_and_is_noted() {
        let world = World::new();
        world.counters.fail(true);
        let admission = world.admit(Method::Get, "/api/movies", None);
        assert!(admission.decision.is_ok());
        assert!(matches!(
            admission.notes.as_slice(),
            [Note::LimiterUnavailable(_)]
        ));
    }

    #[test]
    fn without_a_usable_secret_protected_routes_are_not_configured_and_public_ones_work() {
        let world = World::new();
        for (secret, dev_auth, problem) in [
            ("", false, CredentialProblem::Unset),
            ("", true, CredentialProblem::Unset),
            ("short", false, CredentialProblem::TooShort),
            (
                "dev-only-secret-change-me-in-production-0123456789",
                false,
                CredentialProblem::Published,
            ),
        ] {
            let credentials = Credentials::configure(&Settings {
                jwt_secret: secret.into(),
                dev_auth,
                ..Settings::default()
            });
            let gate = Gatekeeper::new(&credentials, &world.clock, &world.counters, world.limits);
            let head = |path, authorization| RequestHead {
                method: Method::Get,
                path,
                authorization,
                client_address: None,
            };
            assert!(gate.admit(&head("/api/movies", None)).decision.is_ok());
            let forged = world.token(&[Role::Customer, Role::Admin]);
            assert_eq!(
                gate.admit(&head("/api/reservations", Some(&forged)))
                    .decision,
                Err(Rejection::NotConfigured(problem)),
                "{secret:?} dev_auth={dev_auth}"
            );
        }
    }

    #[test]
    fn a_published_secret_is_accepted_while_dev_auth_is_on() {
        let world = World::new();
        let published = "dev-only-secret-change-me-in-production-0123456789";
        let credentials = Credentials::configure(&Settings {
            jwt_secret: published.into(),
            dev_auth: true,
            ..Settings::default()
        });
        let gate = Gatekeeper::new(&credentials, &world.clock, &world.counters, world.limits);
        let who = Identity {
            customer: CustomerId::parse("alice").unwrap(),
            roles: Roles::new([Role::Customer]),
        };
        let token = format!(
            "Bearer {}",
            credentials
                .tokens
                .as_ref()
                .unwrap()
                .issue(&who, NOW, 600)
                .unwrap()
                .token
        );
        let admission = gate.admit(&RequestHead {
            method: Method::Get,
            path: "/api/reservations",
            authorization: Some(&token),
            client_address: None,
        });
        assert!(admission.decision.is_ok());
    }

    #[test]
    fn the_operations_token_opens_operations_routes_only() {
        let world = World::new();
        let ops = format!("Bearer {}", ops());
        let relay = world.admit(Method::Post, "/api/admin/events/relay", Some(&ops));
        assert_eq!(relay.decision.unwrap().target, Target::Relay);
        assert_eq!(relay.identity.unwrap().customer.as_str(), "ops");
        for (method, path) in [
            (Method::Post, "/api/halls"),
            (Method::Put, "/api/admin/payment-simulator"),
            (Method::Get, "/api/reservations"),
        ] {
            assert_eq!(
                world.admit(method, path, Some(&ops)).decision,
                Err(Rejection::Unauthorized(AuthError::Malformed)),
                "{path}"
            );
        }
        // An admin's JWT still works on the operations route.
        let admin = world.token(&[Role::Admin]);
        assert!(
            world
                .admit(Method::Post, "/api/admin/events/relay", Some(&admin))
                .decision
                .is_ok()
        );
    }
}
