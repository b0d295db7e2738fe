//! `GET /admin/metrics`: a context's own numbers, read from its own store, for the gateway's
//! `GET /api/admin/metrics` (which adds the `context` label, the event stream's numbers and
//! renders them in the Prometheus text format). Every number here must be cheap enough to read
//! every 15 s: an indexed lookup or a small key-value document, never a scan of a big table;
//! running totals are rows of [`crate::counters`], bumped in the transaction of what they count.
//!
//! The answer: `{"context", "metrics": [{"name", "help", "type", "labels": {…}, "value"}]}`.

use std::collections::BTreeMap;

use cinema_http::{ApiError, RequestContext, json};
use serde::Serialize;
use spin_sdk::http::{Method, Response};
use spin_sdk::sqlite3::Connection;

use crate::Error;

/// The route on every context's private HTTP API.
pub const PATH: &str = "/admin/metrics";

/// One number; `name` starts with `cinema_`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub labels: BTreeMap<&'static str, String>,
    pub value: f64,
}

impl Sample {
    pub fn gauge(name: &'static str, help: &'static str, value: f64) -> Self {
        Self {
            name,
            help,
            kind: "gauge",
            labels: BTreeMap::new(),
            value,
        }
    }

    /// A running total (its name ends in `_total`; see [`crate::counters`]).
    pub fn counter(name: &'static str, help: &'static str, value: f64) -> Self {
        Self {
            kind: "counter",
            ..Self::gauge(name, help, value)
        }
    }

    pub fn label(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.labels.insert(name, value.into());
        self
    }
}

/// The outbox rows not relayed yet (the partial index `outbox_pending` holds exactly those).
///
/// # Errors
/// The database's.
pub fn outbox_pending(conn: &Connection) -> Result<Sample, Error> {
    let pending = crate::outbox::pending_count(conn)?;
    let value = pending as f64;
    Ok(Sample::gauge(
        "cinema_outbox_pending",
        "Outbox rows written but not yet relayed to the event stream.",
        value,
    ))
}

/// Answers `GET /admin/metrics` for `context`: 405 for another method, 403 without the `admin`
/// role, else 200 with what `gather` read.
///
/// # Errors
/// As above; 500 when `gather` fails (the cause goes to the log only).
pub fn serve(
    context: &str,
    method: &Method,
    ctx: &RequestContext,
    gather: impl FnOnce() -> anyhow::Result<Vec<Sample>>,
) -> Result<Response, ApiError> {
    if *method != Method::Get {
        return Err(ApiError::method_not_allowed("GET"));
    }
    ctx.require_admin()?;
    let metrics = gather().map_err(|e| ApiError::internal(context, format!("metrics: {e:#}")))?;
    #[derive(Serialize)]
    struct Answer<'a> {
        context: &'a str,
        metrics: Vec<Sample>,
    }
    Ok(json(200, &Answer { context, metrics }))
}
