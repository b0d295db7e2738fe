//! `POST /admin/events/relay`: publishes outbox rows still pending (e.g. after a Redis outage),
//! then rings the doorbell so every consumer drains what it missed.

use cinema_eventing::outbox;
use cinema_http::{ApiError, RequestContext, json};
use spin_sdk::http::Response;

use super::errors;
use crate::config::Config;
use crate::store;

pub fn post(ctx: &RequestContext) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let conn = store::open().map_err(errors::storage)?;
    let answer = outbox::tick(&conn, &Config::load().redis_address, &[]).map_err(|e| match e {
        cinema_eventing::Error::Redis(_) => ApiError::unavailable(
            "events_unavailable",
            "the event stream is unreachable; please retry",
            5,
        ),
        other => errors::storage(other),
    })?;
    Ok(json(200, &answer))
}
