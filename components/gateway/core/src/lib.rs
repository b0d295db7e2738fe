//! The gateway bounded context's domain core: the rules of the single public entry point.
//!
//! - [`identity`]: customer ids, roles, the authenticated [`identity::Identity`];
//! - [`credentials`]: the signing secret and the operations token, refused when unset or published;
//! - [`token`]: HS256 bearer tokens (verification with the cinema's claim rules, issuing);
//! - [`dev_token`]: validation of `POST /api/auth/dev-token` requests;
//! - [`routes`]: the public route table as data and the role policy;
//! - [`correlation`]: which correlation id a request carries;
//! - [`rate_limit`]: fixed one-second windows in a shared counter store, and their clean-up;
//! - [`admission`]: the use case tying them together (limit → route → token → role → limit);
//! - [`forwarding`], [`relay`], [`drain`], [`metrics`]: what crosses to the private contexts and
//!   back (metrics: rendered in the Prometheus text format).
//!
//! No Spin, no I/O: the clock and the counter store are ports ([`ports`]); fakes in [`testing`].

pub mod admission;
pub mod capacity;
pub mod correlation;
pub mod credentials;
pub mod dev_token;
pub mod drain;
pub mod forwarding;
pub mod hmac_provider;
pub mod identity;
pub mod metrics;
pub mod ports;
pub mod rate_limit;
pub mod relay;
pub mod routes;
pub mod token;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
