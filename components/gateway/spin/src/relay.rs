//! `POST /api/admin/events/relay`: asks every publishing context, concurrently, to relay its
//! pending outbox rows, and sums up the answers.

use futures::future::join_all;
use gateway_core::correlation::CorrelationId;
use gateway_core::identity::Identity;
use gateway_core::relay::{RelayOutcome, RelayReport};
use gateway_core::routes::{Context, RELAYING_CONTEXTS};
use spin_sdk::http::Response;

use crate::{admin_call, errors};

const PATH: &str = "/admin/events/relay";

pub async fn fan_out(admin: &Identity, correlation: &CorrelationId) -> Response {
    let calls = RELAYING_CONTEXTS
        .map(|context| async move { (context, relay(context, admin, correlation).await) });
    let report = RelayReport::new(join_all(calls).await);
    if report.complete() {
        return cinema_http::json(200, &report);
    }
    errors::fan_out_incomplete("relay", &report, &report.failed, correlation)
}

async fn relay(context: Context, admin: &Identity, correlation: &CorrelationId) -> RelayOutcome {
    let (status, body) = match admin_call::post(context, PATH, admin, correlation).await {
        Ok(answer) => answer,
        Err(why) => return RelayOutcome::Failed(why),
    };
    if !(200..300).contains(&status) {
        return RelayOutcome::Failed(format!("answered {status}"));
    }
    match body.get("relayed").and_then(serde_json::Value::as_u64) {
        Some(n) => RelayOutcome::Relayed(n),
        None => RelayOutcome::Failed("answer without a 'relayed' count".into()),
    }
}
