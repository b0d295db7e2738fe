//! The gateway's own calls to the contexts' admin routes (`POST /admin/events/relay`,
//! `POST /admin/events/drain`, the dead letters), made on behalf of the admin who called.

use gateway_core::correlation::CorrelationId;
use gateway_core::identity::Identity;
use gateway_core::routes::Context;
use spin_sdk::http::{Method, Request, Response};

use crate::config::context_url;

/// `POST <context>{path}` with the admin's identity headers. Returns the status and the JSON
/// body (`Null` when the body is not JSON).
///
/// # Errors
/// The context is not deployed with this gateway, or could not be reached.
pub async fn post(
    context: Context,
    path: &str,
    admin: &Identity,
    correlation: &CorrelationId,
) -> Result<(u16, serde_json::Value), String> {
    call(Method::Post, context, path, admin, correlation).await
}

/// [`post`] with any method.
///
/// # Errors
/// As [`post`].
pub async fn call(
    method: Method,
    context: Context,
    path: &str,
    admin: &Identity,
    correlation: &CorrelationId,
) -> Result<(u16, serde_json::Value), String> {
    let Some(base) = context_url(context) else {
        return Err("not deployed".into());
    };
    let request = Request::builder()
        .method(method)
        .uri(format!("{}{path}", base.trim_end_matches('/')))
        .header("x-customer-id", admin.customer.as_str())
        .header("x-roles", admin.roles.header_value())
        .header("x-correlation-id", correlation.as_str())
        .build();
    let answer: Response = spin_sdk::http::send(request)
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    let body = serde_json::from_slice(answer.body()).unwrap_or(serde_json::Value::Null);
    Ok((*answer.status(), body))
}
