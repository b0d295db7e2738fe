//! The synchronous call to the payment context (`POST {payment_url}/payments`), with a hard
//! deadline. spin-sdk's `send` has no timeout, and a service-chained request is served in-process
//! where wasi:http's own timeouts do not apply, so the call races the response against a
//! monotonic-clock pollable; on timeout the request future is dropped (which aborts it).

use std::time::{Duration, Instant};

use serde::Deserialize;
use wasi::clocks::monotonic_clock;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasi::io::poll;
use wasi::io::streams::StreamError;

use reservation_core::ports::{PaymentGateway, PaymentOutcome, PaymentRequest};

/// Payment over wasi:http (service chaining on one app, the network between SpinApps).
pub struct HttpPayments<'a> {
    pub payment_url: &'a str,
    pub correlation_id: &'a str,
    pub timeout: Duration,
}

impl PaymentGateway for HttpPayments<'_> {
    fn authorize(&self, request: &PaymentRequest) -> PaymentOutcome {
        let answer = cinema_http::timing::time("pay-call", || {
            call(self.payment_url, self.correlation_id, request, self.timeout)
        });
        match answer {
            Ok((status, body)) => classify(status, &body),
            Err(CallError::Timeout) => PaymentOutcome::Timeout,
            Err(CallError::Failed(reason)) => PaymentOutcome::Failed { reason },
        }
    }
}

/// Why the call got no answer.
#[derive(Debug)]
enum CallError {
    /// No answer within the deadline: the charge may still land.
    Timeout,
    Failed(String),
}

impl From<String> for CallError {
    fn from(reason: String) -> Self {
        Self::Failed(reason)
    }
}

#[derive(Deserialize)]
struct Approved {
    payment_id: String,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

fn classify(status: u16, body: &[u8]) -> PaymentOutcome {
    let message = || {
        serde_json::from_slice::<ErrorBody>(body)
            .unwrap_or_default()
            .message
    };
    match status {
        200 | 201 => match serde_json::from_slice::<Approved>(body) {
            Ok(a) => PaymentOutcome::Approved {
                payment_id: a.payment_id,
            },
            Err(e) => PaymentOutcome::Failed {
                reason: format!("unreadable approval: {e}"),
            },
        },
        402 => PaymentOutcome::Declined { message: message() },
        // 409: this reservation's payment was already refunded — a client-side conflict, not an outage.
        400 | 409 | 422 => PaymentOutcome::Invalid { message: message() },
        other => PaymentOutcome::Failed {
            reason: format!("payment answered {other}"),
        },
    }
}

fn call(
    payment_url: &str,
    correlation_id: &str,
    req: &PaymentRequest,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), CallError> {
    let deadline = Instant::now() + timeout;
    let url = url_parts(payment_url)?;
    let body = serde_json::to_vec(req).map_err(|e| e.to_string())?;
    let headers = Fields::from_list(&[
        ("content-type".to_string(), b"application/json".to_vec()),
        (
            "idempotency-key".to_string(),
            req.reservation_id.as_str().as_bytes().to_vec(),
        ),
        (
            "x-correlation-id".to_string(),
            correlation_id.as_bytes().to_vec(),
        ),
    ])
    .map_err(|e| format!("headers: {e:?}"))?;
    let request = OutgoingRequest::new(headers);
    let set = |ok: Result<(), ()>, what: &str| ok.map_err(|()| format!("invalid {what}"));
    set(request.set_method(&Method::Post), "method")?;
    set(request.set_scheme(Some(&url.scheme)), "scheme")?;
    set(request.set_authority(Some(&url.authority)), "authority")?;
    set(
        request.set_path_with_query(Some(&format!("{}/payments", url.path))),
        "path",
    )?;
    let outgoing = request
        .body()
        .map_err(|()| "request body taken".to_string())?;
    {
        let stream = outgoing
            .write()
            .map_err(|()| "request stream taken".to_string())?;
        for chunk in body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| format!("write: {e:?}"))?;
        }
    }
    OutgoingBody::finish(outgoing, None).map_err(|e| format!("finish: {e:?}"))?;

    let options = RequestOptions::new();
    let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
    // Honoured for real network calls; ignored for in-process service chaining (hence the race).
    if options.set_first_byte_timeout(Some(nanos)).is_err() {
        // Not supported by this host: the deadline below still applies.
    }
    let future =
        outgoing_handler::handle(request, Some(options)).map_err(|e| format!("send: {e:?}"))?;
    wait(&future.subscribe(), deadline)?;
    let response = match future.get() {
        Some(Ok(Ok(resp))) => resp,
        Some(Ok(Err(
            ErrorCode::ConnectionReadTimeout
            | ErrorCode::ConnectionTimeout
            | ErrorCode::HttpResponseTimeout,
        ))) => return Err(CallError::Timeout),
        Some(Ok(Err(code))) => {
            return Err(CallError::Failed(format!("payment unreachable: {code:?}")));
        }
        Some(Err(())) | None => return Err(CallError::Failed("response already taken".into())),
    };
    let status = response.status();
    for value in response
        .headers()
        .get(&cinema_http::timing::HEADER.to_string())
    {
        if let Ok(value) = std::str::from_utf8(&value) {
            cinema_http::timing::nest(value);
        }
    }
    let incoming = response
        .consume()
        .map_err(|()| "response body taken".to_string())?;
    let bytes = read_all(&incoming, deadline)?;
    drop(incoming);
    Ok((status, bytes))
}

/// Blocks until `pollable` is ready or the deadline passes.
fn wait(pollable: &wasi::io::poll::Pollable, deadline: Instant) -> Result<(), CallError> {
    let left = deadline.saturating_duration_since(Instant::now());
    let timer =
        monotonic_clock::subscribe_duration(u64::try_from(left.as_nanos()).unwrap_or(u64::MAX));
    let ready = poll::poll(&[pollable, &timer]);
    if ready.contains(&0) {
        Ok(())
    } else {
        Err(CallError::Timeout)
    }
}

fn read_all(body: &IncomingBody, deadline: Instant) -> Result<Vec<u8>, CallError> {
    let stream = body
        .stream()
        .map_err(|()| "response stream taken".to_string())?;
    let mut out = Vec::new();
    loop {
        match stream.read(64 * 1024) {
            Ok(chunk) if chunk.is_empty() => wait(&stream.subscribe(), deadline)?,
            Ok(chunk) => {
                out.extend_from_slice(&chunk);
                if out.len() > 1 << 20 {
                    return Err(CallError::Failed("payment response too large".into()));
                }
            }
            Err(StreamError::Closed) => return Ok(out),
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(CallError::Failed(format!("read: {}", e.to_debug_string())));
            }
        }
    }
}

struct UrlParts {
    scheme: Scheme,
    authority: String,
    path: String,
}

fn url_parts(url: &str) -> Result<UrlParts, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("payment_url {url:?} has no scheme"))?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => return Err(format!("payment_url scheme {other:?} is not http(s)")),
    };
    let (authority, path) = match rest.split_once('/') {
        Some((a, p)) => (a.to_string(), format!("/{}", p.trim_end_matches('/'))),
        None => (rest.to_string(), String::new()),
    };
    let path = if path == "/" { String::new() } else { path };
    Ok(UrlParts {
        scheme,
        authority,
        path,
    })
}
