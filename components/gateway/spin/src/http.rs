//! The request pipeline: correlate → admit → read the body (≤ 1 MiB) → serve or forward →
//! stamp the correlation id → log.

use std::time::Instant;

use cinema_http::timing;
use futures::StreamExt;
use gateway_core::admission::{Admission, Gatekeeper, Note, RequestHead};
use gateway_core::capacity::{self, Gate};
use gateway_core::correlation::CorrelationId;
use gateway_core::credentials::{Credentials, remedy};
use gateway_core::forwarding::{MAX_BODY_BYTES, declared_length_too_large};
use gateway_core::identity::Identity;
use gateway_core::ports::Clock;
use gateway_core::routes::{Method, Route, Target};
use spin_sdk::http::{IncomingRequest, Response};

use crate::access_log::AccessLog;
use crate::config::Config;
use crate::counters::RedisCounters;
use crate::errors;

/// The parts of the incoming request the gateway keeps after taking the body stream.
pub struct Incoming {
    pub method: Method,
    pub method_name: String,
    /// Full path (`/api/...`), no query.
    pub path: String,
    pub query: String,
    /// Header names lower-cased; values that are not UTF-8 are dropped.
    pub headers: Vec<(String, String)>,
}

impl Incoming {
    fn read(req: &IncomingRequest) -> Self {
        let method_name = req.method().to_string();
        let path_and_query = req.path_with_query().unwrap_or_else(|| "/".into());
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (path_and_query, String::new()),
        };
        let headers = req
            .headers()
            .entries()
            .into_iter()
            .filter_map(|(name, value)| {
                Some((name.to_ascii_lowercase(), String::from_utf8(value).ok()?))
            })
            .collect();
        Self {
            method: Method::parse(&method_name),
            method_name,
            path,
            query,
            headers,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_s(&self) -> i64 {
        cinema_http::now().timestamp()
    }
}

pub async fn handle(req: IncomingRequest) -> Response {
    let started = Instant::now();
    timing::reset();
    let incoming = Incoming::read(&req);
    let correlation =
        CorrelationId::resolve(incoming.header("x-correlation-id"), cinema_http::new_id);
    let mut log = AccessLog::new(&incoming, &correlation);
    let config = Config::load();
    let mut response = serve(req, &incoming, &correlation, &config, &mut log).await;
    response.set_header("x-correlation-id", correlation.as_str());
    if config.server_timing {
        timing::stamp(&mut response, "gw");
    }
    log.finish(*response.status(), started.elapsed());
    response
}

async fn serve(
    req: IncomingRequest,
    incoming: &Incoming,
    correlation: &CorrelationId,
    config: &Config,
    log: &mut AccessLog,
) -> Response {
    let credentials = Credentials::configure(&config.auth);
    let counters = RedisCounters::new(config.redis_address.clone());
    let gate = Gatekeeper::new(&credentials, &SystemClock, &counters, config.limits);
    let Admission {
        identity,
        decision,
        notes,
    } = timing::time("admit", || {
        gate.admit(&RequestHead {
            method: incoming.method,
            path: &incoming.path,
            authorization: incoming.header("authorization"),
            client_address: incoming.header("spin-client-addr"),
        })
    });
    log.customer(identity.as_ref());
    for note in notes {
        let (text, trouble) = note_text(&note);
        log.note(&text, trouble);
    }
    let route = match decision {
        Ok(route) => route,
        Err(rejection) => {
            if let Some(problem) = credentials.ops_problem {
                log.note(&remedy("ops_token", problem), true);
            }
            return errors::rejection(rejection);
        }
    };
    let gate = timing::time("gate", || {
        capacity::enter(&config.capacity, route, &counters, cinema_http::new_id())
    });
    match &gate {
        Gate::Overloaded => {
            log.note("shed: every in-flight slot is taken", false);
            return errors::overloaded();
        }
        Gate::Uncounted(e) => log.note(&format!("in-flight not counted (fail open): {e}"), true),
        Gate::Holding(_) | Gate::Free => {}
    }
    let response = match read_body(req, incoming).await {
        Ok(body) => {
            let dispatched = Instant::now();
            let response = dispatch(
                route,
                incoming,
                body,
                identity.as_ref(),
                correlation,
                config,
                &credentials,
            )
            .await;
            timing::record("fwd", dispatched.elapsed());
            response
        }
        Err(response) => response,
    };
    if let Err(e) = timing::time("release", || {
        capacity::release(&config.capacity, &gate, &counters)
    }) {
        log.note(&format!("in-flight slot left to its lease: {e}"), true);
    }
    response
}

async fn dispatch(
    route: &'static Route,
    incoming: &Incoming,
    body: Vec<u8>,
    identity: Option<&Identity>,
    correlation: &CorrelationId,
    config: &Config,
    credentials: &Credentials,
) -> Response {
    match route.target {
        Target::Forward(context) => {
            crate::forward::forward(context, route, incoming, body, identity, correlation).await
        }
        Target::DevToken => crate::dev_token::issue(
            config.auth.dev_auth,
            credentials,
            &body,
            SystemClock.now_unix_s(),
        ),
        Target::Health => cinema_http::json(200, &serde_json::json!({"status": "ok"})),
        Target::Relay => match identity {
            Some(admin) => crate::relay::fan_out(admin, correlation).await,
            None => errors::internal("relay admitted without an identity"),
        },
        Target::Drain => match identity {
            Some(admin) => crate::drain::fan_out(admin, correlation).await,
            None => errors::internal("drain admitted without an identity"),
        },
        Target::DeadLetters => match identity {
            Some(admin) => crate::dead_letters::list(admin, correlation).await,
            None => errors::internal("dead letters admitted without an identity"),
        },
        Target::DeadLetterRetry => match identity {
            Some(admin) => crate::dead_letters::retry(&incoming.path, admin, correlation).await,
            None => errors::internal("dead-letter retry admitted without an identity"),
        },
        Target::Metrics => match identity {
            Some(admin) => crate::metrics::scrape(admin, correlation, config).await,
            None => errors::internal("metrics admitted without an identity"),
        },
    }
}

/// Reads the body, refusing more than 1 MiB (by `Content-Length` at once, else while reading),
/// so an oversized body is never buffered whole nor forwarded.
async fn read_body(req: IncomingRequest, incoming: &Incoming) -> Result<Vec<u8>, Response> {
    if declared_length_too_large(incoming.header("content-length")) {
        return Err(errors::payload_too_large());
    }
    let mut stream = req.into_body_stream();
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => {
                if body.len() + bytes.len() > MAX_BODY_BYTES {
                    return Err(errors::payload_too_large());
                }
                body.extend(bytes);
            }
            Err(e) => return Err(errors::unreadable_body(&format!("{e:?}"))),
        }
    }
    Ok(body)
}

/// The note's text and whether it is trouble (worth a warning).
fn note_text(note: &Note) -> (String, bool) {
    match note {
        Note::LimiterUnavailable(e) => (format!("rate limit not counted (fail open): {e}"), true),
    }
}
