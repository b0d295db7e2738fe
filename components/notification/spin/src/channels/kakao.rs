//! The KakaoTalk-style chat channel: `POST <kakao_endpoint>` with
//! `{"receiver_id", "message", "notification_id", "reservation_id", "status"}` and
//! `Authorization: Bearer <kakao_token>`. A 2xx answer means delivered.
//!
//! Written on `wasi:http/outgoing-handler` directly rather than `spin_sdk::http::send`, because
//! the call needs one overall deadline (`kakao_timeout_ms`, from connect to the answer's last
//! byte): every wait races a monotonic-clock pollable, and on timeout the request future is
//! dropped, which aborts the call. Everything here is blocking, which suits the Redis handler.

use std::time::{Duration, Instant};

use cinema_http::{Level, log};
use notification_core::notification::ChannelKind;
use notification_core::ports::{ChatChannel, ChatMessage, DeliveryError};
use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    ErrorCode, Fields, IncomingResponse, Method, OutgoingBody, OutgoingRequest, RequestOptions,
    Scheme,
};
use wasi::clocks::monotonic_clock;
use wasi::io::poll::{self, Pollable};
use wasi::io::streams::StreamError;

use crate::CONTEXT;

/// How much of an error answer's body goes into the delivery log.
const ERROR_BODY_CHARS: usize = 200;

pub struct Kakao {
    endpoint: String,
    token: String,
    /// The whole call, connect to last byte.
    timeout: Duration,
}

impl Kakao {
    pub fn new(endpoint: &str, token: &str, timeout: Duration) -> Self {
        Self {
            endpoint: endpoint.to_string(),
            token: token.to_string(),
            timeout,
        }
    }
}

impl ChatChannel for Kakao {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Kakao
    }

    fn send(&self, message: &ChatMessage<'_>) -> Result<(), DeliveryError> {
        let body = serde_json::json!({
            "receiver_id": message.receiver_id,
            "message": message.text,
            "notification_id": message.notification_id,
            "reservation_id": message.reservation_id,
            "status": message.status,
        })
        .to_string();
        let deadline = Instant::now() + self.timeout;
        let (status, answer) = post(
            &self.endpoint,
            &self.token,
            message.correlation_id,
            body.as_bytes(),
            deadline,
        )?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            let answer: String = answer
                .chars()
                .filter(|c| !c.is_control())
                .take(ERROR_BODY_CHARS)
                .collect();
            Err(DeliveryError(if answer.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {answer}")
            }))
        }
    }
}

fn fail(what: &str, detail: impl std::fmt::Debug) -> DeliveryError {
    DeliveryError(format!("{what}: {detail:?}"))
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Sends one POST and returns the status and the start of the answer's body.
fn post(
    endpoint: &str,
    token: &str,
    correlation_id: &str,
    body: &[u8],
    deadline: Instant,
) -> Result<(u16, String), DeliveryError> {
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|e| fail("invalid kakao_endpoint", e))?;
    let scheme = match uri.scheme_str() {
        Some("http") => Scheme::Http,
        Some("https") => Scheme::Https,
        other => return Err(fail("kakao_endpoint must be an http(s) URL", other)),
    };
    let authority = uri
        .authority()
        .ok_or_else(|| fail("kakao_endpoint has no host", endpoint))?;

    let mut headers = vec![
        ("content-type".to_string(), b"application/json".to_vec()),
        // A known length rather than chunked transfer: not every chat gateway accepts chunks.
        (
            "content-length".to_string(),
            body.len().to_string().into_bytes(),
        ),
        (
            "x-correlation-id".to_string(),
            correlation_id.as_bytes().to_vec(),
        ),
    ];
    if !token.is_empty() {
        headers.push((
            "authorization".to_string(),
            format!("Bearer {token}").into_bytes(),
        ));
    }
    let headers = Fields::from_list(&headers).map_err(|e| fail("invalid header", e))?;
    let request = OutgoingRequest::new(headers);
    request
        .set_method(&Method::Post)
        .map_err(|e| fail("method", e))?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|e| fail("scheme", e))?;
    request
        .set_authority(Some(authority.as_str()))
        .map_err(|e| fail("authority", e))?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    request
        .set_path_with_query(Some(path))
        .map_err(|e| fail("path", e))?;

    let outgoing_body = request.body().map_err(|e| fail("request body", e))?;
    let left = deadline.saturating_duration_since(Instant::now());
    let future =
        outgoing_handler::handle(request, Some(request_options(left))).map_err(describe)?;
    let written = write_body(outgoing_body, body);
    // Wait for the answer even if writing failed: a refused request (host not allowed, connection
    // refused) closes the body stream, and the answer says why.
    wait(&future.subscribe(), deadline)?;
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(describe(code)),
        Some(Err(())) | None => return Err(DeliveryError("the response was lost".into())),
    };
    written?;
    let status = response.status();
    if (200..300).contains(&status) {
        // Delivered: the answer's body says nothing more (and a slow one must not undo that).
        return Ok((status, String::new()));
    }
    Ok((status, read_start(response, deadline)))
}

/// Blocks until `pollable` is ready; an error once the call's deadline has passed.
fn wait(pollable: &Pollable, deadline: Instant) -> Result<(), DeliveryError> {
    let left = deadline.saturating_duration_since(Instant::now());
    let timer = monotonic_clock::subscribe_duration(nanos(left));
    if poll::poll(&[pollable, &timer]).contains(&0) {
        Ok(())
    } else {
        Err(DeliveryError(
            "the endpoint did not answer within kakao_timeout_ms".into(),
        ))
    }
}

fn write_body(outgoing_body: OutgoingBody, body: &[u8]) -> Result<(), DeliveryError> {
    {
        let stream = outgoing_body
            .write()
            .map_err(|e| fail("request body stream", e))?;
        // `blocking_write_and_flush` takes at most 4096 bytes per call.
        for chunk in body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| fail("writing the request", e))?;
        }
    }
    OutgoingBody::finish(outgoing_body, None).map_err(describe)
}

/// The host's own timeouts, none longer than what is left of the deadline (the deadline above
/// bounds the call either way; these let the host give up on its side too).
fn request_options(left: Duration) -> RequestOptions {
    let options = RequestOptions::new();
    // A setter fails only when the host does not support that timeout; it then keeps its own.
    // `|` (not `||`) so every setter runs.
    if options.set_connect_timeout(Some(nanos(left))).is_err()
        | options.set_first_byte_timeout(Some(nanos(left))).is_err()
        | options
            .set_between_bytes_timeout(Some(nanos(left)))
            .is_err()
    {
        log(
            CONTEXT,
            Level::Info,
            "the host keeps its own outbound HTTP timeouts; kakao_timeout_ms still bounds the call",
            &[],
        );
    }
    options
}

/// Up to a few hundred bytes of an error answer (for the delivery log), as much as arrives
/// before the deadline; the rest is dropped.
fn read_start(response: IncomingResponse, deadline: Instant) -> String {
    let Ok(body) = response.consume() else {
        return String::new();
    };
    let Ok(stream) = body.stream() else {
        return String::new();
    };
    let mut bytes = Vec::new();
    while bytes.len() < ERROR_BODY_CHARS * 4 {
        match stream.read(1024) {
            Ok(chunk) if chunk.is_empty() => {
                if wait(&stream.subscribe(), deadline).is_err() {
                    break;
                }
            }
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed | StreamError::LastOperationFailed(_)) => break,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn describe(code: ErrorCode) -> DeliveryError {
    DeliveryError(match code {
        ErrorCode::HttpRequestDenied => {
            "request denied: the endpoint's host is not in allowed_outbound_hosts (set kakao_allowed_host)".to_string()
        }
        ErrorCode::ConnectionRefused => "connection refused".to_string(),
        ErrorCode::ConnectionTimeout => "connection timed out".to_string(),
        ErrorCode::ConnectionReadTimeout => "the endpoint did not answer in time".to_string(),
        ErrorCode::DnsError(e) => format!("DNS error: {:?}", e.rcode),
        other => format!("transport error: {other:?}"),
    })
}
