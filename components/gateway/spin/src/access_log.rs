//! One structured line per request: `{"ts","level","context","msg","method","path","status",
//! "duration_ms","correlation_id","customer_id"}` (numbers as JSON numbers; same base fields
//! as `cinema_http::log`). The query string is not logged (it may carry personal data).

use std::time::Duration;

use gateway_core::correlation::CorrelationId;
use gateway_core::identity::Identity;
use serde_json::{Map, Value, json};

use crate::http::Incoming;

pub struct AccessLog {
    line: Map<String, Value>,
    notes: Vec<String>,
    trouble: bool,
}

impl AccessLog {
    pub fn new(incoming: &Incoming, correlation: &CorrelationId) -> Self {
        let mut line = Map::new();
        line.insert("context".into(), "gateway".into());
        line.insert("msg".into(), "request".into());
        line.insert("method".into(), incoming.method_name.as_str().into());
        line.insert("path".into(), incoming.path.as_str().into());
        line.insert("correlation_id".into(), correlation.as_str().into());
        line.insert("customer_id".into(), Value::Null);
        Self {
            line,
            notes: Vec::new(),
            trouble: false,
        }
    }

    pub fn customer(&mut self, identity: Option<&Identity>) {
        if let Some(identity) = identity {
            self.line
                .insert("customer_id".into(), identity.customer.as_str().into());
        }
    }

    /// Something worth a line in the log; `trouble` raises the line to `warn`.
    pub fn note(&mut self, note: &str, trouble: bool) {
        self.notes.push(note.to_string());
        self.trouble |= trouble;
    }

    pub fn finish(mut self, status: u16, elapsed: Duration) {
        let level = if status >= 500 || self.trouble {
            "warn"
        } else {
            "info"
        };
        let mut out = Map::new();
        out.insert("ts".into(), cinema_http::now_rfc3339().into());
        out.insert("level".into(), level.into());
        out.append(&mut self.line);
        out.insert("status".into(), status.into());
        out.insert(
            "duration_ms".into(),
            json!((elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0),
        );
        if !self.notes.is_empty() {
            out.insert("notes".into(), self.notes.into());
        }
        println!("{}", Value::Object(out));
    }
}
