//! Local apps for a run, started the way the end-to-end harness does (`tests/src/local.rs`): a
//! private redis-server on a free port, fresh SQLite and key-value files in a temp dir, and devhost
//! running the repository's `spin.toml` (or a one-component hello-world manifest) on a free port.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cinema_testkit::{Redis, free_port, workspace_root};

/// A running `devhost up`, killed on drop.
pub struct Host {
    pub base: String,
    /// From spawning the process to the first 200 on the probe path.
    pub up_to_first_200: Duration,
    child: Child,
    log: PathBuf,
}

impl Drop for Host {
    fn drop(&mut self) {
        if self.child.kill().is_ok() {
            self.child.wait().ok();
        }
    }
}

impl Host {
    fn start(bin: &Path, dir: &Path, args: &[String], probe: &str) -> anyhow::Result<Self> {
        let port = free_port();
        let log = dir.join(format!("devhost-{port}.log"));
        let out = std::fs::File::create(&log)?;
        let started = Instant::now();
        let child = Command::new(bin)
            .arg("up")
            .args(args)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--quiet"])
            .current_dir(dir)
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("spawn {}", bin.display()))?;
        let mut host = Self {
            base: format!("http://127.0.0.1:{port}"),
            up_to_first_200: Duration::ZERO,
            child,
            log,
        };
        loop {
            if let Ok(Some(status)) = host.child.try_wait() {
                bail!("devhost exited ({status}):\n{}", host.output());
            }
            if probe_ok(port, probe) {
                host.up_to_first_200 = started.elapsed();
                return Ok(host);
            }
            if started.elapsed() > Duration::from_secs(180) {
                bail!("devhost: no 200 on {probe} after 180 s:\n{}", host.output());
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

/// The whole cinema app on devhost with its own Redis and state.
pub struct Cinema {
    pub host: Host,
    pub redis: Redis,
    _dir: tempfile_dir::TempDir,
}

/// The hello-world fixture on devhost (the baseline).
pub struct Hello {
    pub host: Host,
    _dir: tempfile_dir::TempDir,
}

pub fn hello_wasm() -> PathBuf {
    workspace_root().join("target/wasm32-wasip2/release/fixture_hello.wasm")
}

impl Hello {
    pub fn start(bin: &Path, cache_dir: Option<&Path>) -> anyhow::Result<Self> {
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
        let mut args = vec!["-f".into(), manifest.display().to_string()];
        push_cache(&mut args, cache_dir);
        let host = Host::start(bin, dir.path(), &args, "/")?;
        Ok(Self { host, _dir: dir })
    }
}

impl Cinema {
    /// `variables` are extra `--variable k=v` settings (e.g. rate limits for the run).
    pub fn start(
        bin: &Path,
        variables: &[(String, String)],
        cache_dir: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let dir = tempfile_dir::TempDir::new("cinema")?;
        let state = dir.path().join("state");
        std::fs::create_dir_all(&state)?;
        let redis = Redis::start();
        let rc = dir.path().join("runtime-config.toml");
        std::fs::write(&rc, runtime_config(&state))?;
        cinema_testkit::kv_stores_wal(bin, &rc, &state);
        let mut args: Vec<String> = vec![
            "-f".into(),
            workspace_root().join("spin.toml").display().to_string(),
            "--runtime-config-file".into(),
            rc.display().to_string(),
            "--state-dir".into(),
            state.display().to_string(),
            "--variable".into(),
            format!("redis_address={}", redis.url()),
            "--variable".into(),
            "dev_auth=true".into(),
            "--variable".into(),
            format!("jwt_secret={}", cinema_testkit::random_secret()),
        ];
        for (k, v) in variables {
            args.push("--variable".into());
            args.push(format!("{k}={v}"));
        }
        push_cache(&mut args, cache_dir);
        // The first 200 a customer can get from the app's components: the catalog through the
        // gateway (the health check alone would not touch a component).
        let host = Host::start(bin, dir.path(), &args, "/api/movies")?;
        Ok(Self {
            host,
            redis,
            _dir: dir,
        })
    }
}

fn push_cache(args: &mut Vec<String>, cache_dir: Option<&Path>) {
    if let Some(c) = cache_dir {
        args.push("--cache-dir".into());
        args.push(c.display().to_string());
    }
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
