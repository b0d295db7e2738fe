//! `POST /admin/events/relay`: publishes every outbox row still pending (after a Redis outage).

use cinema_eventing::outbox;
use cinema_http::{ApiError, Level, RequestContext, json};

use super::{HttpResult, ToApiError, open_db};
use crate::config::Config;

const BATCH: i64 = 100;
/// Bounds one request's work; the caller may call again.
const MAX_BATCHES: usize = 100;

pub fn relay(ctx: &RequestContext) -> HttpResult {
    let config = Config::load();
    let conn = open_db()?;
    let mut relayed = 0;
    for _ in 0..MAX_BATCHES {
        match outbox::relay(&conn, &config.redis_address, BATCH) {
            Ok(0) => break,
            Ok(n) => relayed += n,
            Err(e) => {
                cinema_http::log(
                    crate::CONTEXT,
                    Level::Warn,
                    &format!("relay failed after {relayed} event(s): {e}"),
                    &[("correlation_id", &ctx.correlation_id)],
                );
                return Err(ApiError::unavailable(
                    "events_unavailable",
                    "the event log is unreachable; retry shortly",
                    5,
                ));
            }
        }
    }
    let pending = outbox::pending_count(&conn).map_err(ToApiError::to_api_error)?;
    Ok(json(
        200,
        &serde_json::json!({ "relayed": relayed, "pending": pending }),
    ))
}
