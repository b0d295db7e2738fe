//! `TestApp`: one isolated cinema for a test — its own redis-server on a free port, fresh SQLite
//! and key-value files, devhost running the repository's `spin.toml` on a free port — with one
//! method per API call and `eventually(...)` for asynchronous outcomes.
//!
//! Set `CINEMA_BASE_URL` to run the same tests against an app started elsewhere (e.g. a real
//! `spin up` with `--variable dev_auth=true`); tests that need to stop or reconfigure components
//! are skipped there.

use std::path::PathBuf;
use std::time::Duration;

use cinema_testkit::{DevHost, Redis, workspace_root};
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{Value, json};

pub use cinema_testkit::eventually;

/// The deadline for asynchronous outcomes (events through Redis).
pub const ASYNC: Duration = Duration::from_secs(20);

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
}

#[derive(Default, Clone)]
pub struct Options {
    pub variables: Vec<(String, String)>,
    /// Component ids left out (e.g. `theater-events` to simulate the theater side being down).
    pub without: Vec<String>,
}

pub struct TestApp {
    pub base: String,
    client: Client,
    local: Option<Local>,
}

struct Local {
    dir: tempfile::TempDir,
    redis: Redis,
    host: Option<DevHost>,
    options: Options,
}

fn component_ids() -> Vec<String> {
    let manifest = std::fs::read_to_string(workspace_root().join("spin.toml")).expect("spin.toml");
    manifest
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("[component.")?
                .strip_suffix(']')
                .map(str::to_string)
        })
        .filter(|id| !id.contains('.'))
        .collect()
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
        if let Ok(base) = std::env::var("CINEMA_BASE_URL") {
            return Self {
                base: base.trim_end_matches('/').to_string(),
                client,
                local: None,
            };
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let redis = Redis::start();
        let mut local = Local {
            dir,
            redis,
            host: None,
            options,
        };
        local.launch();
        let base = local.host.as_ref().expect("launched").base_url();
        Self {
            base,
            client,
            local: Some(local),
        }
    }

    /// Whether this run controls the processes (false against `CINEMA_BASE_URL`).
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    pub fn redis(&self) -> Option<&Redis> {
        self.local.as_ref().map(|l| &l.redis)
    }

    /// Stops devhost (like a crash) and starts it again with `without` components left out,
    /// keeping every store and the Redis server.
    pub fn restart(&mut self, without: &[&str]) {
        let local = self.local.as_mut().expect("restart needs a local app");
        local.host = None;
        local.options.without = without.iter().map(|s| s.to_string()).collect();
        local.launch();
        self.base = local.host.as_ref().expect("launched").base_url();
    }

    pub fn devhost_output(&self) -> String {
        self.local
            .as_ref()
            .and_then(|l| l.host.as_ref())
            .map(DevHost::output)
            .unwrap_or_default()
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

    pub fn raw(&self) -> &Client {
        &self.client
    }

    // ---- API ----

    pub fn token(&self, sub: &str, roles: &[&str]) -> String {
        let r = self.post(
            "/api/auth/dev-token",
            None,
            &json!({ "sub": sub, "roles": roles }),
        );
        assert_eq!(r.status, 200, "dev-token: {:?}", r.body);
        r.body["token"].as_str().expect("token").to_string()
    }

    pub fn admin(&self) -> String {
        self.token("admin", &["admin"])
    }

    pub fn customer(&self, sub: &str) -> String {
        self.token(sub, &["customer"])
    }

    pub fn create_hall(&self, admin: &str, rows: u32, seats_per_row: u32) -> String {
        let r = self.post(
            "/api/halls",
            Some(admin),
            &json!({ "name": "Hall", "rows": rows, "seats_per_row": seats_per_row }),
        );
        assert_eq!(r.status, 201, "create hall: {:?}", r.body);
        r.body["hall_id"].as_str().expect("hall_id").to_string()
    }

    /// Registers a movie with one screening `hours_ahead` from now; returns (movie, screening).
    pub fn register_movie(
        &self,
        admin: &str,
        hall_id: &str,
        hours_ahead: i64,
        price: i64,
    ) -> (String, String) {
        let starts_at = rfc3339_in_hours(hours_ahead);
        let r = self.post(
            "/api/movies",
            Some(admin),
            &json!({
                "title": "The Test Movie",
                "runtime_min": 100,
                "screenings": [{ "hall_id": hall_id, "starts_at": starts_at }],
                "price": { "amount": price, "currency": "KRW" },
            }),
        );
        assert_eq!(r.status, 201, "register movie: {:?}", r.body);
        (
            r.body["movie_id"].as_str().expect("movie_id").to_string(),
            r.body["screenings"][0]["screening_id"]
                .as_str()
                .expect("screening_id")
                .to_string(),
        )
    }

    /// A screening the reservation side already knows (it learns screenings from events).
    pub fn bookable_screening(&self) -> (String, String) {
        let admin = self.admin();
        let hall = self.create_hall(&admin, 5, 10);
        let (movie, screening) = self.register_movie(&admin, &hall, 48, 12_000);
        let probe = self.customer("probe");
        eventually(ASYNC, "the reservation side to learn the screening", || {
            let r = self.book(&probe, &screening, &["Z99"], "tok_visa", None);
            (r.error_code() != "unknown_screening").then_some(())
        });
        (movie, screening)
    }

    pub fn book(
        &self,
        token: &str,
        screening: &str,
        seats: &[&str],
        card: &str,
        key: Option<&str>,
    ) -> Reply {
        let mut rb = auth(self.client.post(format!("{}/api/reservations", self.base)), Some(token))
            .json(&json!({ "screening_id": screening, "seats": seats, "payment": { "card_token": card } }));
        if let Some(key) = key {
            rb = rb.header("idempotency-key", key);
        }
        self.send(rb)
    }

    pub fn reservation(&self, token: &str, id: &str) -> Reply {
        self.get(&format!("/api/reservations/{id}"), Some(token))
    }

    /// Waits until the reservation has `status` (and, if given, `payment_status`).
    pub fn wait_status(
        &self,
        token: &str,
        id: &str,
        status: &str,
        payment_status: Option<&str>,
    ) -> Value {
        eventually(
            ASYNC,
            &format!("reservation {id} to become {status} {payment_status:?}"),
            || {
                let r = self.reservation(token, id);
                let ok = r.body["status"] == status
                    && payment_status.is_none_or(|p| r.body["payment_status"] == p);
                ok.then_some(r.body)
            },
        )
    }

    pub fn cancel(&self, token: &str, id: &str) -> Reply {
        self.delete(&format!("/api/reservations/{id}"), Some(token))
    }

    pub fn seat_map(&self, screening: &str) -> Reply {
        self.get(&format!("/api/screenings/{screening}/seats"), None)
    }

    pub fn taken_seats(&self, screening: &str) -> Vec<String> {
        let r = self.seat_map(screening);
        assert_eq!(r.status, 200, "seat map: {:?}", r.body);
        r.body["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .filter(|s| s["status"] == "taken")
            .map(|s| s["label"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    pub fn set_simulator(&self, admin: &str, latency_ms: u64, failure_rate: f64) {
        let r = self.put(
            "/api/admin/payment-simulator",
            Some(admin),
            &json!({ "latency_ms": latency_ms, "failure_rate": failure_rate }),
        );
        assert_eq!(r.status, 200, "simulator: {:?}", r.body);
    }
}

impl Local {
    fn launch(&mut self) {
        let dir = self.dir.path();
        let state = dir.join("state");
        std::fs::create_dir_all(&state).expect("state dir");
        let rc = dir.join("runtime-config.toml");
        std::fs::write(&rc, runtime_config(&state, &self.redis.url())).expect("runtime config");
        let mut args = vec![
            "-f".to_string(),
            workspace_root().join("spin.toml").display().to_string(),
            "--runtime-config-file".into(),
            rc.display().to_string(),
            "--state-dir".into(),
            state.display().to_string(),
            "--variable".into(),
            format!("redis_address={}", self.redis.url()),
            "--variable".into(),
            "dev_auth=true".into(),
        ];
        for (k, v) in &self.options.variables {
            args.push("--variable".into());
            args.push(format!("{k}={v}"));
        }
        if !self.options.without.is_empty() {
            for id in component_ids()
                .into_iter()
                .filter(|id| !self.options.without.contains(id))
            {
                args.push("--component-id".into());
                args.push(id);
            }
        }
        self.host = Some(DevHost::start(dir, &args));
    }
}

fn runtime_config(state: &std::path::Path, redis_url: &str) -> String {
    let mut text = String::new();
    for label in ["reservation", "payment", "theater"] {
        text.push_str(&format!(
            "[sqlite_database.{label}]\ntype = \"spin\"\npath = {:?}\n\n",
            state.join(format!("{label}.db"))
        ));
    }
    text.push_str(&format!(
        "[key_value_store.gateway]\ntype = \"redis\"\nurl = \"{redis_url}/1\"\n\n"
    ));
    for label in ["reservation", "catalog", "mypage", "notification"] {
        text.push_str(&format!(
            "[key_value_store.{label}]\ntype = \"spin\"\npath = {:?}\n\n",
            state.join(format!("{label}-kv.db"))
        ));
    }
    text
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

pub fn state_dir(app: &TestApp) -> Option<PathBuf> {
    app.local.as_ref().map(|l| l.dir.path().join("state"))
}
