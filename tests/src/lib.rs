//! `TestApp`: one isolated cinema for a test — its own redis-server on a free port, fresh SQLite
//! and key-value files, devhost running the repository's `spin.toml` on a free port — with one
//! method per API call (`api.rs`), the event stream and a "wait until every consumer caught up"
//! (`events.rs`), checks over every read side (`checks.rs`), and `eventually(...)` for
//! asynchronous outcomes. Locally it also stops and starts Redis and extra devhost processes
//! (`local.rs`).
//!
//! The wasm components and devhost are built once per test process (`scripts/build-wasm` and
//! `cargo build -p devhost`, no-ops when fresh; `CINEMA_E2E_NO_BUILD=1` skips them).
//!
//! Set `CINEMA_BASE_URL` to run the same tests against an app started elsewhere (e.g. a real
//! `spin up` with `--variable dev_auth=true`), and `CINEMA_REDIS_URL` to its Redis so stream
//! checks run too. Tests that stop components or Redis, or start processes, skip themselves
//! there ([`TestApp::skip_unless_local`]). Against a shared app every customer id carries a
//! per-test suffix, every test makes its own hall and movie, and tests that change app-wide
//! settings (the payment simulator) take an exclusive file lock the others share
//! ([`Options::exclusive`]).

mod api;
mod chat;
mod checks;
mod events;
mod layouts;
mod local;
mod pricing;
mod programme;
mod tokens;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cinema_testkit::Redis;
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::Value;

pub use chat::ChatSink;
pub use checks::{assert_notified_exactly, no_trace, statuses_by_reservation};
pub use cinema_testkit::eventually;
pub use events::{count_of_type, of_reservation, of_type};
pub use layouts::{seat, won};
pub use local::state_dir;
pub use programme::find_screening;
pub use tokens::{claims, sign_hs256};

use local::{Local, build_once, manifest_default};

/// The deadline for asynchronous outcomes (events through Redis).
pub const ASYNC: Duration = Duration::from_secs(20);

/// The Redis stream and doorbell channels of the app (`crates/eventing`): the saga's (theater,
/// reservation, payment) and the read models'.
pub const STREAM: &str = "cinema:events";
pub const DOORBELLS: [&str; 2] = ["cinema.saga", "cinema.events"];
/// The contexts on the saga's doorbell.
pub const SAGA_CONTEXTS: [&str; 3] = ["theater", "reservation", "payment"];

/// Every consuming context; each has a `<context>-events` component and a consumer group.
pub const CONSUMERS: [&str; 7] = [
    "reservation",
    "payment",
    "theater",
    "catalog",
    "mypage",
    "notification",
    "reports",
];

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn error_code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    /// The `reservation_id` of an accepted booking (panics with the reply otherwise).
    pub fn reservation_id(&self) -> String {
        assert_eq!(self.status, 202, "booking not accepted: {:?}", self.body);
        self.body["reservation_id"]
            .as_str()
            .expect("reservation_id")
            .to_string()
    }
}

#[derive(Default, Clone)]
pub struct Options {
    /// Spin variables (`--variable k=v`); locally only — a shared app keeps its own.
    pub variables: Vec<(String, String)>,
    /// Component ids left out (e.g. `theater-events` to simulate the theater side being down).
    pub without: Vec<String>,
    /// The test changes app-wide settings (the payment simulator, hence the breaker). Against a
    /// shared app (`CINEMA_BASE_URL`) it then runs alone: it holds an exclusive lock that every
    /// other test holds shared.
    pub exclusive: bool,
    /// Every key-value store on Redis (one database each) instead of SQLite files: the
    /// production set-up for more than one replica (`runtime-config.toml`). Two processes
    /// writing one SQLite-backed store fail with `database is locked`, as on Spin.
    pub kv_on_redis: bool,
    /// Redis with its append-only file on (`appendfsync everysec`, as deployed), so that
    /// [`TestApp::kill_redis`] and [`TestApp::start_redis`] are a crash and a restart on its files.
    pub redis_aof: bool,
}

impl Options {
    pub fn variable(mut self, name: &str, value: impl ToString) -> Self {
        self.variables.push((name.to_string(), value.to_string()));
        self
    }

    pub fn without(mut self, component: &str) -> Self {
        self.without.push(component.to_string());
        self
    }

    pub fn exclusive(mut self) -> Self {
        self.exclusive = true;
        self
    }

    pub fn kv_on_redis(mut self) -> Self {
        self.kv_on_redis = true;
        self
    }

    pub fn redis_aof(mut self) -> Self {
        self.redis_aof = true;
        self
    }
}

pub struct TestApp {
    pub base: String,
    client: Client,
    /// Suffix of every customer id this test uses, so tests sharing an app never meet.
    run: String,
    local: Option<Local>,
    /// Held for the test's lifetime against a shared app (see [`Options::exclusive`]).
    _lock: Option<std::fs::File>,
    exclusive: bool,
    /// Whether this test changed the payment simulator (reset on drop against a shared app).
    simulator_changed: AtomicBool,
}

impl TestApp {
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Self {
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        let run = run_suffix();
        if let Ok(base) = std::env::var("CINEMA_BASE_URL") {
            let base = base.trim_end_matches('/').to_string();
            let lock = shared_app_lock(&base, options.exclusive);
            return Self {
                base,
                client,
                run,
                local: None,
                _lock: Some(lock),
                exclusive: options.exclusive,
                simulator_changed: AtomicBool::new(false),
            };
        }
        build_once();
        let dir = tempfile::tempdir().expect("temp dir");
        let redis_dir = dir.path().join("redis");
        std::fs::create_dir_all(&redis_dir).expect("redis dir");
        let port = cinema_testkit::free_port();
        let redis = if options.redis_aof {
            Redis::start_with_aof(port, &redis_dir)
        } else {
            Redis::start_in(port, &redis_dir)
        };
        let mut local = Local {
            workers: Vec::new(),
            worker_bells: 0,
            worker_components: Vec::new(),
            host: None,
            redis_port: redis.port,
            redis: Some(redis),
            options,
            dir,
            jwt_secret: cinema_testkit::random_secret(),
            ticket_secret: cinema_testkit::random_secret(),
        };
        local.launch();
        let base = local.host.as_ref().expect("launched").base_url();
        Self {
            base,
            client,
            run,
            exclusive: local.options.exclusive,
            local: Some(local),
            _lock: None,
            simulator_changed: AtomicBool::new(false),
        }
    }

    fn holds_exclusive_lock(&self) -> bool {
        self.exclusive
    }

    /// Whether this run controls the processes (false against `CINEMA_BASE_URL`).
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// For tests that stop, start or reconfigure processes: `true` (after saying so) when this
    /// run is against a shared app, where the test must skip itself.
    pub fn skip_unless_local(&self, needs: &str) -> bool {
        if !self.is_local() {
            eprintln!("skipped against {}: the test needs {needs}", self.base);
        }
        !self.is_local()
    }

    /// The app's Redis: the test's own server, or `CINEMA_REDIS_URL` against a shared app.
    pub fn redis_url(&self) -> Option<String> {
        match &self.local {
            Some(l) => Some(format!("redis://127.0.0.1:{}", l.redis_port)),
            None => std::env::var("CINEMA_REDIS_URL").ok(),
        }
    }

    /// The test's own Redis server (`None` against a shared app, or while stopped).
    pub fn redis(&self) -> Option<&Redis> {
        self.local.as_ref().and_then(|l| l.redis.as_ref())
    }

    /// Rings every doorbell, as the operator's relay does: every consumer wakes and drains.
    /// `None` when this run has no access to the app's Redis.
    pub fn ring(&self) -> Option<()> {
        for bell in DOORBELLS {
            self.redis_cli(&["PUBLISH", bell, "wake"])?;
        }
        Some(())
    }

    /// Runs `redis-cli` against the app's Redis; `None` when this run has no access to it.
    pub fn redis_cli(&self, args: &[&str]) -> Option<String> {
        self.redis_url()
            .map(|url| cinema_testkit::redis_cli(&url, args))
    }

    /// A Spin variable's value as this app runs with it: the test's own setting, else (against a
    /// shared app) `SPIN_VARIABLE_<NAME>` from the environment — the override Spin itself reads —
    /// else the default in `spin.toml`.
    pub fn variable(&self, name: &str) -> String {
        if let Some(local) = &self.local
            && let Some((_, v)) = local
                .options
                .variables
                .iter()
                .rev()
                .find(|(k, _)| k == name)
        {
            return v.clone();
        }
        if self.local.is_none()
            && let Ok(v) = std::env::var(format!("SPIN_VARIABLE_{}", name.to_uppercase()))
        {
            return v;
        }
        manifest_default(name).unwrap_or_else(|| panic!("no variable {name} in spin.toml"))
    }

    // ---- plumbing ----

    pub fn send(&self, rb: RequestBuilder) -> Reply {
        let resp = rb.send().expect("request failed");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(auth(self.client.get(format!("{}{path}", self.base)), token))
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(auth(self.client.post(format!("{}{path}", self.base)), token).json(body))
    }

    pub fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(auth(self.client.put(format!("{}{path}", self.base)), token).json(body))
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(auth(
            self.client.delete(format!("{}{path}", self.base)),
            token,
        ))
    }

    /// A request builder for `path` on the app with an optional bearer token.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> RequestBuilder {
        auth(
            self.client.request(method, format!("{}{path}", self.base)),
            token,
        )
    }

    pub fn raw(&self) -> &Client {
        &self.client
    }
}

impl Drop for TestApp {
    /// A shared app gets its default payment simulator back (still under the exclusive lock).
    fn drop(&mut self) {
        if !self.is_local() && self.simulator_changed.load(Ordering::Relaxed) {
            // No panics here: this may run while a failed test unwinds.
            let reset = || -> Result<(), reqwest::Error> {
                let token: Value = self
                    .client
                    .post(format!("{}/api/auth/dev-token", self.base))
                    .json(&serde_json::json!({ "sub": "admin", "roles": ["admin"] }))
                    .send()?
                    .json()?;
                let token = token["token"].as_str().unwrap_or_default();
                self.client
                    .put(format!("{}/api/admin/payment-simulator", self.base))
                    .bearer_auth(token)
                    .json(&serde_json::json!({ "latency_ms": 0, "failure_rate": 0.0 }))
                    .send()?
                    .error_for_status()?;
                Ok(())
            };
            if let Err(e) = reset() {
                eprintln!("could not reset the payment simulator: {e}");
            }
            // The failures may have opened the payment breaker, which stays open for
            // `payment_breaker_open_s` whatever the simulator says now: book until a booking
            // goes through (the half-open probe closes it) before the exclusive lock goes, so
            // the tests after this one are not refused with 503.
            if !std::thread::panicking() {
                let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let (_, screening) = self.bookable_screening();
                    let probe = self.customer("breaker-probe");
                    eventually(ASYNC, "the payment breaker to close again", || {
                        let r = self.book(&probe, &screening, &["A1"], "tok_visa", None);
                        (r.status == 202).then_some(())
                    });
                }));
                if closed.is_err() {
                    eprintln!("the payment breaker did not close after this test");
                }
            }
        }
    }
}

/// Against a shared app: a lock file per base URL, held shared by ordinary tests and exclusively
/// by tests that change app-wide settings, across threads and test processes.
fn shared_app_lock(base: &str, exclusive: bool) -> std::fs::File {
    let hash = base.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let path = std::env::temp_dir().join(format!("cinema-e2e-{hash:016x}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .expect("open the shared-app lock file");
    if exclusive {
        file.lock().expect("lock the shared app exclusively");
    } else {
        file.lock_shared().expect("lock the shared app");
    }
    file
}

/// A short suffix unique to this test app (process id, clock and a counter).
fn run_suffix() -> String {
    use std::sync::atomic::AtomicU32;
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mix = (u64::from(std::process::id()) << 32)
        ^ u64::from(nanos)
        ^ (u64::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 48);
    format!("{:x}", mix % 0xff_ffff_ffff)
}

fn auth(rb: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(t) => rb.bearer_auth(t),
        None => rb,
    }
}

/// An RFC 3339 UTC time `hours` from now, on a whole minute.
pub fn rfc3339_in_hours(hours: i64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::hours(hours);
    t.format("%Y-%m-%dT%H:%M:00Z").to_string()
}

/// An RFC 3339 UTC time `seconds` from now, on a whole second.
pub fn rfc3339_in_seconds(seconds: i64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::seconds(seconds);
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
