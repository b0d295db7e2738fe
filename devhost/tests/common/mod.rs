//! Shared harness for the black-box conformance tests of `devhost up`.
//!
//! * [`Redis`] — a throwaway `redis-server` on a free port (killed on drop), [`free_port`] and
//!   [`eventually`] come from `cinema-testkit` (shared with the end-to-end suite); [`RedisExt`]
//!   adds client calls through the `redis` crate.
//! * [`Launch`] / [`Host`] — writes a `spin.toml` (and optional runtime config) into a fresh
//!   temp dir, runs `devhost up` there (cwd = that dir, `--state-dir <dir>/.spin`,
//!   `--listen 127.0.0.1:<free port>`), waits for `/.well-known/spin/health`, kills on drop.
//! * [`wasm`] — locates the fixture components in `target/wasm32-wasip2/release/`.
//! * [`python_fixture`] — builds a componentize-py fixture from `devhost/fixtures/python/` through
//!   `scripts/python-env` (cached under `target/devhost-fixtures/python/`).
//! * [`store_grants_manifest`] — the manifest the key-value and SQLite suites share; [`kv`] —
//!   the key-value behaviour every store type shares.
//!
//! The fixtures must be built first:
//! `cargo build --target wasm32-wasip2 --release -p fixture-conformance -p fixture-hello \
//!  -p guestbook-web -p guestbook-store -p guestbook-audit`

#![allow(dead_code)] // every test binary uses a different subset of the harness

pub mod kv;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use cinema_testkit::target_dir;
pub use cinema_testkit::{Redis, eventually, free_port};
use serde_json::Value;

/// How long `devhost up` may take to answer the health check.
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

pub const FIXTURE_BUILD_COMMAND: &str = "cargo build --target wasm32-wasip2 --release \
     -p fixture-conformance -p fixture-hello -p guestbook-web -p guestbook-store -p guestbook-audit";

/// Path of a fixture component, by crate name (`fixture-conformance`) or file stem.
pub fn wasm(name: &str) -> PathBuf {
    let file = format!("{}.wasm", name.replace('-', "_"));
    let path = target_dir()
        .join("wasm32-wasip2")
        .join("release")
        .join(&file);
    assert!(
        path.is_file(),
        "fixture component {} not found; build fixtures first: {FIXTURE_BUILD_COMMAND}",
        path.display()
    );
    path
}

/// A TOML basic string literal (with quotes) for a path, for use inside manifests.
pub fn toml_path(path: &Path) -> String {
    toml_str(&path.display().to_string())
}

pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `source = "<abs path of fixture-conformance>"` value, ready to paste into a manifest.
pub fn probe_source() -> String {
    toml_path(&wasm("fixture-conformance"))
}

/// The manifest of the key-value and SQLite suites: three probe components that differ only in
/// their grants of one kind of store (`grant`: `key_value_stores` or `sqlite_databases`).
/// Component `full` may open `default` and `second`, `limited` only `default`, `none` nothing;
/// each is routed at `/<id>/...`.
pub fn store_grants_manifest(app: &str, grant: &str, full: &str, second: &str) -> String {
    let src = probe_source();
    format!(
        r#"
spin_manifest_version = 2

[application]
name = "{app}"

[[trigger.http]]
route = "/{full}/..."
component = "{full}"

[[trigger.http]]
route = "/limited/..."
component = "limited"

[[trigger.http]]
route = "/none/..."
component = "none"

[component.{full}]
source = {src}
{grant} = ["default", "{second}"]

[component.limited]
source = {src}
{grant} = ["default"]

[component.none]
source = {src}
"#
    )
}

// -------------------------------------------------------------------------------------------------
// Redis

/// Client calls on the test server through the `redis` crate (binary-safe, typed replies).
pub trait RedisExt {
    fn conn(&self) -> redis::Connection;

    /// `LRANGE key 0 -1` as UTF-8 strings.
    fn list(&self, key: &str) -> Vec<String> {
        redis::cmd("LRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .query(&mut self.conn())
            .expect("LRANGE")
    }

    /// `PUBLISH`; returns the number of subscribers that received the message.
    fn publish(&self, channel: &str, message: &str) -> i64 {
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(message)
            .query(&mut self.conn())
            .expect("PUBLISH")
    }

    /// Number of subscribers of `channel` (`PUBSUB NUMSUB`).
    fn subscribers(&self, channel: &str) -> i64 {
        let reply: Vec<redis::Value> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query(&mut self.conn())
            .expect("PUBSUB NUMSUB");
        match reply.get(1) {
            Some(redis::Value::Int(n)) => *n,
            other => panic!("unexpected PUBSUB NUMSUB reply {other:?}"),
        }
    }

    /// Waits until at least `n` clients are subscribed to `channel`.
    fn wait_for_subscribers(&self, channel: &str, n: i64, deadline: Duration) {
        eventually(
            deadline,
            &format!("{n} subscriber(s) of redis channel {channel:?}"),
            || (self.subscribers(channel) >= n).then_some(()),
        );
    }
}

impl RedisExt for Redis {
    fn conn(&self) -> redis::Connection {
        let client = redis::Client::open(self.url()).expect("redis url");
        let con = client
            .get_connection_with_timeout(Duration::from_secs(2))
            .expect("connect to test redis");
        con.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set read timeout");
        con
    }
}

// -------------------------------------------------------------------------------------------------
// devhost launcher

enum ManifestSource {
    /// Manifest text, written to `<tmp>/<rel path>`.
    Text { rel_path: PathBuf, text: String },
    /// An existing manifest file, used in place (e.g. the guestbook fixture).
    File(PathBuf),
}

/// Describes one `devhost up` run. Build it, then [`Launch::start`] or
/// [`Launch::expect_failure`].
pub struct Launch {
    manifest: ManifestSource,
    runtime_config: Option<ManifestSource>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    files: Vec<(PathBuf, Vec<u8>)>,
    listen: Option<String>,
    state_dir: bool,
    dir: Option<tempfile::TempDir>,
}

impl Launch {
    /// A run of the given `spin.toml` text (written to `<tmp>/spin.toml`).
    pub fn new(manifest: impl Into<String>) -> Self {
        Launch {
            manifest: ManifestSource::Text {
                rel_path: PathBuf::from("spin.toml"),
                text: manifest.into(),
            },
            runtime_config: None,
            args: Vec::new(),
            envs: Vec::new(),
            files: Vec::new(),
            listen: None,
            state_dir: true,
            dir: None,
        }
    }

    /// A run of an existing manifest file (its relative paths resolve against its own folder).
    pub fn manifest_file(path: impl Into<PathBuf>) -> Self {
        let mut launch = Launch::new(String::new());
        launch.manifest = ManifestSource::File(path.into());
        launch
    }

    /// Writes the manifest to `<tmp>/<rel_path>` instead of `<tmp>/spin.toml`.
    pub fn manifest_at(mut self, rel_path: impl Into<PathBuf>) -> Self {
        if let ManifestSource::Text { rel_path: p, .. } = &mut self.manifest {
            *p = rel_path.into();
        }
        self
    }

    /// Runtime config text, written to `<tmp>/runtime-config.toml` and passed with
    /// `--runtime-config-file`.
    pub fn runtime_config(mut self, text: impl Into<String>) -> Self {
        self.runtime_config = Some(ManifestSource::Text {
            rel_path: PathBuf::from("runtime-config.toml"),
            text: text.into(),
        });
        self
    }

    /// An existing runtime config file passed with `--runtime-config-file`.
    pub fn runtime_config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.runtime_config = Some(ManifestSource::File(path.into()));
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// `--variable name=value`
    pub fn variable(self, name: &str, value: &str) -> Self {
        self.arg("--variable").arg(format!("{name}={value}"))
    }

    /// `--component-id id`
    pub fn component_id(self, id: &str) -> Self {
        self.arg("--component-id").arg(id)
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Writes an extra file into the temp dir before starting.
    pub fn file(mut self, rel_path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((rel_path.into(), contents.into()));
        self
    }

    /// Overrides `--listen` (default: `127.0.0.1:<free port>`).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = Some(addr.into());
        self
    }

    /// Don't pass `--state-dir` (devhost must default to `<manifest dir>/.spin`).
    pub fn without_state_dir(mut self) -> Self {
        self.state_dir = false;
        self
    }

    /// Runs in an existing directory (e.g. to reuse a state dir) instead of a fresh temp dir.
    pub fn in_dir(mut self, dir: tempfile::TempDir) -> Self {
        self.dir = Some(dir);
        self
    }

    fn prepare(&mut self) -> (tempfile::TempDir, Vec<String>) {
        let dir = self
            .dir
            .take()
            .unwrap_or_else(|| tempfile::tempdir().expect("tempdir"));
        let write = |rel: &Path, contents: &[u8]| -> PathBuf {
            let path = dir.path().join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).expect("create dirs");
            }
            fs::write(&path, contents).expect("write file");
            path
        };
        for (rel, contents) in &self.files {
            write(rel, contents);
        }
        let manifest = match &self.manifest {
            ManifestSource::Text { rel_path, text } => write(rel_path, text.as_bytes()),
            ManifestSource::File(path) => path.clone(),
        };
        let mut args = vec!["up".to_owned(), "-f".to_owned(), path_arg(&manifest)];
        match &self.runtime_config {
            Some(ManifestSource::Text { rel_path, text }) => {
                let path = write(rel_path, text.as_bytes());
                args.extend(["--runtime-config-file".to_owned(), path_arg(&path)]);
            }
            Some(ManifestSource::File(path)) => {
                args.extend(["--runtime-config-file".to_owned(), path_arg(path)]);
            }
            None => {}
        }
        if self.state_dir {
            args.extend([
                "--state-dir".to_owned(),
                path_arg(&dir.path().join(".spin")),
            ]);
        }
        args.extend(self.args.iter().cloned());
        (dir, args)
    }

    fn spawn(&self, dir: &Path, args: &[String], listen: &str, log_name: &str) -> Child {
        let stdout = fs::File::create(dir.join(format!("{log_name}.stdout.log"))).expect("log");
        let stderr = fs::File::create(dir.join(format!("{log_name}.stderr.log"))).expect("log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_devhost"));
        cmd.args(args)
            .args(["--listen", listen])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd.spawn().expect("spawn devhost")
    }

    /// Starts devhost and waits until `/.well-known/spin/health` answers `200 OK`.
    /// Panics (with devhost's stderr) if it exits or doesn't become healthy in time.
    pub fn start(mut self) -> Host {
        let (dir, args) = self.prepare();
        let mut host = Host {
            launch: self,
            dir: Some(dir),
            args,
            child: None,
            port: 0,
            client: http_client(),
            runs: 0,
        };
        host.boot();
        host
    }

    /// Runs devhost expecting it to fail at startup. Returns its exit status and stderr.
    /// Panics if it is still running (i.e. started) after the startup deadline.
    pub fn expect_failure(mut self) -> (ExitStatus, String) {
        let (dir, args) = self.prepare();
        let listen = self
            .listen
            .clone()
            .unwrap_or_else(|| format!("127.0.0.1:{}", free_port()));
        let mut child = self.spawn(dir.path(), &args, &listen, "devhost");
        let client = http_client();
        let health = format!("http://{listen}/.well-known/spin/health");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait devhost") {
                break status;
            }
            let healthy = client
                .get(&health)
                .timeout(Duration::from_secs(2))
                .send()
                .is_ok_and(|r| r.status().as_u16() == 200);
            if healthy || start.elapsed() > STARTUP_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "devhost {args:?} started (healthy: {healthy}) but was expected to fail\n\
                     --- stderr ---\n{}",
                    read_lossy(&dir.path().join("devhost.stderr.log"))
                );
            }
            thread::sleep(Duration::from_millis(50));
        };
        let stderr = read_lossy(&dir.path().join("devhost.stderr.log"));
        assert!(
            !status.success(),
            "devhost {args:?} was expected to fail but exited with {status}\n--- stderr ---\n{stderr}"
        );
        (status, stderr)
    }
}

fn path_arg(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_owned()
}

fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn http_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// Starts devhost on the given manifest text with default options.
pub fn start(manifest: impl Into<String>) -> Host {
    Launch::new(manifest).start()
}

/// Runs devhost on the given manifest (+ optional runtime config, extra args) expecting a
/// startup failure; returns (exit status, stderr).
pub fn spawn_expect_failure(
    manifest: &str,
    runtime_config: Option<&str>,
    args: &[&str],
) -> (ExitStatus, String) {
    let mut launch = Launch::new(manifest);
    if let Some(rc) = runtime_config {
        launch = launch.runtime_config(rc);
    }
    for a in args {
        launch = launch.arg(*a);
    }
    launch.expect_failure()
}

/// A running `devhost up`. Killed on drop; if the test is panicking, its logs are printed.
pub struct Host {
    launch: Launch,
    dir: Option<tempfile::TempDir>,
    args: Vec<String>,
    child: Option<Child>,
    pub port: u16,
    client: reqwest::blocking::Client,
    runs: usize,
}

impl Host {
    fn boot(&mut self) {
        self.runs += 1;
        let listen = match &self.launch.listen {
            Some(l) => l.clone(),
            None => format!("127.0.0.1:{}", free_port()),
        };
        self.port = listen
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .expect("listen address has a port");
        let log_name = format!("devhost{}", self.runs);
        let child = self
            .launch
            .spawn(self.dir(), &self.args, &listen, &log_name);
        self.child = Some(child);

        let start = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().expect("try_wait") {
                panic!(
                    "devhost exited during startup with {status}\nargs: {:?}\n--- stderr ---\n{}\n--- stdout ---\n{}",
                    self.args,
                    self.stderr(),
                    self.stdout()
                );
            }
            if let Ok(resp) = self
                .client
                .get(self.url("/.well-known/spin/health"))
                .timeout(Duration::from_secs(2))
                .send()
                && resp.status().as_u16() == 200
                && resp.text().ok().as_deref() == Some("OK")
            {
                return;
            }
            if start.elapsed() > STARTUP_DEADLINE {
                let stderr = self.stderr();
                self.kill();
                panic!(
                    "devhost was not healthy within {STARTUP_DEADLINE:?}\nargs: {:?}\n--- stderr ---\n{stderr}",
                    self.args
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops devhost and starts it again with the same arguments and directory (and so the
    /// same state dir), on a new port.
    pub fn restart(&mut self) {
        self.kill();
        self.boot();
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops devhost and hands back its directory (e.g. to inspect or reuse the state dir).
    pub fn stop(mut self) -> tempfile::TempDir {
        self.kill();
        self.dir.take().expect("host dir")
    }

    /// The temp dir devhost runs in (manifest, runtime config, `.spin` state dir).
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("host dir").path()
    }

    /// `<dir>/.spin`
    pub fn state_dir(&self) -> PathBuf {
        self.dir().join(".spin")
    }

    pub fn stderr(&self) -> String {
        read_lossy(&self.dir().join(format!("devhost{}.stderr.log", self.runs)))
    }

    pub fn stdout(&self) -> String {
        read_lossy(&self.dir().join(format!("devhost{}.stdout.log", self.runs)))
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Resp {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method.clone(), self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let resp = req.send().unwrap_or_else(|e| {
            panic!(
                "{method} {path} failed: {e}\n--- devhost stderr ---\n{}",
                self.stderr()
            )
        });
        Resp::from(resp)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], None)
    }

    pub fn post(&self, path: &str, body: impl Into<Vec<u8>>) -> Resp {
        self.request("POST", path, &[], Some(body.into()))
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.request(
            "POST",
            path,
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
    }

    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) -> Resp {
        self.request("PUT", path, &[], Some(body.into()))
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, &[], None)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.kill();
        if thread::panicking() && self.dir.is_some() {
            eprintln!(
                "--- devhost stderr (run {}) ---\n{}\n--- devhost stdout ---\n{}",
                self.runs,
                tail(&self.stderr(), 200),
                tail(&self.stdout(), 50)
            );
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A buffered HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl From<reqwest::blocking::Response> for Resp {
    fn from(resp: reqwest::blocking::Response) -> Self {
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp.bytes().expect("read body").to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response ({}) is not JSON: {e}\nbody: {}",
                self.status,
                self.text()
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Asserts the status and returns `self` for chaining.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts a 500 whose JSON `error` mentions `needle`; returns the error text.
    #[track_caller]
    pub fn expect_error(self, needle: &str) -> String {
        assert_eq!(self.status, 500, "expected a 500; body: {}", self.text());
        let error = self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no `error` string in {}", self.text()))
            .to_owned();
        assert!(
            error.contains(needle),
            "error {error:?} does not mention {needle:?}"
        );
        error
    }
}

// -------------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 upstream for outbound tests

/// Starts a background HTTP server on a free port. Every request is answered
/// `200 application/json` with `{"method", "path", "headers": {...}, "body"}` and the response
/// header `x-upstream: yes`. Returns the port. The server lives until the test process exits.
pub fn start_upstream() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let _ = serve_upstream(stream);
            });
        }
    });
    port
}

fn serve_upstream(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let mut body = Vec::new();
    if let Some(len) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let payload = serde_json::json!({
        "method": method,
        "path": path,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    })
    .to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-upstream: yes\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    stream.flush()
}

// -------------------------------------------------------------------------------------------------
// Python fixtures (componentize-py)

/// Builds (once per source) the Python fixture `devhost/fixtures/python/<name>/` into a component
/// of world `spin-all` with the pinned componentize-py and spin-sdk of `scripts/python-env`, and
/// returns its path. The result is cached as
/// `target/devhost-fixtures/python/<name>-<hash of the sources and the pinned requirements>.wasm`,
/// so a rerun with unchanged sources does not rebuild (a build takes ~10 s).
pub fn python_fixture(name: &str) -> PathBuf {
    use sha2::Digest;
    static BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = BUILD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);

    let root = cinema_testkit::workspace_root();
    let script = root.join("scripts").join("python-env");
    assert!(
        script.is_file(),
        "{} is missing: it creates target/pyenv (componentize-py, spin-sdk)",
        script.display()
    );
    let status = Command::new("bash")
        .arg(&script)
        .current_dir(&root)
        .status()
        .expect("run scripts/python-env");
    assert!(status.success(), "scripts/python-env failed: {status}");
    let venv = String::from_utf8(
        Command::new("bash")
            .arg(&script)
            .arg("--path")
            .current_dir(&root)
            .output()
            .expect("scripts/python-env --path")
            .stdout,
    )
    .expect("UTF-8 venv path");
    let venv = PathBuf::from(venv.trim());

    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("python")
        .join(name);
    let mut sources: Vec<PathBuf> = fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("python fixture {}: {e}", src.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    sources.sort();
    let mut hash = sha2::Sha256::new();
    // What python-env installed (a copy of the pinned requirements).
    hash.update(fs::read(venv.join(".requirements")).unwrap_or_default());
    for file in &sources {
        hash.update(file.file_name().expect("name").as_encoded_bytes());
        hash.update(fs::read(file).expect("read fixture source"));
    }
    let digest: String = hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let out_dir = target_dir().join("devhost-fixtures").join("python");
    let wasm = out_dir.join(format!("{name}-{digest}.wasm"));
    if wasm.is_file() {
        return wasm;
    }
    // Built from a copy, so the source tree gets no __pycache__.
    let work = out_dir.join(format!("{name}-{digest}.build"));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).expect("create build dir");
    for file in &sources {
        fs::copy(file, work.join(file.file_name().expect("name"))).expect("copy fixture source");
    }
    let partial = work.join("app.wasm");
    let output = Command::new("bash")
        .arg("-c")
        .arg(r#". "$1/bin/activate" && componentize-py -w spin-all componentize app -o "$2""#)
        .arg("build")
        .arg(&venv)
        .arg(&partial)
        .current_dir(&work)
        .output()
        .expect("run componentize-py");
    assert!(
        output.status.success() && partial.is_file(),
        "componentize-py failed for python fixture {name} ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    fs::rename(&partial, &wasm).expect("move built fixture into place");
    let _ = fs::remove_dir_all(&work);
    wasm
}
