//! The gateway's credentials: the HS256 signing secret (`jwt_secret`) and the operations token
//! (`ops_token`). There is no default credential: a secret that is unset, shorter than 32 bytes,
//! or a value anyone can read in the cinema's repository (the old manifest default, the deploy
//! examples, test fixtures, or anything shaped like a placeholder) makes every protected route
//! answer 503 `auth_not_configured` instead of accepting tokens somebody else could sign. A
//! published value is tolerated only while `dev_auth` is on (a development app hands out admin
//! tokens to anyone anyway).
//!
//! The operations token is a long random bearer credential for machines (the relay CronJob):
//! it is accepted on the operations routes only ([`crate::routes::Route::operations`]) and
//! compared through SHA-256 digests, so the comparison time says nothing about the value.

use sha2::{Digest, Sha256};

use crate::identity::{CustomerId, Identity, Role, Roles};
use crate::token::{TokenRules, TokenService};

/// Why a credential is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialProblem {
    #[error("is not set")]
    Unset,
    #[error("is shorter than {} bytes", MIN_LEN)]
    TooShort,
    #[error(
        "is a value published in the cinema repository or a placeholder, so anyone could sign with it"
    )]
    Published,
}

/// The shortest accepted credential: HS256 needs a 256-bit key.
pub const MIN_LEN: usize = 32;

/// Secrets that appear, or appeared, in the repository (manifest defaults, deploy examples,
/// scripts, tests). Never acceptable outside development.
const PUBLISHED: &[&str] = &[
    "dev-only-secret-change-me-in-production-0123456789",
    "change-me-to-at-least-32-random-bytes-xxxxxxxx",
    "local-dev-secret-not-for-production-0123456789",
    "test-secret-that-is-long-enough-for-hs256!",
    "another-secret-that-is-long-enough-too!!",
];

/// Fragments that mark a value as a placeholder or a fixture rather than a generated secret.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "replace_me",
    "placeholder",
    "example",
    "not-for-production",
    "dev-only",
    "test-secret",
    "long-enough",
    "your-secret",
    "secret-here",
    "xxxxxxxx",
    "0123456789",
    "abcdefgh",
];

/// Whether `value` is published in the repository or looks like a placeholder: listed above,
/// carrying a placeholder marker, or made of fewer than 8 distinct bytes (`aaaa…`, `0000…`).
pub fn is_published(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let mut distinct = [false; 256];
    value.bytes().for_each(|b| distinct[usize::from(b)] = true);
    PUBLISHED.contains(&value)
        || PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m))
        || distinct.iter().filter(|seen| **seen).count() < 8
}

/// Checks one credential. `allow_published` is `dev_auth`.
///
/// # Errors
/// The [`CredentialProblem`] that makes it unusable.
pub fn check(value: &str, allow_published: bool) -> Result<(), CredentialProblem> {
    if value.is_empty() {
        Err(CredentialProblem::Unset)
    } else if value.len() < MIN_LEN {
        Err(CredentialProblem::TooShort)
    } else if !allow_published && is_published(value) {
        Err(CredentialProblem::Published)
    } else {
        Ok(())
    }
}

/// The authentication settings, as read from the Spin variables.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub jwt_secret: String,
    pub dev_auth: bool,
    pub rules: TokenRules,
    pub ops_token: String,
}

/// What the gateway authenticates with, built once per request from [`Settings`].
pub struct Credentials {
    /// The token service, or why there is none.
    pub tokens: Result<TokenService, CredentialProblem>,
    /// SHA-256 of the operations token, when one is configured and usable.
    ops: Option<[u8; 32]>,
    /// Why a configured operations token is ignored.
    pub ops_problem: Option<CredentialProblem>,
}

impl Credentials {
    pub fn configure(settings: &Settings) -> Self {
        let tokens = check(&settings.jwt_secret, settings.dev_auth).map(|()| {
            TokenService::hs256_with(settings.jwt_secret.as_bytes(), settings.rules.clone())
        });
        let (ops, ops_problem) = match check(&settings.ops_token, settings.dev_auth) {
            Ok(()) => (Some(digest(&settings.ops_token)), None),
            Err(CredentialProblem::Unset) => (None, None),
            Err(problem) => (None, Some(problem)),
        };
        Self {
            tokens,
            ops,
            ops_problem,
        }
    }

    /// The operations identity when `bearer` is the configured operations token.
    pub fn operations_identity(&self, bearer: &str) -> Option<Identity> {
        let expected = self.ops.as_ref()?;
        (digest(bearer) == *expected).then(|| Identity {
            customer: CustomerId::parse(OPERATIONS_SUBJECT).expect("a valid customer id"),
            roles: Roles::new([Role::Admin]),
        })
    }
}

/// Who the operations token acts as (in logs and in the identity headers).
pub const OPERATIONS_SUBJECT: &str = "ops";

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// What an operator must do about a credential problem: the log line's text.
pub fn remedy(variable: &str, problem: CredentialProblem) -> String {
    format!(
        "{variable} {problem}: protected routes answer 503 auth_not_configured. Set the Spin \
         variable {variable} to at least {MIN_LEN} random bytes, e.g. \
         SPIN_VARIABLE_{upper}=$(openssl rand -hex 32) or --variable {variable}=…",
        upper = variable.to_ascii_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::generated_secret;

    #[test]
    fn an_unset_or_short_secret_is_refused_even_in_development() {
        assert_eq!(check("", true), Err(CredentialProblem::Unset));
        assert_eq!(
            check("short-but-random-Q8z", true),
            Err(CredentialProblem::TooShort)
        );
    }

    #[test]
    fn every_published_value_is_refused_outside_development_only() {
        for value in PUBLISHED {
            assert_eq!(
                check(value, false),
                Err(CredentialProblem::Published),
                "{value}"
            );
            assert_eq!(check(value, true), Ok(()), "{value}");
        }
    }

    #[test]
    fn placeholders_and_low_variety_values_count_as_published() {
        assert!(is_published(
            "please-CHANGE-ME-before-deploying-this-app-now"
        ));
        assert!(is_published(&"ab".repeat(20)));
        assert!(is_published(&"0".repeat(64)));
        let good = generated_secret("good");
        assert!(!is_published(&good));
        assert_eq!(check(&good, false), Ok(()));
    }

    #[test]
    fn the_operations_token_identifies_operations_as_admin_and_nothing_else_does() {
        let (jwt, ops) = (generated_secret("jwt"), generated_secret("ops"));
        let credentials = Credentials::configure(&Settings {
            jwt_secret: jwt.clone(),
            ops_token: ops.clone(),
            ..Settings::default()
        });
        let identity = credentials
            .operations_identity(&ops)
            .expect("the operations token");
        assert_eq!(identity.customer.as_str(), OPERATIONS_SUBJECT);
        assert!(identity.roles.contains(Role::Admin));
        assert!(credentials.operations_identity(&jwt).is_none());
        assert!(credentials.operations_identity("").is_none());
    }

    #[test]
    fn an_unusable_operations_token_is_ignored_and_reported() {
        let credentials = Credentials::configure(&Settings {
            jwt_secret: generated_secret("jwt"),
            ops_token: "change-me-to-at-least-32-random-bytes-xxxxxxxx".into(),
            ..Settings::default()
        });
        assert_eq!(credentials.ops_problem, Some(CredentialProblem::Published));
        assert!(
            credentials
                .operations_identity("change-me-to-at-least-32-random-bytes-xxxxxxxx")
                .is_none()
        );
        let none = Credentials::configure(&Settings::default());
        assert_eq!(none.ops_problem, None);
        assert!(none.operations_identity("").is_none());
        assert_eq!(none.tokens.err(), Some(CredentialProblem::Unset));
    }

    #[test]
    fn the_remedy_names_the_variable_and_how_to_set_it() {
        let text = remedy("jwt_secret", CredentialProblem::Unset);
        assert!(text.contains("jwt_secret is not set"), "{text}");
        assert!(text.contains("SPIN_VARIABLE_JWT_SECRET"), "{text}");
        assert!(text.contains("openssl rand -hex 32"), "{text}");
    }
}
