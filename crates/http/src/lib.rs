//! HTTP adapter helpers shared by the cinema's Spin components.
//!
//! - JSON responses and the API's error shape `{"error": code, "message": text}` ([`ApiError`]);
//! - body parsing with the API's rules (over 1 MiB → 413, malformed → 400, wrong shape → 422);
//! - the request context the gateway sets on private calls ([`RequestContext`]);
//! - one-JSON-object-per-line logs ([`log`]), ids and the wall clock;
//! - guest-side timers reported as `Server-Timing` ([`timing`]).

use serde::Serialize;
use serde::de::DeserializeOwned;
use spin_sdk::http::{Request, Response};

pub mod timing;

pub const MAX_BODY: usize = 1 << 20;

/// An API error: status, machine code, human message. Driver text never goes in `message`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub retry_after_s: Option<u64>,
    /// The seats the error is about (`seats_taken`), for clients that redraw a seat map.
    pub seats: Option<Vec<String>>,
    /// The methods a 405 names (the `Allow` header).
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_s: None,
            seats: None,
            allow: None,
        }
    }

    /// 405 `method_not_allowed`, naming the methods the route accepts (also in `Allow`).
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut e = Self::new(
            405,
            "method_not_allowed",
            format!("this route accepts {allow}"),
        );
        e.allow = Some(allow.to_string());
        e
    }

    /// Names the seats the error is about, as a `seats` array next to the message.
    pub fn with_seats(mut self, seats: Vec<String>) -> Self {
        self.seats = Some(seats);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_s = Some(seconds.max(1));
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(422, "validation_failed", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    /// A failure the client cannot fix; the cause goes to the log, not to the client.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        log(
            context,
            Level::Error,
            &format!("internal error: {cause}"),
            &[],
        );
        Self::new(
            500,
            "internal",
            "something went wrong on our side; please retry",
        )
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>, retry_after_s: u64) -> Self {
        Self::new(503, code, message).with_retry_after(retry_after_s)
    }

    pub fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            seats: Option<&'a [String]>,
        }
        let body = serde_json::to_vec(&Body {
            error: self.code,
            message: &self.message,
            seats: self.seats.as_deref(),
        })
        .expect("an error body always serialises");
        let mut builder = Response::builder();
        builder
            .status(self.status)
            .header("content-type", "application/json");
        if let Some(s) = self.retry_after_s {
            builder.header("retry-after", s.to_string());
        }
        if let Some(allow) = &self.allow {
            builder.header("allow", allow.as_str());
        }
        builder.body(body).build()
    }
}

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
    json_bytes(
        status,
        serde_json::to_vec(value).expect("response values always serialise"),
    )
}

/// The non-generic half of [`json`]: one copy of the response building per component, not one
/// per response type.
#[inline(never)]
fn json_bytes(status: u16, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body)
        .build()
}

/// Parses a JSON request body with the API's rules.
///
/// # Errors
/// 413 `payload_too_large` over 1 MiB; 400 `invalid_json` for malformed JSON; 422
/// `validation_failed` when the JSON does not have the expected shape.
pub fn parse_json<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    parse_json_bytes(req.body())
}

/// [`parse_json`] on raw bytes.
///
/// # Errors
/// As [`parse_json`].
pub fn parse_json_bytes<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > MAX_BODY {
        return Err(ApiError::new(
            413,
            "payload_too_large",
            "the request body is over 1 MiB",
        ));
    }
    serde_json::from_slice(body).map_err(body_error)
}

/// The non-generic half of [`parse_json_bytes`].
#[inline(never)]
fn body_error(e: serde_json::Error) -> ApiError {
    match e.classify() {
        serde_json::error::Category::Data => ApiError::validation(format!("invalid request: {e}")),
        _ => ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")),
    }
}

/// Who is calling and on behalf of which request, as set by the gateway.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestContext {
    pub correlation_id: String,
    pub customer_id: Option<String>,
    pub roles: Vec<String>,
}

impl RequestContext {
    pub fn from_request(req: &Request) -> Self {
        let header = |name: &str| {
            req.header(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        Self {
            correlation_id: header("x-correlation-id").unwrap_or_else(new_id),
            customer_id: header("x-customer-id").filter(|s| !s.is_empty()),
            roles: header("x-roles")
                .map(|r| {
                    r.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// # Errors
    /// 401 when the gateway passed no customer.
    pub fn customer(&self) -> Result<&str, ApiError> {
        self.customer_id
            .as_deref()
            .ok_or_else(|| ApiError::unauthorized("a customer token is required"))
    }

    /// # Errors
    /// 403 without the `admin` role.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.has_role("admin") {
            Ok(())
        } else {
            Err(ApiError::forbidden("the admin role is required"))
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// Writes one JSON log line: `{"ts", "level", "context", "msg", ...fields}` (a field named like
/// one of the first four, or like an earlier field, is left out).
pub fn log(context: &str, level: Level, msg: &str, fields: &[(&str, &str)]) {
    let line = LogLine {
        ts: now_rfc3339(),
        level,
        context,
        msg,
        fields,
    };
    let text = serde_json::to_string(&line).expect("a log line always serialises");
    match level {
        Level::Info => println!("{text}"),
        Level::Warn | Level::Error => eprintln!("{text}"),
    }
}

/// Serialised field by field (no intermediate `serde_json::Value`: smaller components).
struct LogLine<'a> {
    ts: String,
    level: Level,
    context: &'a str,
    msg: &'a str,
    fields: &'a [(&'a str, &'a str)],
}

impl Serialize for LogLine<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        const FIXED: [&str; 4] = ["ts", "level", "context", "msg"];
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("ts", &self.ts)?;
        map.serialize_entry("level", &self.level)?;
        map.serialize_entry("context", self.context)?;
        map.serialize_entry("msg", self.msg)?;
        for (i, (key, value)) in self.fields.iter().enumerate() {
            let repeated = self.fields[..i].iter().any(|(earlier, _)| earlier == key);
            if !FIXED.contains(key) && !repeated {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// A new time-ordered id (UUIDv7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

pub fn now_rfc3339() -> String {
    now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Where Redis is when the `redis_address` variable is not set.
pub const DEFAULT_REDIS_ADDRESS: &str = "redis://127.0.0.1:6379";

/// The app's Redis (`redis_address`): the event stream, the doorbell, the gateway's counters.
pub fn redis_address() -> String {
    variable_or("redis_address", DEFAULT_REDIS_ADDRESS)
}

/// Reads a Spin variable, falling back to `default` when unset or empty.
pub fn variable_or(name: &str, default: &str) -> String {
    spin_sdk::variables::get(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_is_one_json_object_with_the_fixed_keys_first_and_no_repeated_key() {
        let fields = [
            ("event_id", "e1"),
            ("msg", "spoof"),
            ("event_id", "e2"),
            ("k", "v\"x"),
        ];
        let line = LogLine {
            ts: "2026-11-24T10:00:00.000Z".into(),
            level: Level::Warn,
            context: "theater",
            msg: "event not applied",
            fields: &fields,
        };
        let text = serde_json::to_string(&line).unwrap();
        assert_eq!(
            text,
            r#"{"ts":"2026-11-24T10:00:00.000Z","level":"warn","context":"theater","msg":"event not applied","event_id":"e1","k":"v\"x"}"#
        );
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: String,
    }

    #[test]
    fn malformed_json_is_a_400_and_a_wrong_shape_a_422() {
        assert_eq!(parse_json_bytes::<Body>(b"{").unwrap_err().status, 400);
        assert_eq!(
            parse_json_bytes::<Body>(b"{\"name\": 1}")
                .unwrap_err()
                .status,
            422
        );
        assert_eq!(parse_json_bytes::<Body>(b"{}").unwrap_err().status, 422);
        assert!(parse_json_bytes::<Body>(b"{\"name\": \"x\"}").is_ok());
    }

    #[test]
    fn a_body_over_one_mebibyte_is_a_413() {
        let big = vec![b' '; MAX_BODY + 1];
        assert_eq!(parse_json_bytes::<Body>(&big).unwrap_err().status, 413);
    }
}
