//! Local apps for a run, started the way the end-to-end harness (`tests/src/local.rs`) and
//! `scripts/e2e-spin` do: a private redis-server on a free port, fresh SQLite and key-value files in
//! a temp dir, and the host — devhost or a real `spin up` — running the repository's `spin.toml`,
//! the floor app (`bench/floor/spin.toml`) or a one-component hello-world manifest on a free port.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cinema_testkit::{Redis, free_port, workspace_root};

use crate::run::HostKind;

/// A host that runs Spin apps on this machine: devhost or the Spin CLI (`spin up`); both take the
/// same `up` options for what the bench uses.
#[derive(Clone, Debug)]
pub struct Platform {
    pub kind: HostKind,
    pub bin: PathBuf,
    /// `taskset -c` CPU list for the host's processes and its Redis (`None`: not pinned).
    pub cpus: Option<String>,
    /// devhost, for `devhost wal` (key-value store files in WAL mode before the first start, as
    /// `scripts/up` and `scripts/e2e-spin` prepare them for either host).
    pub devhost: PathBuf,
}

impl Platform {
    /// `up` options for a compiled-component cache: `None` the host's usual (warm) cache,
    /// `Some(dir)` an empty one — devhost a fresh `--cache-dir`, Spin `--disable-cache`
    /// (its `--cache-dir` is for downloaded components, not compiled code).
    fn cache_args(&self, cache_dir: Option<&Path>) -> Vec<String> {
        match (cache_dir, self.kind) {
            (None, _) => Vec::new(),
            (Some(_), HostKind::Spin) => vec!["--disable-cache".into()],
            (Some(dir), _) => vec!["--cache-dir".into(), dir.display().to_string()],
        }
    }

    /// Pins an already running process of this host's side (its Redis) to the host's CPUs.
    fn pin(&self, pid: u32) -> anyhow::Result<()> {
        match &self.cpus {
            Some(cpus) => crate::pin::process(pid, cpus),
            None => Ok(()),
        }
    }
}

/// A running host (`devhost up` or `spin up`) in its own process group, stopped with the whole
/// group on drop (Spin runs its HTTP and Redis triggers as child processes).
pub struct Host {
    pub base: String,
    /// From spawning the process to the first 200 on the probe path.
    pub up_to_first_200: Duration,
    kind: HostKind,
    child: Child,
    log: PathBuf,
}

impl Drop for Host {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        if self.kind == HostKind::Spin {
            // `spin up` stops its trigger processes on SIGTERM; what is left goes after 10 s.
            signal("-TERM", &group);
            let until = Instant::now() + Duration::from_secs(10);
            while Instant::now() < until && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        signal("-KILL", &group);
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `kill <signal> -- <target>` (a negative target is a process group: ours, started by us).
fn signal(signal: &str, target: &str) {
    Command::new("kill")
        .args([signal, "--", target])
        .stderr(Stdio::null())
        .status()
        .ok();
}

impl Host {
    fn start(
        platform: &Platform,
        dir: &Path,
        args: &[String],
        probe: &str,
    ) -> anyhow::Result<Self> {
        let port = free_port();
        let log = dir.join(format!("host-{port}.log"));
        let out = std::fs::File::create(&log)?;
        let started = Instant::now();
        let child = crate::pin::command(&platform.bin, platform.cpus.as_deref())
            .arg("up")
            .args(args)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--quiet"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .spawn()
            .with_context(|| format!("spawn {}", platform.bin.display()))?;
        let mut host = Self {
            base: format!("http://127.0.0.1:{port}"),
            up_to_first_200: Duration::ZERO,
            kind: platform.kind,
            child,
            log,
        };
        let name = platform.kind.name();
        // Spin compiles every component at start-up unless its cache has them (the 38 MB Python
        // component takes a while on a busy machine).
        let limit = Duration::from_secs(300);
        loop {
            if let Ok(Some(status)) = host.child.try_wait() {
                bail!("{name} exited ({status}):\n{}", host.output());
            }
            if probe_ok(port, probe) {
                host.up_to_first_200 = started.elapsed();
                return Ok(host);
            }
            if started.elapsed() > limit {
                bail!(
                    "{name}: no 200 on {probe} after {} s:\n{}",
                    limit.as_secs(),
                    host.output()
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A GET on `path` answered 200 (a blocking probe; no keep-alive, so no pool state).
fn probe_ok(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && &head == b"HTTP/1.1 200"
}

/// The whole cinema app with its own Redis and state.
pub struct Cinema {
    pub host: Host,
    pub redis: Redis,
    _dir: tempfile_dir::TempDir,
}

/// The hello-world fixture (the first baseline: the least a host does for a request).
pub struct Hello {
    pub host: Host,
    _dir: tempfile_dir::TempDir,
}

/// The floor app, `bench/floor/spin.toml` (the second baseline: the least a paid booking needs
/// — two service-chained components, one durable SQLite commit each), with fresh databases.
pub struct Floor {
    pub host: Host,
    _dir: tempfile_dir::TempDir,
}

pub fn hello_wasm() -> PathBuf {
    workspace_root().join("target/wasm32-wasip2/release/fixture_hello.wasm")
}

/// The floor app's manifest.
pub fn floor_manifest() -> PathBuf {
    workspace_root().join("bench/floor/spin.toml")
}

/// The floor app's wasm files: (crate, file).
pub const FLOOR_WASM: [(&str, &str); 2] = [
    (
        "floor-booking",
        "target/wasm32-wasip2/release/floor_booking.wasm",
    ),
    (
        "floor-payment",
        "target/wasm32-wasip2/release/floor_payment.wasm",
    ),
];

impl Hello {
    pub fn start(platform: &Platform, cache_dir: Option<&Path>) -> anyhow::Result<Self> {
        let dir = tempfile_dir::TempDir::new("hello")?;
        let manifest = dir.path().join("spin.toml");
        std::fs::write(
            &manifest,
            format!(
                "spin_manifest_version = 2\n\n[application]\nname = \"hello\"\nversion = \"0.1.0\"\n\n\
                 [[trigger.http]]\nroute = \"/...\"\ncomponent = \"hello\"\n\n\
                 [component.hello]\nsource = {:?}\n",
                hello_wasm()
            ),
        )?;
        let state = dir.path().join("state");
        let mut args = vec![
            "-f".into(),
            manifest.display().to_string(),
            "--state-dir".into(),
            state.display().to_string(),
        ];
        args.extend(platform.cache_args(cache_dir));
        let host = Host::start(platform, dir.path(), &args, "/")?;
        Ok(Self { host, _dir: dir })
    }
}

impl Floor {
    pub fn start(platform: &Platform) -> anyhow::Result<Self> {
        let dir = tempfile_dir::TempDir::new("floor")?;
        let state = dir.path().join("state");
        std::fs::create_dir_all(&state)?;
        let rc = dir.path().join("runtime-config.toml");
        let mut text = String::new();
        for label in ["booking", "payment"] {
            text.push_str(&format!(
                "[sqlite_database.{label}]\ntype = \"spin\"\npath = {:?}\n\n",
                state.join(format!("floor-{label}.db"))
            ));
        }
        std::fs::write(&rc, text)?;
        let args = vec![
            "-f".into(),
            floor_manifest().display().to_string(),
            "--runtime-config-file".into(),
            rc.display().to_string(),
            "--state-dir".into(),
            state.display().to_string(),
        ];
        let host = Host::start(platform, dir.path(), &args, "/.well-known/spin/health")?;
        Ok(Self { host, _dir: dir })
    }
}

impl Cinema {
    /// `variables` are extra `--variable k=v` settings (e.g. rate limits for the run).
    pub fn start(
        platform: &Platform,
        variables: &[(String, String)],
        cache_dir: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let dir = tempfile_dir::TempDir::new("cinema")?;
        let state = dir.path().join("state");
        std::fs::create_dir_all(&state)?;
        let redis = Redis::start();
        if let Some(pid) = redis_pid(&redis.url()) {
            platform.pin(pid)?;
        }
        let rc = dir.path().join("runtime-config.toml");
        std::fs::write(&rc, runtime_config(&state))?;
        cinema_testkit::kv_stores_wal(&platform.devhost, &rc, &state);
        let mut args: Vec<String> = vec![
            "-f".into(),
            workspace_root().join("spin.toml").display().to_string(),
            "--runtime-config-file".into(),
            rc.display().to_string(),
            "--state-dir".into(),
            state.display().to_string(),
        ];
        let secrets = [
            ("redis_address".to_string(), redis.url()),
            ("dev_auth".into(), "true".into()),
            ("jwt_secret".into(), cinema_testkit::random_secret()),
            ("ticket_secret".into(), cinema_testkit::random_secret()),
        ];
        for (k, v) in secrets.iter().chain(variables) {
            args.push("--variable".into());
            args.push(format!("{k}={v}"));
        }
        args.extend(platform.cache_args(cache_dir));
        // The first 200 a customer can get from the app's components: the catalog through the
        // gateway (the health check alone would not touch a component).
        let host = Host::start(platform, dir.path(), &args, "/api/movies")?;
        Ok(Self {
            host,
            redis,
            _dir: dir,
        })
    }
}

/// The server's pid (`INFO server`), to pin it with the host.
fn redis_pid(url: &str) -> Option<u32> {
    cinema_testkit::redis_cli(url, &["INFO", "server"])
        .lines()
        .find_map(|l| l.trim().strip_prefix("process_id:")?.parse().ok())
}

/// `total_connections_received` of `INFO stats`: every connection the server ever accepted,
/// this query's own included.
pub fn connections_received(url: &str) -> Option<u64> {
    cinema_testkit::redis_cli(url, &["INFO", "stats"])
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("total_connections_received:")?
                .parse()
                .ok()
        })
}

/// The same stores as the end-to-end harness's default (`tests/src/local.rs`, without
/// `kv_on_redis`, which is for replicas) and `runtime-config.toml`: SQLite per publishing context,
/// SQLite-backed key-value stores for the others. The gateway has no key-value store: its
/// rate-limit counters are in Redis through `redis_address`.
fn runtime_config(state: &Path) -> String {
    let mut text = String::new();
    for label in ["reservation", "payment", "theater"] {
        text.push_str(&format!(
            "[sqlite_database.{label}]\ntype = \"spin\"\npath = {:?}\n\n",
            state.join(format!("{label}.db"))
        ));
    }
    for label in [
        "reservation",
        "catalog",
        "mypage",
        "notification",
        "reports",
    ] {
        text.push_str(&format!(
            "[key_value_store.{label}]\ntype = \"spin\"\npath = {:?}\n\n",
            state.join(format!("{label}-kv.db"))
        ));
    }
    text
}

/// A minimal temp dir (no extra dependency), removed on drop.
pub mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new(prefix: &str) -> std::io::Result<Self> {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let p = std::env::temp_dir().join(format!(
                "cinema-bench-{prefix}-{}-{nanos}",
                std::process::id()
            ));
            std::fs::create_dir_all(&p)?;
            Ok(Self(p))
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            std::fs::remove_dir_all(&self.0).ok();
        }
    }
}

/// Sum of `lag` + `pending` over the consumer groups of a Redis stream: events published but
/// not yet handled by every consuming context.
pub fn stream_backlog(redis_url: &str, stream: &str) -> Option<u64> {
    let out = Command::new("redis-cli")
        .args(["-u", redis_url, "XINFO", "GROUPS", stream])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut total = 0;
    let mut seen = false;
    for pair in lines.windows(2) {
        if pair[0] == "lag" || pair[0] == "pending" {
            seen = true;
            total += pair[1].parse::<u64>().unwrap_or(0);
        }
    }
    seen.then_some(total)
}
