//! `POST /api/admin/events/relay`: asks every publishing context, concurrently, to relay its
//! pending outbox rows, and sums up the answers.

use futures::future::join_all;
use gateway_core::correlation::CorrelationId;
use gateway_core::identity::Identity;
use gateway_core::relay::{RelayOutcome, RelayReport};
use gateway_core::routes::{Context, RELAYING_CONTEXTS};
use spin_sdk::http::{Method, Request, Response};

use crate::config::context_url;

const PATH: &str = "/admin/events/relay";

pub async fn fan_out(admin: &Identity, correlation: &CorrelationId) -> Response {
    let calls = RELAYING_CONTEXTS
        .map(|context| async move { (context, relay(context, admin, correlation).await) });
    let report = RelayReport::new(join_all(calls).await);
    if report.complete() {
        return cinema_http::json(200, &report);
    }
    for (context, why) in &report.failed {
        cinema_http::log(
            "gateway",
            cinema_http::Level::Warn,
            &format!("relay on {context} failed: {why}"),
            &[("correlation_id", correlation.as_str())],
        );
    }
    let mut body = serde_json::to_value(&report).unwrap_or_default();
    if let Some(fields) = body.as_object_mut() {
        fields.insert("error".into(), "bad_gateway".into());
        fields.insert(
            "message".into(),
            "some contexts did not relay; see 'failed'".into(),
        );
    }
    cinema_http::json(502, &body)
}

async fn relay(context: Context, admin: &Identity, correlation: &CorrelationId) -> RelayOutcome {
    let Some(base) = context_url(context) else {
        return RelayOutcome::Failed("not deployed".into());
    };
    let request = Request::builder()
        .method(Method::Post)
        .uri(format!("{}{PATH}", base.trim_end_matches('/')))
        .header("x-customer-id", admin.customer.as_str())
        .header("x-roles", admin.roles.header_value())
        .header("x-correlation-id", correlation.as_str())
        .build();
    let answer: Response = match spin_sdk::http::send(request).await {
        Ok(answer) => answer,
        Err(e) => return RelayOutcome::Failed(format!("unreachable: {e}")),
    };
    if !(200..300).contains(answer.status()) {
        return RelayOutcome::Failed(format!("answered {}", answer.status()));
    }
    match serde_json::from_slice::<serde_json::Value>(answer.body())
        .ok()
        .and_then(|v| v.get("relayed")?.as_u64())
    {
        Some(n) => RelayOutcome::Relayed(n),
        None => RelayOutcome::Failed("answer without a 'relayed' count".into()),
    }
}
