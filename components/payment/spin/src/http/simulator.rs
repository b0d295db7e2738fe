//! `GET`/`PUT /admin/payment-simulator`: the stand-in provider's latency and failure rate, kept
//! in the payment database so every instance and replica uses the same settings.

use cinema_http::{ApiError, Level, RequestContext, json, log, parse_json};
use payment_core::admin::configure_simulator;
use payment_core::ports::SimulatorSettingsStore;
use spin_sdk::http::{Request, Response};

use super::errors;
use super::views::SimulatorBody;
use crate::CONTEXT;
use crate::store::{self, SqlPayments};

pub fn get(ctx: &RequestContext) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let conn = store::open().map_err(errors::storage)?;
    let settings = SqlPayments {
        conn: &conn,
        correlation_id: &ctx.correlation_id,
    }
    .load()
    .map_err(errors::storage)?;
    Ok(json(200, &SimulatorBody::from(&settings)))
}

pub fn put(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let body: SimulatorBody = parse_json(req)?;
    let conn = store::open().map_err(errors::storage)?;
    let store = SqlPayments {
        conn: &conn,
        correlation_id: &ctx.correlation_id,
    };
    let settings = configure_simulator(&store, body.latency_ms, body.failure_rate)
        .map_err(errors::configure)?;
    log(
        CONTEXT,
        Level::Info,
        "payment simulator configured",
        &[
            ("correlation_id", &ctx.correlation_id),
            ("latency_ms", &settings.latency_ms().to_string()),
            ("failure_rate", &settings.failure_rate().to_string()),
        ],
    );
    Ok(json(200, &SimulatorBody::from(&settings)))
}
