//! Every error the gateway itself answers, mapped to the API's error shape in one place.

use cinema_http::{ApiError, Level};
use gateway_core::admission::Rejection;
use gateway_core::correlation::CorrelationId;
use gateway_core::credentials::{CredentialProblem, remedy};
use gateway_core::routes::Context;
use spin_sdk::http::{ErrorCode, Response, SendError};

const CONTEXT: &str = "gateway";

pub fn rejection(rejection: Rejection) -> Response {
    match rejection {
        Rejection::NotFound => ApiError::not_found("no such endpoint").into_response(),
        Rejection::MethodNotAllowed(allowed) => {
            let allow = allowed
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            ApiError::method_not_allowed(&allow).into_response()
        }
        Rejection::Unauthorized(why) => {
            let mut response = ApiError::unauthorized(why.to_string()).into_response();
            response.set_header("www-authenticate", "Bearer");
            response
        }
        Rejection::Forbidden(role) => {
            ApiError::forbidden(format!("the {role} role is required")).into_response()
        }
        Rejection::RateLimited { retry_after_s } => {
            ApiError::new(429, "rate_limited", "too many requests; retry shortly")
                .with_retry_after(retry_after_s)
                .into_response()
        }
        Rejection::NotConfigured(problem) => not_configured(problem),
        Rejection::Unexpected(cause) => internal(&cause),
    }
}

/// 503 `auth_not_configured`; the log line says what the operator must set.
pub fn not_configured(problem: CredentialProblem) -> Response {
    cinema_http::log(CONTEXT, Level::Error, &remedy("jwt_secret", problem), &[]);
    ApiError::unavailable(
        "auth_not_configured",
        "authentication is not configured on this server; the operator must set jwt_secret",
        30,
    )
    .into_response()
}

/// 503 `overloaded`: every in-flight slot of this gateway's scope is taken.
pub fn overloaded() -> Response {
    ApiError::unavailable(
        "overloaded",
        "the service is busy; retry in a moment",
        gateway_core::capacity::RETRY_AFTER_S,
    )
    .into_response()
}

pub fn payload_too_large() -> Response {
    ApiError::new(413, "payload_too_large", "the request body is over 1 MiB").into_response()
}

pub fn unreadable_body(cause: &str) -> Response {
    cinema_http::log(
        CONTEXT,
        Level::Warn,
        &format!("request body unreadable: {cause}"),
        &[],
    );
    ApiError::bad_request("invalid_body", "the request body could not be read").into_response()
}

pub fn internal(cause: &str) -> Response {
    ApiError::internal(CONTEXT, cause).into_response()
}

/// A private context that could not be reached: 503 when it is down or not deployed (retry
/// shortly), 502 when the call itself failed in another way.
pub fn unreachable(context: Context, error: &SendError, correlation: &CorrelationId) -> Response {
    cinema_http::log(
        CONTEXT,
        Level::Warn,
        &format!("{} unreachable: {error:?}", context.name()),
        &[("correlation_id", correlation.as_str())],
    );
    let down = matches!(
        error,
        SendError::Http(
            ErrorCode::DnsError(_)
                | ErrorCode::DestinationNotFound
                | ErrorCode::DestinationUnavailable
                | ErrorCode::DestinationIpUnroutable
                | ErrorCode::ConnectionRefused
                | ErrorCode::ConnectionTerminated
                | ErrorCode::ConnectionTimeout
                | ErrorCode::ConnectionReadTimeout
                | ErrorCode::ConnectionWriteTimeout
                | ErrorCode::ConnectionLimitReached
        )
    );
    if down {
        not_deployed(context)
    } else {
        bad_gateway(context)
    }
}

pub fn not_deployed(context: Context) -> Response {
    ApiError::unavailable(
        "service_unavailable",
        format!(
            "the {} service is unavailable; please retry shortly",
            context.name()
        ),
        1,
    )
    .into_response()
}

/// A private context answered with a failure that is not a JSON error (a trap, an empty 500).
pub fn bad_gateway(context: Context) -> Response {
    ApiError::new(
        502,
        "bad_gateway",
        format!("the {} service failed to answer", context.name()),
    )
    .into_response()
}

/// 502 for a fan-out (`relay`, `drain`) some contexts did not complete: the report (its `failed`
/// names them) plus the API's error fields; each failure is logged.
pub fn fan_out_incomplete<'a>(
    what: &str,
    report: &impl serde::Serialize,
    failed: impl IntoIterator<Item = (&'a &'static str, &'a String)>,
    correlation: &CorrelationId,
) -> Response {
    for (context, why) in failed {
        cinema_http::log(
            CONTEXT,
            Level::Warn,
            &format!("{what} on {context} failed: {why}"),
            &[("correlation_id", correlation.as_str())],
        );
    }
    let mut body = serde_json::to_value(report).unwrap_or_default();
    if let Some(fields) = body.as_object_mut() {
        fields.insert("error".into(), "bad_gateway".into());
        fields.insert(
            "message".into(),
            format!("some contexts did not {what}; see 'failed'").into(),
        );
    }
    cinema_http::json(502, &body)
}
