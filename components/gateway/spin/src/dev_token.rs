//! `POST /api/auth/dev-token`: development tokens, only when the `dev_auth` variable is `true`.

use cinema_http::ApiError;
use gateway_core::credentials::Credentials;
use gateway_core::dev_token::DevTokenRequest;
use gateway_core::token::TokenService;
use serde::Serialize;
use spin_sdk::http::Response;

#[derive(Serialize)]
struct IssuedBody {
    token: String,
    token_type: &'static str,
    /// RFC 3339, like every time in the API.
    expires_at: String,
    expires_in: i64,
}

pub fn issue(enabled: bool, credentials: &Credentials, body: &[u8], now: i64) -> Response {
    if !enabled {
        // Indistinguishable from an unknown endpoint: production does not advertise it.
        return ApiError::not_found("no such endpoint").into_response();
    }
    let request: DevTokenRequest = match cinema_http::parse_json_bytes(body) {
        Ok(request) => request,
        Err(e) => return e.into_response(),
    };
    let identity = match request.identity() {
        Ok(identity) => identity,
        Err(e) => return ApiError::validation(e.to_string()).into_response(),
    };
    let tokens = match &credentials.tokens {
        Ok(tokens) => tokens,
        Err(problem) => return crate::errors::not_configured(*problem),
    };
    match tokens.issue(&identity, now, TokenService::DEV_TOKEN_TTL_S) {
        Ok(issued) => cinema_http::json(
            200,
            &IssuedBody {
                token: issued.token,
                token_type: "Bearer",
                expires_at: rfc3339(issued.expires_at),
                expires_in: TokenService::DEV_TOKEN_TTL_S,
            },
        ),
        Err(e) => crate::errors::internal(&e.to_string()),
    }
}

fn rfc3339(unix_s: i64) -> String {
    chrono::DateTime::from_timestamp(unix_s, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
