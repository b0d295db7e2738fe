//! The scenarios: each builds a [`Job`] and runs it closed-loop or at a fixed rate.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::fixture::Fixture;
use crate::http::Client;
use crate::load::{Job, Outcome};
use crate::local::stream_backlog;

pub const STREAM: &str = "cinema:events";

/// The sustained pipeline's fixed-rate steps, as fractions of the closed-loop booking rate; 0.9
/// is issue 17's goal (the pipeline absorbs ≥ 0.9× the closed-loop rate).
pub const STEPS: [f64; 8] = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 0.9, 1.0];

/// A closed-loop scenario as the report and the chart show it.
pub struct Closed {
    /// Its key in [`crate::run::RunResult::closed`] (and so in `bench/results/*.json`).
    pub key: &'static str,
    /// Its label in the chart.
    pub name: &'static str,
    /// Its row in the report's table.
    pub what: &'static str,
}

/// The closed-loop scenarios in the order a round runs them; the first two are the baselines.
pub const CLOSED: [Closed; 8] = [
    Closed {
        key: "hello",
        name: "hello",
        what: "1a. hello-world (baseline)",
    },
    Closed {
        key: "floor",
        name: "floor",
        what: "1b. floor app `POST /book` (baseline: public → private component, one SQLite commit each)",
    },
    Closed {
        key: "catalog",
        name: "catalog",
        what: "2a. catalog `GET /api/movies`",
    },
    Closed {
        key: "seatmap",
        name: "seat map",
        what: "2b. seat map `GET /api/screenings/{id}/seats` (10×12 hall)",
    },
    Closed {
        key: "programme",
        name: "programme (Rust)",
        what: "2c. staff programme `GET /api/admin/programme` (catalog, a Rust read model)",
    },
    Closed {
        key: "reports",
        name: "reports (Python)",
        what: "2d. staff sales report `GET /api/admin/reports/sales?group=screening` (reports, the Python read model)",
    },
    Closed {
        key: "booking",
        name: "booking",
        what: "3a. booking `POST /api/reservations` (gateway → reservation → payment)",
    },
    Closed {
        key: "hold_pay",
        name: "hold → pay",
        what: "3b. hold → pay `POST /api/holds`, then `POST /api/reservations` with `hold_id` (two requests, one booking)",
    },
];

/// `GET path` expecting 200.
pub fn get(client: &Client, path: String) -> Job {
    get_as(client, path, None)
}

/// `POST path` with an empty body expecting 200 (the floor app's booking).
pub fn post(client: &Client, path: String) -> Job {
    let client = client.clone();
    let path: Rc<str> = path.into();
    Rc::new(move |_| {
        let (client, path) = (client.clone(), path.clone());
        Box::pin(async move {
            match client.send(hyper::Method::POST, &path, None, None).await {
                Ok(r) if r.status == 200 => Ok(()),
                Ok(r) => Err(format!("status {}", r.status)),
                Err(e) => Err(format!("transport: {}", short(&e))),
            }
        })
    })
}

/// `GET path` with a bearer token (`None`: anonymous) expecting 200.
pub fn get_as(client: &Client, path: String, token: Option<String>) -> Job {
    let client = client.clone();
    let path: Rc<str> = path.into();
    let token: Option<Rc<str>> = token.map(Into::into);
    Rc::new(move |_| {
        let (client, path, token) = (client.clone(), path.clone(), token.clone());
        Box::pin(async move {
            match client.get(&path, token.as_deref()).await {
                Ok(r) if r.status == 200 => Ok(()),
                Ok(r) => Err(format!("status {}", r.status)),
                Err(e) => Err(format!("transport: {}", short(&e))),
            }
        })
    })
}

/// One booking of one never-booked seat, by customers taken round-robin, expecting 202; a
/// refusal is keyed by [`refusal`].
pub fn booking(client: &Client, fixture: Rc<Fixture>, tokens: Rc<Vec<String>>) -> Job {
    let client = client.clone();
    Rc::new(move |i| {
        let (client, fixture, tokens) = (client.clone(), fixture.clone(), tokens.clone());
        Box::pin(async move {
            let token = &tokens[i as usize % tokens.len()];
            book(&client, &fixture, token).await.map(|_| ())
        })
    })
}

/// Books a seat; returns the reservation id.
pub async fn book(client: &Client, fixture: &Fixture, token: &str) -> Result<String, String> {
    book_timed(client, fixture, token).await.map(|(id, _)| id)
}

/// Books a seat; returns the reservation id and the answer's `Server-Timing` header.
pub async fn book_timed(
    client: &Client,
    fixture: &Fixture,
    token: &str,
) -> Result<(String, Option<String>), String> {
    let (screening, seat) = fixture.take_seat().ok_or("out of seats")?;
    let body =
        json!({"screening_id": screening, "seats": [seat], "payment": {"card_token": "tok_visa"}});
    match client.post("/api/reservations", Some(token), &body).await {
        Ok(r) if r.status == 202 => r.json()["reservation_id"]
            .as_str()
            .map(|id| (id.to_string(), r.server_timing.clone()))
            .ok_or_else(|| "202 without reservation_id".to_string()),
        Ok(r) => Err(refusal(&r)),
        Err(e) => Err(format!("transport: {}", short(&e))),
    }
}

/// [`booking`], adding every accepted booking's round trip and `Server-Timing` to `collector`.
pub fn booking_timed(
    client: &Client,
    fixture: Rc<Fixture>,
    tokens: Rc<Vec<String>>,
    collector: Rc<std::cell::RefCell<crate::timing::Collector>>,
) -> Job {
    let client = client.clone();
    Rc::new(move |i| {
        let (client, fixture, tokens, collector) = (
            client.clone(),
            fixture.clone(),
            tokens.clone(),
            collector.clone(),
        );
        Box::pin(async move {
            let token = &tokens[i as usize % tokens.len()];
            let began = Instant::now();
            let (_, header) = book_timed(&client, &fixture, token).await?;
            collector
                .borrow_mut()
                .add(began.elapsed().as_secs_f64() * 1000.0, header.as_deref());
            Ok(())
        })
    })
}

/// A refused booking as a client under overload must tell it apart:
/// `"<status> <error code>[ + Retry-After]"` (e.g. `"503 overloaded + Retry-After"`), so the report
/// can tell the answers the overload goal allows (503 + `Retry-After`) from any other 5xx.
fn refusal(r: &crate::http::Reply) -> String {
    let code = r.json()["error"].as_str().unwrap_or("-").to_string();
    let retry = if r.retry_after.is_some() {
        " + Retry-After"
    } else {
        ""
    };
    format!("{} {code}{retry}", r.status)
}

/// Whether a failure of [`booking`] is an answer the overload goal allows: a 503 with
/// `Retry-After`, or a 4xx (the client's own doing, e.g. a rate limit).
pub fn allowed_under_overload(failure: &str) -> bool {
    let status = failure.split(' ').next().unwrap_or_default();
    (status == "503" && failure.ends_with(" + Retry-After")) || status.starts_with('4')
}

/// The web UI's checkout: a hold of one never-booked seat (`POST /api/holds`, 201), then the
/// booking of that hold (`POST /api/reservations` with `hold_id`, 202), by customers taken
/// round-robin. Both requests are one job, so the pair counts as one booking and its latency runs
/// from the start of the hold to the 202. Seats come from the same [`Fixture`] as [`booking`]'s,
/// so the two scenarios never ask for the same seat (a 409 is a failure, not contention).
pub fn hold_pay(client: &Client, fixture: Rc<Fixture>, tokens: Rc<Vec<String>>) -> Job {
    let client = client.clone();
    Rc::new(move |i| {
        let (client, fixture, tokens) = (client.clone(), fixture.clone(), tokens.clone());
        Box::pin(async move {
            let token = &tokens[i as usize % tokens.len()];
            let hold_id = hold(&client, &fixture, token).await?;
            let body = json!({"hold_id": hold_id, "payment": {"card_token": "tok_visa"}});
            match client.post("/api/reservations", Some(token), &body).await {
                Ok(r) if r.status == 202 => Ok(()),
                Ok(r) => Err(format!("pay: status {}", r.status)),
                Err(e) => Err(format!("pay: transport: {}", short(&e))),
            }
        })
    })
}

/// Holds a seat; returns the hold id.
async fn hold(client: &Client, fixture: &Fixture, token: &str) -> Result<String, String> {
    let (screening, seat) = fixture.take_seat().ok_or("out of seats")?;
    let body = json!({"screening_id": screening, "seats": [seat]});
    match client.post("/api/holds", Some(token), &body).await {
        Ok(r) if r.status == 201 => r.json()["hold_id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "hold: 201 without hold_id".to_string()),
        Ok(r) => Err(format!("hold: status {}", r.status)),
        Err(e) => Err(format!("hold: transport: {}", short(&e))),
    }
}

/// Polls are `poll` apart for the first [`PRECISE_FOR`] after the booking was accepted (the goal's
/// window, measured to the poll interval), then back off, doubling up to `poll_max`: as a
/// customer's page would, and so that slow confirmations do not multiply the load they wait on
/// (at a fixed 10 ms, every 100 ms of delay added ten requests per booking).
pub const PRECISE_FOR: Duration = Duration::from_millis(50);

/// A booking and then `GET /api/my/reservations` until it shows `CONFIRMED` (see
/// [`PRECISE_FOR`]): the latency a customer sees from pressing "book" to the confirmed ticket on
/// their page. Each job has its own customer (tokens are used once), so the polled list stays
/// one entry long.
pub fn booking_confirmed(
    client: &Client,
    fixture: Rc<Fixture>,
    tokens: Rc<Vec<String>>,
    poll: Duration,
    poll_max: Duration,
    polls: Rc<std::cell::Cell<u64>>,
) -> Job {
    let client = client.clone();
    Rc::new(move |i| {
        let (client, fixture, tokens, polls) = (
            client.clone(),
            fixture.clone(),
            tokens.clone(),
            polls.clone(),
        );
        Box::pin(async move {
            let token = &tokens[i as usize % tokens.len()];
            let id = book(&client, &fixture, token).await?;
            let accepted = Instant::now();
            let deadline = accepted + Duration::from_secs(10);
            let mut interval = poll;
            loop {
                polls.set(polls.get() + 1);
                let r = client
                    .get("/api/my/reservations", Some(token))
                    .await
                    .map_err(|e| format!("transport: {}", short(&e)))?;
                let confirmed = r.json().as_array().is_some_and(|list| {
                    list.iter()
                        .any(|e| e["reservation_id"] == id.as_str() && e["status"] == "CONFIRMED")
                });
                if confirmed {
                    return Ok(());
                }
                if Instant::now() > deadline {
                    return Err("not CONFIRMED after 10 s".into());
                }
                tokio::time::sleep(interval).await;
                if accepted.elapsed() >= PRECISE_FOR {
                    interval = (interval * 2).min(poll_max.max(poll));
                }
            }
        })
    })
}

/// Reads the event stream from its end on a thread (`XREAD BLOCK`) and notes when each
/// `ReservationConfirmed` arrives: booking → CONFIRMED measured at the event, with one Redis
/// connection and no request to the app (the page poll adds a gateway and a my-page request per
/// look, which on a busy host delays the confirmations it waits for).
pub struct ConfirmationWatcher {
    stop: Arc<AtomicBool>,
    confirmed: Arc<Mutex<std::collections::HashMap<String, Instant>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ConfirmationWatcher {
    /// Watches entries added from now on.
    ///
    /// # Errors
    /// Redis unreachable.
    pub fn start(redis_url: &str) -> anyhow::Result<Self> {
        let mut conn = redis::Client::open(redis_url)?.get_connection()?;
        // The newest id now: entries after it are the ones to watch.
        let newest: Vec<redis::Value> = redis::cmd("XREVRANGE")
            .arg(STREAM)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query(&mut conn)?;
        let mut last = newest
            .first()
            .and_then(|e| match e {
                redis::Value::Array(parts) => parts.first().and_then(text),
                _ => None,
            })
            .unwrap_or_else(|| "0-0".to_string());
        let stop = Arc::new(AtomicBool::new(false));
        let confirmed = Arc::new(Mutex::new(std::collections::HashMap::new()));
        let (stop_flag, seen) = (stop.clone(), confirmed.clone());
        let thread = std::thread::spawn(move || {
            while !stop_flag.load(Ordering::Relaxed) {
                let reply: redis::RedisResult<redis::Value> = redis::cmd("XREAD")
                    .arg("COUNT")
                    .arg(1000)
                    .arg("BLOCK")
                    .arg(100)
                    .arg("STREAMS")
                    .arg(STREAM)
                    .arg(&last)
                    .query(&mut conn);
                let Ok(reply) = reply else {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                };
                let now = Instant::now();
                for (id, envelope) in stream_entries(&reply) {
                    if let Some(reservation) = confirmation_of(&envelope) {
                        seen.lock().expect("watcher lock").insert(reservation, now);
                    }
                    last = id;
                }
            }
        });
        Ok(Self {
            stop,
            confirmed,
            thread: Some(thread),
        })
    }

    /// When the watcher saw `reservation_id` confirmed, if it did.
    pub fn seen(&self, reservation_id: &str) -> Option<Instant> {
        self.confirmed
            .lock()
            .expect("watcher lock")
            .get(reservation_id)
            .copied()
    }
}

impl Drop for ConfirmationWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

fn text(v: &redis::Value) -> Option<String> {
    match v {
        redis::Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// `(id, envelope)` of each entry of an `XREAD` reply on one stream (field `e`).
fn stream_entries(reply: &redis::Value) -> Vec<(String, String)> {
    let redis::Value::Array(streams) = reply else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for stream in streams {
        let redis::Value::Array(name_entries) = stream else {
            continue;
        };
        let Some(redis::Value::Array(entries)) = name_entries.get(1) else {
            continue;
        };
        for entry in entries {
            let redis::Value::Array(parts) = entry else {
                continue;
            };
            let (Some(id), Some(redis::Value::Array(fields))) =
                (parts.first().and_then(text), parts.get(1))
            else {
                continue;
            };
            let envelope = fields
                .chunks(2)
                .find(|kv| kv.first().and_then(text).as_deref() == Some("e"))
                .and_then(|kv| kv.get(1).and_then(text))
                .unwrap_or_default();
            out.push((id, envelope));
        }
    }
    out
}

/// The reservation a `ReservationConfirmed` envelope confirms; `None` for any other event.
fn confirmation_of(envelope: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Header {
        #[serde(rename = "type")]
        type_: String,
        reservation_id: Option<String>,
    }
    let h: Header = serde_json::from_str(envelope).ok()?;
    (h.type_ == "ReservationConfirmed")
        .then_some(h.reservation_id)
        .flatten()
}

/// A booking, then waiting (in this process, no request) until the [`ConfirmationWatcher`] has
/// seen it confirmed; the job's latency is booking → the `ReservationConfirmed` event.
pub fn booking_confirmed_event(
    client: &Client,
    fixture: Rc<Fixture>,
    tokens: Rc<Vec<String>>,
    watcher: Rc<ConfirmationWatcher>,
) -> Job {
    let client = client.clone();
    Rc::new(move |i| {
        let (client, fixture, tokens, watcher) = (
            client.clone(),
            fixture.clone(),
            tokens.clone(),
            watcher.clone(),
        );
        Box::pin(async move {
            let token = &tokens[i as usize % tokens.len()];
            let id = book(&client, &fixture, token).await?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while watcher.seen(&id).is_none() {
                if Instant::now() > deadline {
                    return Err("no ReservationConfirmed after 10 s".into());
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Ok(())
        })
    })
}

/// Samples the event backlog (every consumer group's lag + pending) every 200 ms on a thread.
pub struct BacklogSampler {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<(f64, u64)>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BacklogSampler {
    pub fn start(redis_url: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let (s2, v2, url) = (stop.clone(), samples.clone(), redis_url.to_string());
        let thread = std::thread::spawn(move || {
            let t0 = Instant::now();
            while !s2.load(Ordering::Relaxed) {
                if let Some(b) = stream_backlog(&url, STREAM) {
                    v2.lock()
                        .expect("samples")
                        .push((t0.elapsed().as_secs_f64(), b));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Self {
            stop,
            samples,
            thread: Some(thread),
        }
    }

    pub fn finish(mut self) -> Backlog {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
        let samples = self.samples.lock().expect("samples").clone();
        Backlog::of(&samples)
    }
}

/// How the event backlog behaved during a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Backlog {
    pub samples: usize,
    pub max: u64,
    pub last: u64,
    /// Least-squares slope over the second half of the run, in events/s: > 0 means growing.
    pub slope_per_s: f64,
}

impl Backlog {
    fn of(samples: &[(f64, u64)]) -> Self {
        let half = &samples[samples.len() / 2..];
        let n = half.len() as f64;
        let slope = if half.len() < 3 {
            0.0
        } else {
            let mx = half.iter().map(|s| s.0).sum::<f64>() / n;
            let my = half.iter().map(|s| s.1 as f64).sum::<f64>() / n;
            let num: f64 = half.iter().map(|s| (s.0 - mx) * (s.1 as f64 - my)).sum();
            let den: f64 = half.iter().map(|s| (s.0 - mx).powi(2)).sum();
            if den > 0.0 { num / den } else { 0.0 }
        };
        Self {
            samples: samples.len(),
            max: samples.iter().map(|s| s.1).max().unwrap_or(0),
            last: samples.last().map_or(0, |s| s.1),
            slope_per_s: slope,
        }
    }
}

/// Waits until the backlog is empty; returns how long that took (`None`: not within `limit`).
pub fn drain_time(redis_url: &str, limit: Duration) -> Option<f64> {
    let t0 = Instant::now();
    loop {
        if stream_backlog(redis_url, STREAM) == Some(0) {
            return Some(t0.elapsed().as_secs_f64());
        }
        if t0.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One fixed-rate step of the sustained-pipeline scenario.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Step {
    /// The backlog when the step began (a step judged on a busy pipeline means little).
    #[serde(default)]
    pub backlog_at_start: Option<u64>,
    pub outcome: Outcome,
    pub backlog: Backlog,
    /// Seconds from the end of the step until every consumer caught up.
    pub drain_s: Option<f64>,
    pub absorbed: bool,
}

impl Step {
    /// The system absorbed the rate: (almost) every booking accepted at the asked rate, and the
    /// event backlog did not accumulate (it drained within a second of the last booking).
    pub fn judge(
        backlog_at_start: Option<u64>,
        outcome: Outcome,
        backlog: Backlog,
        drain_s: Option<f64>,
    ) -> Self {
        let asked = outcome.target_per_s.unwrap_or(0.0);
        let accepted = outcome.ok as f64 / (outcome.ok + outcome.failed).max(1) as f64;
        let absorbed =
            accepted >= 0.99 && outcome.per_s >= 0.95 * asked && drain_s.is_some_and(|d| d <= 1.0);
        Self {
            backlog_at_start,
            outcome,
            backlog,
            drain_s,
            absorbed,
        }
    }
}

fn short(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> redis::Value {
        redis::Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn the_watcher_reads_confirmations_out_of_an_xread_reply() {
        let confirmed = r#"{"type":"ReservationConfirmed","reservation_id":"r-1","data":{}}"#;
        let placed = r#"{"type":"ReservationPlaced","reservation_id":"r-2","data":{}}"#;
        let entry = |id: &str, e: &str| {
            redis::Value::Array(vec![
                bulk(id),
                redis::Value::Array(vec![bulk("e"), bulk(e)]),
            ])
        };
        let reply = redis::Value::Array(vec![redis::Value::Array(vec![
            bulk(STREAM),
            redis::Value::Array(vec![entry("1-0", placed), entry("2-0", confirmed)]),
        ])]);
        let entries = stream_entries(&reply);
        assert_eq!(
            entries
                .iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            ["1-0", "2-0"]
        );
        let seen: Vec<Option<String>> = entries.iter().map(|(_, e)| confirmation_of(e)).collect();
        assert_eq!(seen, [None, Some("r-1".to_string())]);
        assert!(stream_entries(&redis::Value::Nil).is_empty());
    }
}
