//! The admission use case: may this request pass the gateway, and on whose behalf?
//!
//! Order: per-address limit (every request, so floods of 404s and bad tokens count too) →
//! route → (public: done) → token → role → per-customer limit.

use crate::identity::{Identity, Role};
use crate::ports::{Clock, CounterError, WindowCounters};
use crate::rate_limit::{ClientAddress, Housekeeping, Limit, RateLimiter, Subject, Verdict};
use crate::routes::{
    Access, Authorization, Method, Route, RouteMatch, authorize, match_route, strip_api_prefix,
};
use crate::token::{AuthError, TokenService, WeakSecret};

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
    #[error("gateway misconfigured: {0}")]
    Unexpected(String),
}

/// Something the log should mention (admission still decided).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The limit could not be counted; the request was let through (fail open).
    LimiterUnavailable(CounterError),
    Housekeeping(Housekeeping),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// Who is calling, once a token was verified.
    pub identity: Option<Identity>,
    pub decision: Result<&'static Route, Rejection>,
    pub notes: Vec<Note>,
}

pub struct Gatekeeper<'a, C: Clock, W: WindowCounters> {
    tokens: Result<&'a TokenService, &'a WeakSecret>,
    clock: &'a C,
    limiter: RateLimiter<'a, W>,
    limits: Limits,
}

impl<'a, C: Clock, W: WindowCounters> Gatekeeper<'a, C, W> {
    pub fn new(
        tokens: Result<&'a TokenService, &'a WeakSecret>,
        clock: &'a C,
        counters: &'a W,
        limits: Limits,
    ) -> Self {
        Self {
            tokens,
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
        let tokens = self
            .tokens
            .map_err(|e| Rejection::Unexpected(e.to_string()))?;
        let identity = tokens
            .authenticate(head.authorization, now)
            .map_err(Rejection::Unauthorized)?;
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

    /// Counts one request; a store failure lets the request through and is noted.
    fn count(
        &self,
        subject: &Subject,
        limit: Limit,
        now: i64,
        notes: &mut Vec<Note>,
    ) -> Result<(), Rejection> {
        match self.limiter.check(subject, limit, now) {
            Ok(check) => {
                notes.extend(check.housekeeping.map(Note::Housekeeping));
                match check.verdict {
                    Verdict::Allowed => Ok(()),
                    Verdict::Limited { retry_after_s } => {
                        Err(Rejection::RateLimited { retry_after_s })
                    }
                }
            }
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
    use crate::identity::{CustomerId, Roles};
    use crate::routes::Target;
    use crate::testing::{FixedClock, MemoryCounters};

    const NOW: i64 = 1_800_000_000;
    const SECRET: &[u8] = b"test-secret-that-is-long-enough-for-hs256!";

    struct World {
        tokens: TokenService,
        clock: FixedClock,
        counters: MemoryCounters,
        limits: Limits,
    }

    impl World {
        fn new() -> Self {
            Self {
                tokens: TokenService::hs256(SECRET).unwrap(),
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
                self.tokens.issue(&who, NOW, 3600).unwrap().token
            )
        }

        fn admit(&self, method: Method, path: &str, authorization: Option<&str>) -> Admission {
            let gate = Gatekeeper::new(Ok(&self.tokens), &self.clock, &self.counters, self.limits);
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
    fn a_weak_secret_breaks_protected_routes_only() {
        let world = World::new();
        let weak = WeakSecret;
        let gate = Gatekeeper::new(Err(&weak), &world.clock, &world.counters, world.limits);
        let head = |path| RequestHead {
            method: Method::Get,
            path,
            authorization: None,
            client_address: None,
        };
        assert!(gate.admit(&head("/api/movies")).decision.is_ok());
        assert!(matches!(
            gate.admit(&head("/api/reservations")).decision,
            Err(Rejection::Unexpected(_))
        ));
    }
}
