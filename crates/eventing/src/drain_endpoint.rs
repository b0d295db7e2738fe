//! `POST /admin/events/drain`: a context's consumer group drained over HTTP, for platforms
//! without Spin's Redis trigger (docs/operations.md §11), where nothing hears the doorbell and a
//! scheduler calls this route instead. Every consuming context routes the path here with the very
//! function its `#[redis_component]` handler calls, so both ways in drain the same way.
//!
//! Off unless the Spin variable `http_drain` is `"true"`: under `spin up` the HTTP and Redis
//! triggers are separate processes, and a key-value store written from both (a read model drained
//! here while its `-events` twin also runs) can fail with `database is locked`.

use cinema_http::{ApiError, Level, RequestContext, json};
use spin_sdk::http::{Method, Response};

use crate::Error;
use crate::consumer::DrainReport;

/// The route on every consuming context's private HTTP API.
pub const PATH: &str = "/admin/events/drain";
/// The Spin variable that turns the route on (`"true"`); anything else leaves it absent (404).
pub const SWITCH: &str = "http_drain";
/// What a scheduler should wait before calling again after a Redis outage.
const RETRY_AFTER_S: u64 = 5;

/// Whether the route is on in this component.
pub fn enabled() -> bool {
    is_on(&cinema_http::variable_or(SWITCH, "false"))
}

fn is_on(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

/// Answers `POST /admin/events/drain`: 404 while `http_drain` is off, 405 for another method,
/// 403 without the `admin` role; otherwise runs `drain` and answers 200
/// `{"context", "handled", "failed", "dead_lettered"}`.
///
/// # Errors
/// 503 `events_unavailable` + `Retry-After` when the event stream (Redis) is unreachable; 500
/// when the context's own storage fails (the cause goes to the log only).
pub fn serve(
    context: &str,
    method: &Method,
    ctx: &RequestContext,
    drain: impl FnOnce() -> anyhow::Result<DrainReport>,
) -> Result<Response, ApiError> {
    if !enabled() {
        return Err(ApiError::not_found(format!(
            "no route for {PATH} ({SWITCH} is off)"
        )));
    }
    if *method != Method::Post {
        return Err(ApiError::method_not_allowed("POST"));
    }
    ctx.require_admin()?;
    let fields = [("correlation_id", ctx.correlation_id.as_str())];
    match drain() {
        Ok(report) => {
            cinema_http::log(
                context,
                Level::Info,
                &format!(
                    "drained over HTTP: {} handled, {} to retry, {} dead-lettered",
                    report.handled, report.failed, report.dead_lettered
                ),
                &fields,
            );
            #[derive(serde::Serialize)]
            struct Answer<'a> {
                context: &'a str,
                handled: usize,
                failed: usize,
                dead_lettered: usize,
            }
            Ok(json(
                200,
                &Answer {
                    context,
                    handled: report.handled,
                    failed: report.failed,
                    dead_lettered: report.dead_lettered,
                },
            ))
        }
        Err(e) if stream_unreachable(&e) => {
            cinema_http::log(
                context,
                Level::Warn,
                &format!("drain failed: {e:#}"),
                &fields,
            );
            Err(ApiError::unavailable(
                "events_unavailable",
                "the event stream is unreachable; retry shortly",
                RETRY_AFTER_S,
            ))
        }
        Err(e) => Err(ApiError::internal(context, format!("drain failed: {e:#}"))),
    }
}

/// Whether a drain failed because Redis could not be reached (rather than the context's store).
fn stream_unreachable(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|cause| matches!(cause.downcast_ref::<Error>(), Some(Error::Redis(_))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_true_turns_the_route_on() {
        assert!(is_on("true"));
        assert!(is_on(" TRUE "));
        for off in ["false", "", "1", "yes", "on"] {
            assert!(!is_on(off), "{off:?}");
        }
    }

    #[test]
    fn a_redis_error_anywhere_in_the_chain_means_the_stream_is_unreachable() {
        let redis = anyhow::Error::from(Error::Redis("connection refused".into()));
        assert!(stream_unreachable(&redis));
        assert!(stream_unreachable(&redis.context("draining")));
        let store = anyhow::Error::from(Error::Sqlite("disk I/O error".into()));
        assert!(!stream_unreachable(&store));
        assert!(!stream_unreachable(&anyhow::anyhow!(
            "key-value open failed"
        )));
    }
}
