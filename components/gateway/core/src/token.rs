//! Bearer tokens: HS256 JWTs verified and issued with the `jsonwebtoken` crate (RustCrypto HMAC
//! through [`crate::hmac_provider`]).
//!
//! The signature and the token's structure are the crate's job; this module adds the cinema's
//! claim rules on top: `sub` is a [`CustomerId`], `roles` is an array of role names, `exp` is
//! required and checked against the injected clock with a small leeway, `nbf` is honoured when
//! present, a token may not live longer than [`TokenRules::max_lifetime_s`] (from `iat`, or from
//! now when it has none), and `iss` / `aud` must match when the deployment names them.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

use crate::identity::{CustomerId, Identity, Role, Roles};

/// Why a request is not authenticated. Every variant is a 401 `unauthorized`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("a bearer token is required")]
    MissingToken,
    #[error("the Authorization header must be 'Bearer <token>'")]
    NotBearer,
    #[error("the token is malformed")]
    Malformed,
    #[error("the token is not signed with HS256")]
    WrongAlgorithm,
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token has no '{0}' claim")]
    MissingClaim(&'static str),
    #[error("the token's 'sub' is not a valid customer id")]
    InvalidSubject,
    #[error("the token's 'roles' claim must be an array of role names")]
    InvalidRoles,
    #[error("the token was not issued by the expected issuer")]
    WrongIssuer,
    #[error("the token is not meant for this audience")]
    WrongAudience,
    #[error("the token's lifetime exceeds {0} seconds")]
    LifetimeTooLong(i64),
}

/// The deployment's rules for the tokens it accepts (`jwt_issuer`, `jwt_audience`,
/// `jwt_max_lifetime_s`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRules {
    /// `iss` must equal this when set; issued tokens carry it.
    pub issuer: Option<String>,
    /// `aud` must contain this when set; issued tokens carry it.
    pub audience: Option<String>,
    /// The longest accepted `exp - iat` (or `exp - now` without `iat`).
    pub max_lifetime_s: i64,
}

impl TokenRules {
    pub const DEFAULT_MAX_LIFETIME_S: i64 = 86_400;
}

impl Default for TokenRules {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: None,
            max_lifetime_s: Self::DEFAULT_MAX_LIFETIME_S,
        }
    }
}

/// The signing secret is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the JWT secret must be at least {min} bytes (HS256 needs a 256-bit key)", min = TokenService::MIN_SECRET_LEN)]
pub struct WeakSecret;

/// Issuing failed: the claims could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the token could not be signed: {0}")]
pub struct IssueError(String);

/// A freshly signed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Verifies and issues HS256 tokens with one shared secret.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    rules: TokenRules,
}

impl TokenService {
    /// Clock skew tolerated on `exp` and `nbf`.
    pub const LEEWAY_S: i64 = 30;
    /// Lifetime of a development token.
    pub const DEV_TOKEN_TTL_S: i64 = 3600;
    pub const MIN_SECRET_LEN: usize = 32;

    /// # Errors
    /// [`WeakSecret`] when the secret is shorter than 32 bytes.
    pub fn hs256(secret: &[u8]) -> Result<Self, WeakSecret> {
        if secret.len() < Self::MIN_SECRET_LEN {
            return Err(WeakSecret);
        }
        Ok(Self::hs256_with(secret, TokenRules::default()))
    }

    /// A service for a secret already checked by [`crate::credentials::check`].
    pub fn hs256_with(secret: &[u8], rules: TokenRules) -> Self {
        crate::hmac_provider::install();
        let mut validation = Validation::new(Algorithm::HS256);
        // Time claims are checked below against the injected clock, not the crate's wall clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let mut required = vec!["exp"];
        match &rules.issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &rules.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            rules,
        }
    }

    /// Authenticates the value of an `Authorization` header.
    ///
    /// # Errors
    /// Any [`AuthError`]: no header, not `Bearer`, or an invalid token.
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        now: i64,
    ) -> Result<Identity, AuthError> {
        self.verify(bearer(authorization)?, now)
    }

    /// Verifies a compact JWT and returns who it identifies.
    ///
    /// # Errors
    /// Any [`AuthError`] but `MissingToken`/`NotBearer`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Identity, AuthError> {
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &self.validation)
                .map_err(|e| match e.kind() {
                    ErrorKind::InvalidSignature => AuthError::BadSignature,
                    ErrorKind::InvalidAlgorithm
                    | ErrorKind::InvalidAlgorithmName
                    | ErrorKind::MissingAlgorithm => AuthError::WrongAlgorithm,
                    ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
                    ErrorKind::InvalidAudience => AuthError::WrongAudience,
                    ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(
                        ["exp", "iss", "aud"]
                            .into_iter()
                            .find(|c| c == claim)
                            .unwrap_or("exp"),
                    ),
                    ErrorKind::InvalidClaimFormat(_) => AuthError::MissingClaim("exp"),
                    _ => AuthError::Malformed,
                })?;
        identity_from_claims(&data.claims, now, self.rules.max_lifetime_s)
    }

    /// Signs a token for `identity`, valid for `ttl_s` seconds from `now`.
    ///
    /// # Errors
    /// [`IssueError`] when signing fails (it does not for HS256 with a valid key).
    pub fn issue(
        &self,
        identity: &Identity,
        now: i64,
        ttl_s: i64,
    ) -> Result<IssuedToken, IssueError> {
        let expires_at = now + ttl_s;
        let mut claims = serde_json::json!({
            "sub": identity.customer.as_str(),
            "roles": identity.roles.names(),
            "iat": now,
            "exp": expires_at,
        });
        if let Some(issuer) = &self.rules.issuer {
            claims["iss"] = issuer.as_str().into();
        }
        if let Some(audience) = &self.rules.audience {
            claims["aud"] = audience.as_str().into();
        }
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| IssueError(e.to_string()))?;
        Ok(IssuedToken { token, expires_at })
    }
}

/// The value of a `Bearer` authorization header.
///
/// # Errors
/// [`AuthError::MissingToken`] or [`AuthError::NotBearer`].
pub fn bearer(authorization: Option<&str>) -> Result<&str, AuthError> {
    let header = authorization
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(AuthError::MissingToken)?;
    let (scheme, token) = header.split_once(' ').ok_or(AuthError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::NotBearer);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::MissingToken);
    }
    Ok(token)
}

/// The cinema's claim rules, applied after the signature is verified.
fn identity_from_claims(
    claims: &Map<String, Value>,
    now: i64,
    max_lifetime_s: i64,
) -> Result<Identity, AuthError> {
    let exp = numeric(claims.get("exp")).ok_or(AuthError::MissingClaim("exp"))?;
    if now > exp.saturating_add(TokenService::LEEWAY_S) {
        return Err(AuthError::Expired);
    }
    let lifetime_from = match claims.get("iat") {
        None | Some(Value::Null) => now,
        Some(iat) => {
            let iat = numeric(Some(iat)).ok_or(AuthError::Malformed)?;
            if iat > now.saturating_add(TokenService::LEEWAY_S) {
                return Err(AuthError::NotYetValid);
            }
            iat
        }
    };
    if exp.saturating_sub(lifetime_from) > max_lifetime_s.saturating_add(TokenService::LEEWAY_S) {
        return Err(AuthError::LifetimeTooLong(max_lifetime_s));
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = numeric(Some(nbf)).ok_or(AuthError::Malformed)?;
        if nbf > now.saturating_add(TokenService::LEEWAY_S) {
            return Err(AuthError::NotYetValid);
        }
    }
    let sub = match claims.get("sub") {
        None | Some(Value::Null) => return Err(AuthError::MissingClaim("sub")),
        Some(Value::String(s)) => s,
        Some(_) => return Err(AuthError::InvalidSubject),
    };
    let customer = CustomerId::parse(sub).map_err(|_| AuthError::InvalidSubject)?;
    let roles = match claims.get("roles") {
        None | Some(Value::Null) => return Err(AuthError::MissingClaim("roles")),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or(AuthError::InvalidRoles))
            // Role names this gateway does not know grant nothing; they do not invalidate the token.
            .filter_map(|name| name.map(Role::parse).transpose())
            .collect::<Result<Vec<Role>, AuthError>>()?,
        Some(_) => return Err(AuthError::InvalidRoles),
    };
    Ok(Identity {
        customer,
        roles: Roles::new(roles),
    })
}

/// A NumericDate: an integer or a float (truncated) number of seconds.
fn numeric(value: Option<&Value>) -> Option<i64> {
    let value = value?;
    value
        .as_i64()
        .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"test-secret-that-is-long-enough-for-hs256!";
    const NOW: i64 = 1_800_000_000;

    fn service() -> TokenService {
        TokenService::hs256(SECRET).unwrap()
    }

    fn sign(claims: &Value, secret: &[u8]) -> String {
        crate::hmac_provider::install();
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    fn alice(roles: &[&str]) -> Value {
        json!({"sub": "alice", "roles": roles, "exp": NOW + 600})
    }

    #[test]
    fn a_valid_token_identifies_the_customer_and_roles() {
        let identity = service()
            .verify(&sign(&alice(&["customer", "admin"]), SECRET), NOW)
            .unwrap();
        assert_eq!(identity.customer.as_str(), "alice");
        assert_eq!(identity.roles.header_value(), "customer,admin");
    }

    #[test]
    fn an_issued_token_verifies_and_expires_after_its_lifetime() {
        let svc = service();
        let who = Identity {
            customer: CustomerId::parse("bob").unwrap(),
            roles: Roles::new([Role::Customer]),
        };
        let issued = svc.issue(&who, NOW, TokenService::DEV_TOKEN_TTL_S).unwrap();
        assert_eq!(issued.expires_at, NOW + 3600);
        assert_eq!(svc.verify(&issued.token, NOW + 3599).unwrap(), who);
        assert_eq!(
            svc.verify(&issued.token, NOW + 3600 + TokenService::LEEWAY_S + 1),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn an_expired_token_is_rejected_beyond_the_leeway_only() {
        let token = sign(
            &json!({"sub": "alice", "roles": ["customer"], "exp": NOW - 10}),
            SECRET,
        );
        assert!(
            service().verify(&token, NOW).is_ok(),
            "10 s late is within the leeway"
        );
        let token = sign(
            &json!({"sub": "alice", "roles": ["customer"], "exp": NOW - 31}),
            SECRET,
        );
        assert_eq!(service().verify(&token, NOW), Err(AuthError::Expired));
    }

    #[test]
    fn a_token_signed_with_another_secret_has_a_bad_signature() {
        let token = sign(
            &alice(&["customer"]),
            b"another-secret-that-is-long-enough-too!!",
        );
        assert_eq!(service().verify(&token, NOW), Err(AuthError::BadSignature));
    }

    #[test]
    fn a_tampered_payload_has_a_bad_signature() {
        let token = sign(&alice(&["customer"]), SECRET);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = sign(&alice(&["customer", "admin"]), SECRET);
        let forged_payload = forged.split('.').nth(1).unwrap();
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            service().verify(&tampered, NOW),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn an_unsigned_or_differently_signed_token_is_refused() {
        // {"alg":"none","typ":"JWT"} . claims . (no signature)
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSJ9.";
        assert!(service().verify(none, NOW).is_err());
        // An HS256 token relabelled {"alg":"HS512","typ":"JWT"}: refused for its algorithm
        // before any signature is checked.
        let hs256 = sign(&alice(&["customer"]), SECRET);
        let (_, rest) = hs256.split_once('.').unwrap();
        let hs512 = format!("eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.{rest}");
        assert_eq!(
            service().verify(&hs512, NOW),
            Err(AuthError::WrongAlgorithm)
        );
    }

    #[test]
    fn a_token_without_exp_is_refused() {
        let token = sign(&json!({"sub": "alice", "roles": ["customer"]}), SECRET);
        assert_eq!(
            service().verify(&token, NOW),
            Err(AuthError::MissingClaim("exp"))
        );
    }

    #[test]
    fn a_token_without_a_roles_claim_is_refused() {
        let token = sign(&json!({"sub": "alice", "exp": NOW + 60}), SECRET);
        assert_eq!(
            service().verify(&token, NOW),
            Err(AuthError::MissingClaim("roles"))
        );
        let token = sign(
            &json!({"sub": "alice", "roles": "admin", "exp": NOW + 60}),
            SECRET,
        );
        assert_eq!(service().verify(&token, NOW), Err(AuthError::InvalidRoles));
    }

    #[test]
    fn unknown_role_names_grant_nothing() {
        let identity = service()
            .verify(&sign(&alice(&["root", "customer"]), SECRET), NOW)
            .unwrap();
        assert_eq!(identity.roles, Roles::new([Role::Customer]));
    }

    #[test]
    fn a_subject_that_is_not_a_customer_id_is_refused() {
        let token = sign(
            &json!({"sub": "alice\r\nx-roles: admin", "roles": ["customer"], "exp": NOW + 60}),
            SECRET,
        );
        assert_eq!(
            service().verify(&token, NOW),
            Err(AuthError::InvalidSubject)
        );
        let token = sign(&json!({"roles": ["customer"], "exp": NOW + 60}), SECRET);
        assert_eq!(
            service().verify(&token, NOW),
            Err(AuthError::MissingClaim("sub"))
        );
    }

    #[test]
    fn a_token_used_before_nbf_is_refused() {
        let token = sign(
            &json!({"sub": "a", "roles": ["customer"], "exp": NOW + 600, "nbf": NOW + 120}),
            SECRET,
        );
        assert_eq!(service().verify(&token, NOW), Err(AuthError::NotYetValid));
    }

    #[test]
    fn the_authorization_header_must_carry_a_bearer_token() {
        let svc = service();
        let token = sign(&alice(&["customer"]), SECRET);
        assert!(
            svc.authenticate(Some(&format!("Bearer {token}")), NOW)
                .is_ok()
        );
        assert!(
            svc.authenticate(Some(&format!("bearer {token}")), NOW)
                .is_ok()
        );
        assert_eq!(svc.authenticate(None, NOW), Err(AuthError::MissingToken));
        assert_eq!(
            svc.authenticate(Some("Bearer "), NOW),
            Err(AuthError::NotBearer)
        );
        assert_eq!(
            svc.authenticate(Some(&format!("Basic {token}")), NOW),
            Err(AuthError::NotBearer)
        );
        assert_eq!(
            svc.authenticate(Some("Bearer not.a.jwt"), NOW),
            Err(AuthError::Malformed)
        );
    }

    fn ruled(issuer: Option<&str>, audience: Option<&str>) -> TokenService {
        TokenService::hs256_with(
            SECRET,
            TokenRules {
                issuer: issuer.map(Into::into),
                audience: audience.map(Into::into),
                max_lifetime_s: 3600,
            },
        )
    }

    #[test]
    fn a_token_living_longer_than_the_maximum_is_refused() {
        let long = sign(
            &json!({"sub": "a", "roles": ["admin"], "iat": NOW, "exp": NOW + 3600 * 24 * 365}),
            SECRET,
        );
        assert_eq!(
            ruled(None, None).verify(&long, NOW + 10),
            Err(AuthError::LifetimeTooLong(3600))
        );
        // Without `iat` the lifetime counts from now.
        let no_iat = sign(
            &json!({"sub": "a", "roles": ["admin"], "exp": NOW + 7200}),
            SECRET,
        );
        assert_eq!(
            ruled(None, None).verify(&no_iat, NOW),
            Err(AuthError::LifetimeTooLong(3600))
        );
        assert!(ruled(None, None).verify(&no_iat, NOW + 3600).is_ok());
        // The default maximum is one day.
        let day = sign(
            &json!({"sub": "a", "roles": ["admin"], "iat": NOW, "exp": NOW + 86_400}),
            SECRET,
        );
        let year = sign(
            &json!({"sub": "a", "roles": ["admin"], "iat": NOW, "exp": NOW + 86_400 * 365}),
            SECRET,
        );
        assert!(service().verify(&day, NOW).is_ok());
        assert_eq!(
            service().verify(&year, NOW),
            Err(AuthError::LifetimeTooLong(86_400))
        );
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let token = sign(
            &json!({"sub": "a", "roles": ["admin"], "iat": NOW + 600, "exp": NOW + 900}),
            SECRET,
        );
        assert_eq!(service().verify(&token, NOW), Err(AuthError::NotYetValid));
    }

    #[test]
    fn issuer_and_audience_are_checked_when_configured() {
        let svc = ruled(Some("https://auth.cinema.example"), Some("cinema-api"));
        let base = |extra: Value| {
            let mut claims = alice(&["customer"]);
            for (k, v) in extra.as_object().unwrap() {
                claims[k] = v.clone();
            }
            sign(&claims, SECRET)
        };
        let good = base(json!({"iss": "https://auth.cinema.example", "aud": "cinema-api"}));
        assert!(svc.verify(&good, NOW).is_ok());
        let wrong_iss = base(json!({"iss": "https://evil.example", "aud": "cinema-api"}));
        assert_eq!(svc.verify(&wrong_iss, NOW), Err(AuthError::WrongIssuer));
        let wrong_aud = base(json!({"iss": "https://auth.cinema.example", "aud": "other"}));
        assert_eq!(svc.verify(&wrong_aud, NOW), Err(AuthError::WrongAudience));
        let none = base(json!({}));
        assert!(matches!(
            svc.verify(&none, NOW),
            Err(AuthError::MissingClaim(_))
        ));
        // Issued tokens carry both, and verify.
        let who = Identity {
            customer: CustomerId::parse("bob").unwrap(),
            roles: Roles::new([Role::Customer]),
        };
        let issued = svc.issue(&who, NOW, 600).unwrap();
        assert_eq!(svc.verify(&issued.token, NOW).unwrap(), who);
        // Unconfigured: the claims are not required, and an `aud` is not held against a token.
        assert!(service().verify(&good, NOW).is_ok());
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(TokenService::hs256(b"short").is_err());
    }
}
