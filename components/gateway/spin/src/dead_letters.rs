//! The dead letters of every consuming context: `GET /api/admin/events/dead-letters` asks each
//! context, concurrently, for its own group's letters and lists them together;
//! `POST /api/admin/events/dead-letters/{context}/{event_id}/retry` asks that context to replay
//! one.

use futures::future::join_all;
use gateway_core::correlation::CorrelationId;
use gateway_core::identity::Identity;
use gateway_core::routes::{Context, DRAINING_CONTEXTS};
use spin_sdk::http::{Method, Response};

use crate::{admin_call, errors};

const PATH: &str = "/admin/events/dead-letters";

pub async fn list(admin: &Identity, correlation: &CorrelationId) -> Response {
    let calls = DRAINING_CONTEXTS.map(|context| async move {
        let answer = admin_call::call(Method::Get, context, PATH, admin, correlation).await;
        (context, answer)
    });
    let mut letters = Vec::new();
    let mut failed = std::collections::BTreeMap::new();
    for (context, answer) in join_all(calls).await {
        match answer {
            Ok((200, serde_json::Value::Array(mine))) => letters.extend(mine),
            Ok((status, _)) => {
                failed.insert(context.name(), format!("answered {status}"));
            }
            Err(why) => {
                failed.insert(context.name(), why);
            }
        }
    }
    if failed.is_empty() {
        return cinema_http::json(200, &letters);
    }
    #[derive(serde::Serialize)]
    struct Partial<'a> {
        dead_letters: &'a [serde_json::Value],
        failed: &'a std::collections::BTreeMap<&'static str, String>,
    }
    let report = Partial {
        dead_letters: &letters,
        failed: &failed,
    };
    errors::fan_out_incomplete("list dead letters", &report, &failed, correlation)
}

/// `path` is the request's full path: `/api/admin/events/dead-letters/{context}/{event_id}/retry`.
pub async fn retry(path: &str, admin: &Identity, correlation: &CorrelationId) -> Response {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let [.., context, event_id, "retry"] = segments.as_slice() else {
        return cinema_http::ApiError::not_found("no such endpoint").into_response();
    };
    let Some(context) = DRAINING_CONTEXTS.into_iter().find(|c| c.name() == *context) else {
        return cinema_http::ApiError::not_found(format!("no consuming context named {context}"))
            .into_response();
    };
    let route = format!("{PATH}/{event_id}/retry");
    match admin_call::call(Method::Post, context, &route, admin, correlation).await {
        Ok((status, body)) => cinema_http::json(status, &body),
        Err(why) => unreachable_context(context, &why),
    }
}

fn unreachable_context(context: Context, why: &str) -> Response {
    cinema_http::log(
        "gateway",
        cinema_http::Level::Warn,
        &format!(
            "{} unreachable for a dead-letter retry: {why}",
            context.name()
        ),
        &[],
    );
    errors::not_deployed(context)
}
