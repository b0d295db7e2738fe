//! `POST /admin/events/relay`: publishes every outbox row still pending (after a Redis outage),
//! then prunes what the retention allows ([`crate::store::RETENTION`]).

use cinema_eventing::outbox;
use cinema_http::{ApiError, Level, RequestContext, json};

use super::{HttpResult, ToApiError, open_db};
use crate::config::Config;
use crate::store;

pub fn relay(ctx: &RequestContext) -> HttpResult {
    let config = Config::load();
    let conn = open_db()?;
    // Relay everything pending, then ring the doorbell so every consumer wakes and catches up.
    let answer = match outbox::tick(&conn, &config.redis_address, &store::RETENTION) {
        Ok(answer) => answer,
        Err(e @ cinema_eventing::Error::Redis(_)) => {
            cinema_http::log(
                crate::CONTEXT,
                Level::Warn,
                &format!("relay failed: {e}"),
                &[("correlation_id", &ctx.correlation_id)],
            );
            return Err(ApiError::unavailable(
                "events_unavailable",
                "the event log is unreachable; retry shortly",
                5,
            ));
        }
        Err(other) => return Err(other.to_api_error()),
    };
    Ok(json(200, &answer))
}
