//! The processes of a local test app — its Redis, devhost and extra devhost workers — and
//! how they are started, stopped and configured from the repository's spin.toml.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use cinema_testkit::{DevHost, Redis, workspace_root};

use crate::{CONSUMERS, DOORBELLS, Options, SAGA_CONTEXTS, TestApp, eventually};

/// The processes of a local app. Fields drop in order: devhosts, then Redis, then the files.
pub(crate) struct Local {
    pub(crate) workers: Vec<DevHost>,
    /// The doorbell subscriptions of the workers ([`bells`] of each one's components).
    pub(crate) worker_bells: usize,
    /// The components the workers run.
    pub(crate) worker_components: Vec<String>,
    pub(crate) host: Option<DevHost>,
    pub(crate) redis: Option<Redis>,
    pub(crate) redis_port: u16,
    pub(crate) options: Options,
    pub(crate) dir: tempfile::TempDir,
    /// This app's `jwt_secret` (there is no default): one per app, so tokens outlive restarts
    /// and workers accept them.
    pub(crate) jwt_secret: String,
    /// This app's `ticket_secret` (no default either), likewise kept across restarts.
    pub(crate) ticket_secret: String,
}

impl TestApp {
    /// Stops devhost (like a crash) and starts it again with `without` components left out,
    /// keeping every store and the Redis server.
    /// Returns once the new process's Redis trigger has subscribed (its HTTP side answers
    /// earlier; an event relayed before the subscription would ring no one).
    pub fn restart(&mut self, without: &[&str]) {
        let local = self.local.as_mut().expect("restart needs a local app");
        let url = format!("redis://127.0.0.1:{}", local.redis_port);
        local.host = None;
        let workers = local.worker_bells;
        // The stopped process's subscription is gone once Redis has seen its connection close.
        eventually(
            Duration::from_secs(30),
            "the stopped devhost's doorbell subscription to go",
            || (doorbell_subscribers(&url) <= workers).then_some(()),
        );
        local.options.without = without.iter().map(|s| s.to_string()).collect();
        local.launch();
        let expected = local.main_bells() + workers;
        eventually(
            Duration::from_secs(30),
            "the restarted devhost to subscribe to the doorbell",
            || (doorbell_subscribers(&url) >= expected).then_some(()),
        );
        self.base = local.host.as_ref().expect("launched").base_url();
    }

    /// Starts a second devhost process running only `components` (Redis-triggered ones: a
    /// devhost without HTTP components serves nothing) on the same state dir and Redis, and
    /// waits until it has subscribed to the doorbell. Replicas of running consumers, or a
    /// consumer that was left out, starting late.
    pub fn start_worker(&mut self, components: &[&str]) {
        let url = self.redis_url().expect("a worker needs a local app");
        let local = self.local.as_mut().expect("a worker needs a local app");
        let subscribers = || doorbell_subscribers(&url);
        let before = subscribers();
        let args = local.args(components.iter().map(|c| c.to_string()).collect());
        let worker = DevHost::start_until(
            local.dir.path(),
            &args,
            "its Redis trigger to subscribe",
            || subscribers() >= before + bells(components.iter().copied()),
        );
        local.workers.push(worker);
        local.worker_bells += bells(components.iter().copied());
        local
            .worker_components
            .extend(components.iter().map(|c| c.to_string()));
    }

    /// Stops the app's Redis server the orderly way: it saves its data first, and
    /// [`TestApp::start_redis`] loads it again, as a restart of a Redis with persistence.
    pub fn stop_redis(&mut self) {
        self.shut_down_redis();
    }

    /// [`TestApp::stop_redis`] from any thread (e.g. while other threads are booking).
    pub fn shut_down_redis(&self) {
        let redis = self.redis().expect("a local app with Redis running");
        redis.cli(&["SHUTDOWN", "SAVE"]);
        eventually(Duration::from_secs(10), "Redis to stop", || {
            (redis.cli(&["PING"]).trim() != "PONG").then_some(())
        });
    }

    /// Kills the app's Redis server (`SIGKILL`, no chance to save) and keeps its files: with
    /// [`Options::redis_aof`], [`TestApp::start_redis`] then restarts it on its AOF.
    pub fn kill_redis(&mut self) {
        let local = self
            .local
            .as_mut()
            .expect("killing Redis needs a local app");
        local.redis.take().expect("Redis is running").stop();
    }

    /// Kills the app's Redis server without saving and throws away what it saved before: it
    /// comes back empty, as after a crash of a Redis without persistence.
    pub fn crash_redis(&mut self) {
        let local = self
            .local
            .as_mut()
            .expect("crashing Redis needs a local app");
        let redis = local.redis.take().expect("Redis is running");
        redis.stop();
        let dump = local.redis_dir().join("dump.rdb");
        if dump.exists() {
            std::fs::remove_file(dump).expect("remove dump.rdb");
        }
    }

    /// Starts the Redis server again on the same port with the data it saved when stopped, and
    /// waits until devhost's Redis trigger has resubscribed (it reconnects with back-off), so
    /// the next doorbell is heard.
    pub fn start_redis(&mut self) {
        let local = self
            .local
            .as_mut()
            .expect("starting Redis needs a local app");
        if let Some(old) = local.redis.take() {
            assert!(
                old.cli(&["PING"]).trim() != "PONG",
                "Redis is already running"
            );
            old.stop();
        }
        let redis = if local.options.redis_aof {
            Redis::start_with_aof(local.redis_port, &local.redis_dir())
        } else {
            Redis::start_in(local.redis_port, &local.redis_dir())
        };
        // One subscription per doorbell per devhost process that runs its consumers.
        let expected = local.main_bells() + local.worker_bells;
        let url = redis.url();
        eventually(
            Duration::from_secs(30),
            "devhost to resubscribe to the doorbell",
            || (doorbell_subscribers(&url) >= expected).then_some(()),
        );
        local.redis = Some(redis);
    }

    /// The running devhost's console output (empty against a shared app).
    pub fn devhost_output(&self) -> String {
        self.local
            .as_ref()
            .and_then(|l| l.host.as_ref())
            .map(DevHost::output)
            .unwrap_or_default()
    }

    /// The consumer groups that are (or will be) draining: every context whose `-events`
    /// component runs in some process.
    pub(crate) fn running_consumers(&self) -> Vec<&'static str> {
        match &self.local {
            None => CONSUMERS.to_vec(),
            Some(l) => CONSUMERS
                .into_iter()
                .filter(|c| {
                    let id = format!("{c}-events");
                    !l.options.without.contains(&id) || l.worker_components.contains(&id)
                })
                .collect(),
        }
    }
}

/// How many connections are subscribed to the doorbells (`PUBSUB NUMSUB`, summed): one per
/// doorbell per devhost process that runs a consumer on it ([`bells`]).
fn doorbell_subscribers(redis_url: &str) -> usize {
    let mut args = vec!["PUBSUB", "NUMSUB"];
    args.extend(DOORBELLS);
    cinema_testkit::redis_cli(redis_url, &args)
        .lines()
        .skip(1)
        .step_by(2)
        .filter_map(|n| n.trim().parse::<usize>().ok())
        .sum()
}

/// How many doorbells a devhost running `components` subscribes to: the saga's when it runs a
/// saga context's consumer, the read models' when it runs another's.
pub(crate) fn bells<'a>(components: impl IntoIterator<Item = &'a str>) -> usize {
    let (mut saga, mut views) = (false, false);
    for id in components {
        match id.strip_suffix("-events") {
            Some(c) if SAGA_CONTEXTS.contains(&c) => saga = true,
            Some(_) => views = true,
            None => {}
        }
    }
    usize::from(saga) + usize::from(views)
}

impl Local {
    /// How many doorbells the main devhost process subscribes to ([`bells`]).
    fn main_bells(&self) -> usize {
        bells(
            component_ids()
                .iter()
                .filter(|id| !self.options.without.contains(id))
                .map(String::as_str),
        )
    }

    /// Where the test's Redis keeps `dump.rdb` across a stop and start.
    fn redis_dir(&self) -> PathBuf {
        self.dir.path().join("redis")
    }

    pub(crate) fn launch(&mut self) {
        let selection = if self.options.without.is_empty() {
            Vec::new()
        } else {
            component_ids()
                .into_iter()
                .filter(|id| !self.options.without.contains(id))
                .collect()
        };
        let args = self.args(selection);
        self.host = Some(DevHost::start(self.dir.path(), &args));
    }

    /// `devhost up` arguments for this app; an empty `components` runs all of them.
    fn args(&self, components: Vec<String>) -> Vec<String> {
        let dir = self.dir.path();
        let state = dir.join("state");
        std::fs::create_dir_all(&state).expect("state dir");
        let redis_url = format!("redis://127.0.0.1:{}", self.redis_port);
        let rc = dir.join("runtime-config.toml");
        std::fs::write(
            &rc,
            runtime_config(&state, &redis_url, self.options.kv_on_redis),
        )
        .expect("runtime config");
        cinema_testkit::kv_stores_wal(&cinema_testkit::devhost_bin(), &rc, &state);
        let mut args = vec![
            "-f".to_string(),
            workspace_root().join("spin.toml").display().to_string(),
            "--runtime-config-file".into(),
            rc.display().to_string(),
            "--state-dir".into(),
            state.display().to_string(),
            "--variable".into(),
            format!("redis_address={redis_url}"),
            "--variable".into(),
            "dev_auth=true".into(),
        ];
        if !self
            .options
            .variables
            .iter()
            .any(|(k, _)| k == "jwt_secret")
        {
            args.push("--variable".into());
            args.push(format!("jwt_secret={}", self.jwt_secret));
        }
        if !self
            .options
            .variables
            .iter()
            .any(|(k, _)| k == "ticket_secret")
        {
            args.push("--variable".into());
            args.push(format!("ticket_secret={}", self.ticket_secret));
        }
        for (k, v) in &self.options.variables {
            args.push("--variable".into());
            args.push(format!("{k}={v}"));
        }
        for id in components {
            args.push("--component-id".into());
            args.push(id);
        }
        args
    }
}

pub(crate) fn manifest() -> String {
    std::fs::read_to_string(workspace_root().join("spin.toml")).expect("spin.toml")
}

pub(crate) fn component_ids() -> Vec<String> {
    manifest()
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

/// The `default` of an application variable in `spin.toml` (`name = { default = "…" }`).
pub(crate) fn manifest_default(name: &str) -> Option<String> {
    manifest().lines().find_map(|l| {
        let (key, rest) = l.split_once('=')?;
        if key.trim() != name {
            return None;
        }
        let after = rest.split_once("default")?.1;
        let value = after.split_once('"')?.1.split_once('"')?.0;
        Some(value.to_string())
    })
}

/// Builds the wasm components (`scripts/build-wasm`, what `spin build` does, with the same
/// package selection as every other build here, so nothing is rebuilt for other feature sets)
/// and devhost, once per test process. Both are no-ops when fresh.
pub(crate) fn build_once() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        if std::env::var_os("CINEMA_E2E_NO_BUILD").is_some() {
            return;
        }
        run(
            std::process::Command::new("bash").arg(workspace_root().join("scripts/build-wasm")),
            "scripts/build-wasm",
        );
        if std::env::var_os("DEVHOST_BIN").is_none() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            run(
                std::process::Command::new(cargo).args(["build", "-p", "devhost"]),
                "cargo build -p devhost",
            );
        }
    });
}

fn run(command: &mut std::process::Command, what: &str) {
    let out = command
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "`{what}` failed (set CINEMA_E2E_NO_BUILD=1 to use what is built):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn runtime_config(state: &Path, redis_url: &str, kv_on_redis: bool) -> String {
    let mut text = String::new();
    for label in ["reservation", "payment", "theater"] {
        text.push_str(&format!(
            "[sqlite_database.{label}]\ntype = \"spin\"\npath = {:?}\n\n",
            state.join(format!("{label}.db"))
        ));
    }
    // Redis-backed stores keep keys as they are: one database number per label.
    for (db, label) in [
        "reservation",
        "catalog",
        "mypage",
        "notification",
        "reports",
    ]
    .into_iter()
    .enumerate()
    {
        if kv_on_redis {
            text.push_str(&format!(
                "[key_value_store.{label}]\ntype = \"redis\"\nurl = \"{redis_url}/{}\"\n\n",
                db + 2
            ));
        } else {
            text.push_str(&format!(
                "[key_value_store.{label}]\ntype = \"spin\"\npath = {:?}\n\n",
                state.join(format!("{label}-kv.db"))
            ));
        }
    }
    text
}

pub fn state_dir(app: &TestApp) -> Option<PathBuf> {
    app.local.as_ref().map(|l| l.dir.path().join("state"))
}
