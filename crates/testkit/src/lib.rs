//! Test support shared by the devhost conformance suite and the end-to-end suite: real processes
//! only — a `redis-server` on a free port and `devhost up` — killed when dropped.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

/// A fresh random 256-bit secret as 64 hex characters (for `jwt_secret` / `ops_token`): the app
/// has no default credential, and no fixed test secret may be published in the repository.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The workspace root (this crate lives in `crates/testkit`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

/// The Cargo target directory.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// Polls `check` until it returns `Some` or the deadline passes; then panics with `what`.
pub fn eventually<T>(deadline: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A private `redis-server` (no persistence, loopback only) on a free port, killed on drop.
pub struct Redis {
    pub port: u16,
    child: Child,
}

impl Redis {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts a server on a given port (e.g. to restart one on the same address). Waits until
    /// it answers `PING`; panics if it exits first (port taken…) or is not ready in 20 s.
    pub fn start_on(port: u16) -> Self {
        // Nothing is persisted; the directory only keeps a stray file out of the source tree.
        Self::start_in(port, &std::env::temp_dir())
    }

    /// Starts a server on `port` whose working directory (where `SAVE` and `SHUTDOWN SAVE`
    /// write `dump.rdb`, and where start-up loads it from) is `dir`: a server started again in
    /// the same directory after `SHUTDOWN SAVE` has the same data.
    pub fn start_in(port: u16, dir: &Path) -> Self {
        Self::launch(port, dir, &["--save", "", "--appendonly", "no"])
    }

    /// Starts a server on `port` with the append-only file on (`appendfsync everysec`, the
    /// deploy's setting) in `dir`: killed and started again in the same directory, it comes
    /// back with what its AOF holds.
    pub fn start_with_aof(port: u16, dir: &Path) -> Self {
        Self::launch(
            port,
            dir,
            &[
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
            ],
        )
    }

    fn launch(port: u16, dir: &Path, persistence: &[&str]) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(persistence)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install -y redis-server)");
        let mut redis = Self { port, child };
        eventually(
            Duration::from_secs(20),
            &format!("redis-server on port {port} to answer PING"),
            || {
                if let Ok(Some(status)) = redis.child.try_wait() {
                    panic!("redis-server on port {port} exited early: {status}");
                }
                ping(port).then_some(())
            },
        );
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs `redis-cli` against this server and returns its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Kills the server (its data is gone) and returns its port, free again.
    pub fn stop(mut self) -> u16 {
        self.kill();
        self.port
    }

    fn kill(&mut self) {
        if self.child.kill().is_ok() {
            self.child.wait().ok();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `redis-cli -u <url> <args>` (any server, e.g. an app's own Redis given by URL) and
/// returns its stdout; empty when the server is unreachable.
pub fn redis_cli(url: &str, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-u", url])
        .args(args)
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether a Redis server on `port` answers `PING` with `+PONG`.
fn ping(port: u16) -> bool {
    use std::io::Write;
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    s.set_read_timeout(Some(Duration::from_secs(2))).ok();
    if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    s.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

/// The devhost binary: `$DEVHOST_BIN`, else `target/debug/devhost` (built by `cargo test`).
pub fn devhost_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("DEVHOST_BIN") {
        return PathBuf::from(bin);
    }
    let bin = target_dir().join("debug").join("devhost");
    assert!(
        bin.is_file(),
        "{} not found: run `cargo build -p devhost` first",
        bin.display()
    );
    bin
}

/// `devhost wal`: the runtime config's `spin` key-value store files in WAL mode, as `scripts/up`
/// prepares them before the first start. `state_dir` is the app's (where its default store lives):
/// without it devhost would use `.spin` of the current directory, which every test shares.
///
/// # Panics
/// When devhost fails (the message carries its output).
pub fn kv_stores_wal(devhost: &Path, runtime_config: &Path, state_dir: &Path) {
    let out = Command::new(devhost)
        .arg("wal")
        .arg("--runtime-config-file")
        .arg(runtime_config)
        .arg("--state-dir")
        .arg(state_dir)
        .output()
        .expect("run devhost wal");
    assert!(
        out.status.success(),
        "devhost wal failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running `devhost up`, killed on drop. Its output goes to `<dir>/devhost.log`.
pub struct DevHost {
    pub port: u16,
    child: Child,
    log: PathBuf,
}

impl DevHost {
    /// Starts devhost with `args` (after `up`) in `cwd`, listening on a free port, and waits for
    /// the health check.
    pub fn start(cwd: &Path, args: &[String]) -> Self {
        let mut host = Self::spawn(cwd, args);
        let port = host.port;
        host.wait_until("its health check", || health(port));
        host
    }

    /// Starts devhost like [`DevHost::start`] and waits until `ready` holds instead of the health
    /// check: a devhost running only Redis-triggered components serves no HTTP at all.
    pub fn start_until(
        cwd: &Path,
        args: &[String],
        what: &str,
        ready: impl FnMut() -> bool,
    ) -> Self {
        let mut host = Self::spawn(cwd, args);
        host.wait_until(what, ready);
        host
    }

    fn spawn(cwd: &Path, args: &[String]) -> Self {
        let port = free_port();
        let log = cwd.join(format!("devhost-{port}.log"));
        let out = std::fs::File::create(&log).expect("create devhost log");
        let err = out.try_clone().expect("clone log handle");
        let child = Command::new(devhost_bin())
            .arg("up")
            .args(args)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--quiet"])
            .current_dir(cwd)
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn devhost");
        Self { port, child, log }
    }

    /// Polls `ready` for up to 120 s (loading compiles components on a cold cache); panics with
    /// devhost's output if the process exits first or time runs out.
    fn wait_until(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let end = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "devhost exited ({status}) while waiting for {what}:\n{}",
                    self.output()
                );
            }
            if ready() {
                return;
            }
            assert!(
                Instant::now() < end,
                "devhost: still waiting for {what} after 120 s:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything devhost printed so far.
    pub fn output(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            f.read_to_string(&mut text).ok();
        }
        text
    }

    /// Stops the process (as a crash would: SIGKILL).
    pub fn kill(&mut self) {
        if self.child.kill().is_ok() {
            self.child.wait().ok();
        }
    }
}

impl Drop for DevHost {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("---- devhost output ----\n{}", self.output());
        }
    }
}

fn health(port: u16) -> bool {
    use std::io::Write;
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    s.set_read_timeout(Some(Duration::from_secs(2))).ok();
    if s.write_all(
        b"GET /.well-known/spin/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .is_err()
    {
        return false;
    }
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok();
    buf.starts_with("HTTP/1.1 200")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_redis_answers_ping_and_its_port_is_free_after_stop() {
        let redis = Redis::start();
        assert!(ping(redis.port));
        let port = redis.stop();
        assert!(!ping(port));
        let again = Redis::start_on(port);
        assert!(ping(again.port));
    }

    #[test]
    fn a_redis_that_cannot_bind_its_port_fails_fast() {
        let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = taken.local_addr().expect("addr").port();
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| Redis::start_on(port));
        let message = outcome
            .err()
            .and_then(|e| e.downcast_ref::<String>().cloned())
            .expect("start_on panics");
        assert!(message.contains("exited early"), "{message}");
        assert!(started.elapsed() < Duration::from_secs(15));
    }
}
