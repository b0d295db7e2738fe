//! `POST /api/admin/events/drain`: asks every consuming context, concurrently, to drain its
//! consumer group (the route each serves when `http_drain=true`), in rounds while a round
//! handled something (`gateway_core::drain`), and sums up the answers.

use futures::future::join_all;
use gateway_core::correlation::CorrelationId;
use gateway_core::drain::{DrainOutcome, DrainReport, Drained};
use gateway_core::identity::Identity;
use gateway_core::routes::{Context, DRAINING_CONTEXTS};
use spin_sdk::http::Response;

use crate::{admin_call, errors};

const PATH: &str = "/admin/events/drain";

pub async fn fan_out(admin: &Identity, correlation: &CorrelationId) -> Response {
    let mut report = DrainReport::new();
    loop {
        let calls = DRAINING_CONTEXTS
            .map(|context| async move { (context, drain(context, admin, correlation).await) });
        report.add_round(join_all(calls).await);
        if !report.wants_another_round() {
            break;
        }
    }
    if report.complete() {
        return cinema_http::json(200, &report);
    }
    errors::fan_out_incomplete("drain", &report, &report.failed, correlation)
}

async fn drain(context: Context, admin: &Identity, correlation: &CorrelationId) -> DrainOutcome {
    let (status, body) = match admin_call::post(context, PATH, admin, correlation).await {
        Ok(answer) => answer,
        Err(why) => return DrainOutcome::Failed(why),
    };
    match status {
        200..=299 => {}
        404 => return DrainOutcome::Failed("answered 404: is http_drain on there?".into()),
        _ => return DrainOutcome::Failed(format!("answered {status}")),
    }
    let count = |name: &str| body.get(name).and_then(serde_json::Value::as_u64);
    match (count("handled"), count("failed"), count("dead_lettered")) {
        (Some(handled), Some(failed), Some(dead_lettered)) => DrainOutcome::Drained(Drained {
            handled,
            failed,
            dead_lettered,
        }),
        _ => DrainOutcome::Failed("answer without 'handled', 'failed', 'dead_lettered'".into()),
    }
}
