//! HS256 tokens signed by the test itself (not by the app's dev-token endpoint), to check what
//! the gateway accepts: a token signed with a value published in the repository, one that lives
//! too long, one from another issuer.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// A compact HS256 JWT of `claims` signed with `secret`.
pub fn sign_hs256(secret: &str, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}

/// Claims for `sub` with `roles`, issued now and valid for `ttl_s` seconds.
pub fn claims(sub: &str, roles: &[&str], ttl_s: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": sub, "roles": roles, "iat": now, "exp": now + ttl_s })
}
