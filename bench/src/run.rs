//! One full run: for each host, start (or reach) the apps, run every scenario, collect a
//! [`RunResult`]; a [`Run`] holds the hosts of one `bench/run` in order.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::Args;
use crate::fixture::{Fixture, customers};
use crate::http::Client;
use crate::load::{Outcome, closed_loop, fixed_rate};
use crate::local::{Cinema, FLOOR_WASM, Floor, Hello, Platform, hello_wasm};
use crate::scenarios::{self, BacklogSampler, Step, drain_time};

/// Which host served the apps of a [`RunResult`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum HostKind {
    /// devhost (`target/host-release/devhost`); every run saved before issue 17.
    #[default]
    Devhost,
    /// A real `spin up` (the Spin CLI).
    Spin,
    /// Apps started elsewhere (`--base-url`).
    External,
}

impl HostKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Devhost => "devhost",
            Self::Spin => "spin",
            Self::External => "external",
        }
    }
}

/// One `bench/run`: the hosts it measured, in the order they ran (each with its own apps and
/// baselines; ratios are only ever taken within one host).
#[derive(Debug, Serialize, Deserialize)]
pub struct Run {
    pub label: String,
    pub unix_time: u64,
    pub machine: String,
    /// How the hosts and the load generator were pinned to CPUs (`None`: not pinned).
    #[serde(default)]
    pub pinning: Option<String>,
    pub hosts: Vec<RunResult>,
}

impl Run {
    /// A saved run: `{label, …, hosts: [...]}`, or one host's [`RunResult`] alone as every run
    /// before issue 17 was saved (a devhost run).
    ///
    /// # Errors
    /// The bytes are neither.
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice::<Self>(bytes)
            .or_else(|_| serde_json::from_slice::<RunResult>(bytes).map(Self::from))
    }
}

impl From<RunResult> for Run {
    fn from(r: RunResult) -> Self {
        Self {
            label: r.label.clone(),
            unix_time: r.unix_time,
            machine: r.machine.clone(),
            pinning: None,
            hosts: vec![r],
        }
    }
}

/// One host's measurements.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunResult {
    pub label: String,
    pub unix_time: u64,
    pub machine: String,
    /// Which host (absent in runs before issue 17: devhost).
    #[serde(default)]
    pub kind: HostKind,
    pub host: String,
    pub workers: usize,
    pub warmup_s: f64,
    pub duration_s: f64,
    /// `uptime` load averages, sampled before each scenario.
    pub load: Vec<(String, String)>,
    /// Closed-loop rounds per scenario, keyed as in [`scenarios::CLOSED`]: `hello`, `floor`,
    /// `catalog`, `seatmap`, `booking`, `hold_pay`, … (older runs lack the newer keys).
    pub closed: BTreeMap<String, Vec<Outcome>>,
    /// Booking → CONFIRMED in my-page at half the booking throughput.
    pub e2e: Option<E2e>,
    /// Fixed-rate booking steps (fractions of the booking throughput).
    pub sustained: Vec<Step>,
    pub cold: Option<Cold>,
    /// (component id(s), wasm file, bytes).
    pub wasm: Vec<(String, String, u64)>,
    /// `wrk -t1 -c<workers>` on the hello-world app, requests/s (a cross-check of the generator).
    pub wrk_hello: Option<f64>,
    /// New Redis connections around sequential bookings (absent before issue 17).
    #[serde(default)]
    pub redis_connections: Option<RedisConnections>,
    /// Bookings at half and at twice the closed-loop booking rate (absent before the gateway
    /// shed load).
    #[serde(default)]
    pub overload: Option<Overload>,
    /// Where a booking's time goes, from the components' `Server-Timing` (absent before issue 17's
    /// breakdown, and when the app does not send it).
    #[serde(default)]
    pub timing: Option<crate::timing::Timings>,
}

/// Issue 17's overload goal: bookings offered at twice the closed-loop rate, against the same
/// at half the rate. Failures are keyed `"<status> <error code>[ + Retry-After]"`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Overload {
    pub half: Outcome,
    pub double: Outcome,
    /// The gateway's `max_in_flight` in this run (`None`: the app's default).
    pub max_in_flight: Option<u32>,
}

impl Overload {
    /// Failures at 2× that the goal does not allow (a 5xx other than 503 + `Retry-After`, a
    /// transport error, a booking unfinished after the grace period).
    pub fn disallowed(&self) -> u64 {
        self.double
            .failures
            .iter()
            .filter(|(k, _)| !scenarios::allowed_under_overload(k))
            .map(|(_, n)| n)
            .sum()
    }

    /// The accepted bookings' p99 at 2× ÷ the p99 at half load.
    pub fn p99_ratio(&self) -> Option<f64> {
        (self.half.ok > 0 && self.double.ok > 0 && self.half.p99_ms > 0.0)
            .then(|| self.double.p99_ms / self.half.p99_ms)
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct E2e {
    /// Booking → the `ReservationConfirmed` event, watched on the stream (no polling), at the
    /// same rate before the page-poll pass; `None` in runs before the watcher or without Redis.
    #[serde(default)]
    pub watched: Option<Outcome>,
    /// Booking → CONFIRMED on the customer's page (polled).
    pub outcome: Outcome,
    pub backlog: scenarios::Backlog,
    pub polls_per_booking: f64,
    pub poll_ms: u64,
    /// The back-off cap; `None` in runs before the back-off (a fixed `poll_ms` then).
    #[serde(default)]
    pub poll_max_ms: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Cold {
    /// Milliseconds from spawning the host to the first 200, compiled-component cache warm.
    pub hello_ms: Vec<f64>,
    pub cinema_ms: Vec<f64>,
    /// The same with an empty cache (every component compiled at start-up).
    pub hello_nocache_ms: f64,
    pub cinema_nocache_ms: f64,
    /// Each wasm file's share of start-up, from devhost's log: compiling it (empty cache) and
    /// loading it compiled (warm cache, every warm start). Absent in runs before it was measured,
    /// and on Spin (which does not log it).
    #[serde(default)]
    pub components: Vec<ComponentStart>,
}

/// One component's start-up (devhost compiles or loads each wasm file once, under one id).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ComponentStart {
    pub id: String,
    pub compile_ms: Option<f64>,
    pub load_ms: Vec<f64>,
}

/// Redis's `total_connections_received` around `bookings` sequential bookings on a drained
/// pipeline, the bench's own `redis-cli` connections taken out.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RedisConnections {
    pub bookings: u64,
    /// Opened while the bookings ran, one after the other: the request path, plus whatever the
    /// event pipeline did meanwhile.
    pub during: u64,
    /// Opened from the last booking's answer until every consumer group had caught up (and one
    /// second more): the rest of the event pipeline.
    pub after: u64,
    /// Seconds the bookings took, and the pipeline after them.
    pub during_s: f64,
    pub after_s: f64,
    /// Opened by the idle app in the last second before (the count's noise: it waits up to 30 s
    /// for a second with none).
    pub idle_per_s: f64,
}

impl RedisConnections {
    pub fn per_booking(&self, n: u64) -> f64 {
        n as f64 / self.bookings.max(1) as f64
    }
}

/// The `component "<id>": <what> <ms> ms` lines of a devhost log (`what`: `compiled in` or
/// `loaded from the cache in`).
pub fn component_times(log: &str, what: &str) -> Vec<(String, f64)> {
    log.lines()
        .filter_map(|line| {
            let rest = &line[line.find("component \"")? + "component \"".len()..];
            let (id, rest) = rest.split_once("\": ")?;
            let ms = rest.strip_prefix(what)?.trim().strip_suffix("ms")?;
            Some((id.to_string(), ms.trim().parse().ok()?))
        })
        .collect()
}

impl RunResult {
    /// Per-round ratios `scenario / hello` of successful requests per second.
    pub fn ratios(&self, scenario: &str) -> Vec<f64> {
        self.ratios_to(scenario, "hello")
    }

    /// Per-round ratios `scenario / baseline` (`hello` or `floor`); empty when either is missing.
    pub fn ratios_to(&self, scenario: &str, baseline: &str) -> Vec<f64> {
        let (Some(b), Some(s)) = (self.closed.get(baseline), self.closed.get(scenario)) else {
            return Vec::new();
        };
        b.iter()
            .zip(s)
            .filter(|(b, _)| b.per_s > 0.0)
            .map(|(b, s)| s.per_s / b.per_s)
            .collect()
    }

    pub fn median_per_s(&self, scenario: &str) -> Option<f64> {
        let v: Vec<f64> = self.closed.get(scenario)?.iter().map(|o| o.per_s).collect();
        median(&v)
    }

    /// The highest fixed-rate step the pipeline absorbed, bookings/s (0 when none was).
    pub fn best_absorbed(&self) -> f64 {
        self.sustained
            .iter()
            .filter(|st| st.absorbed)
            .map(|st| st.outcome.target_per_s.unwrap_or(0.0))
            .fold(0.0, f64::max)
    }
}

pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    Some(s[s.len() / 2])
}

pub fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    // Every core of the machine (this process may be pinned to fewer).
    let cores = std::fs::read_to_string("/proc/cpuinfo").map_or(0, |s| {
        s.lines().filter(|l| l.starts_with("processor")).count()
    });
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(String::new(), |kb| {
            format!(", {:.1} GiB RAM", kb as f64 / 1_048_576.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} cores{mem}, Linux {}", kernel.trim())
}

/// The Spin CLI: `--spin`, else `../shared/tools/spin/spin` next to the repository, else `spin`
/// on `PATH`.
pub fn spin_bin(args: &Args) -> anyhow::Result<PathBuf> {
    if let Some(bin) = &args.spin {
        return Ok(bin.clone());
    }
    let shared = cinema_testkit::workspace_root().join("../shared/tools/spin/spin");
    if shared.is_file() {
        return Ok(shared);
    }
    crate::pin::find_on_path("spin")
        .context("no Spin CLI: not at ../shared/tools/spin/spin, not on PATH (or pass --spin)")
}

fn describe_host(kind: HostKind, bin: &std::path::Path, shown: &std::path::Path) -> String {
    match kind {
        HostKind::Devhost => {
            let built = std::fs::metadata(bin)
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            format!("devhost {} (built at unix {built})", shown.display())
        }
        HostKind::Spin => {
            let version = std::process::Command::new(bin)
                .arg("--version")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            let version = version.split(" (").next().unwrap_or("spin").to_string();
            format!("`spin up`: {version} ({})", shown.display())
        }
        HostKind::External => String::new(),
    }
}

/// Measures one host: every part `args` asks for, on apps started for it (or reached by URL).
pub async fn host(args: &Args, kind: HostKind, cpus: Option<&str>) -> anyhow::Result<RunResult> {
    let root = cinema_testkit::workspace_root();
    let devhost = root.join(&args.devhost);
    let platform = match kind {
        HostKind::External => None,
        HostKind::Devhost | HostKind::Spin => {
            // devhost is needed on Spin too: `devhost wal` prepares the key-value store files.
            if !devhost.is_file() {
                bail!(
                    "{} not found (cargo build -p devhost --profile host-release)",
                    devhost.display()
                );
            }
            let bin = if kind == HostKind::Spin {
                spin_bin(args)?
            } else {
                devhost.clone()
            };
            Some(Platform {
                kind,
                bin,
                cpus: cpus.map(str::to_string),
                devhost: devhost.clone(),
            })
        }
    };
    let host = match &platform {
        Some(p) => {
            let shown = p.bin.strip_prefix(&root).unwrap_or(&p.bin);
            describe_host(kind, &p.bin, shown)
        }
        None => format!("external app at {}", args.base_url.as_deref().unwrap_or("")),
    };
    eprintln!("== host: {host}");
    let mut result = RunResult {
        label: args.label.clone(),
        unix_time: unix_now(),
        machine: machine(),
        kind,
        host,
        workers: args.workers,
        warmup_s: args.warmup_s,
        duration_s: args.duration_s,
        load: vec![("start".into(), uptime())],
        closed: BTreeMap::new(),
        e2e: None,
        sustained: Vec::new(),
        cold: None,
        wasm: wasm_sizes(),
        wrk_hello: None,
        redis_connections: None,
        overload: None,
        timing: None,
    };

    // Rate limits far above what one machine can send: the gateway still counts every request
    // (the work is measured), it just never answers 429 to the one benchmark address.
    let mut vars = vec![
        (
            "rate_limit_address_per_s".to_string(),
            "1000000".to_string(),
        ),
        (
            "rate_limit_customer_per_s".to_string(),
            "1000000".to_string(),
        ),
    ];
    if let Some(n) = args.max_in_flight {
        vars.push(("max_in_flight".to_string(), n.to_string()));
    }
    // The components' timers in every answer (scenario `timing`); a few clock reads per request.
    vars.push(("server_timing".to_string(), "true".to_string()));
    let (_hello, hello_base) = match (&args.hello_url, &platform) {
        (Some(u), _) => (None, Some(u.clone())),
        (None, Some(p)) => {
            let h = Hello::start(p, None)?;
            let base = h.host.base.clone();
            (Some(h), Some(base))
        }
        (None, None) => (None, None),
    };
    let (_floor, floor_base) = match (&args.floor_url, &platform) {
        (Some(u), _) => (None, Some(u.clone())),
        (None, Some(p)) => {
            let f = Floor::start(p)?;
            let base = f.host.base.clone();
            (Some(f), Some(base))
        }
        (None, None) => (None, None),
    };
    let (cinema, base, redis_url) = match &platform {
        Some(p) => {
            let c = Cinema::start(p, &vars, None)?;
            let (b, r) = (c.host.base.clone(), c.redis.url());
            (Some(c), b, Some(r))
        }
        None => (
            None,
            args.base_url.clone().unwrap_or_default(),
            args.redis_url.clone(),
        ),
    };
    let client = Client::new(&base);
    let warmup = Duration::from_secs_f64(args.warmup_s);
    let duration = Duration::from_secs_f64(args.duration_s);

    eprintln!("setting up halls, movies and customers on {base} …");
    let admin = client.dev_token("bench-admin", "admin").await?;
    let run_id = format!("{}-{}", args.label, result.unix_time % 100_000);
    // Generous: the closed-loop bookings (direct and hold → pay) run flat out; the steps at most
    // 1.25× that for a while. Every scenario takes its seats from this one fixture, so no two
    // bookings or holds ever ask for the same seat.
    let seats = 90_000;
    let fixture = Rc::new(Fixture::create(&client, &admin, seats, &run_id).await?);
    let tokens = customers(&client, &format!("bench-{run_id}"), 64).await?;

    let rounds = if args.runs("closed") { args.repeats } else { 0 };
    for round in 0..rounds {
        // The two baselines first, each on its own app on the same host.
        if let Some(hb) = &hello_base {
            let hc = Client::new(hb);
            let o = closed_loop(
                scenarios::get(&hc, "/".into()),
                args.workers,
                warmup,
                duration,
            )
            .await;
            push(&mut result, "hello", round, o);
        }
        if let Some(fb) = &floor_base {
            let fc = Client::new(fb);
            let o = closed_loop(
                scenarios::post(&fc, "/book".into()),
                args.workers,
                warmup,
                duration,
            )
            .await;
            push(&mut result, "floor", round, o);
        }
        let o = closed_loop(
            scenarios::get(&client, "/api/movies".into()),
            args.workers,
            warmup,
            duration,
        )
        .await;
        push(&mut result, "catalog", round, o);
        let seatmap = format!("/api/screenings/{}/seats", fixture.small_screening);
        let o = closed_loop(
            scenarios::get(&client, seatmap),
            args.workers,
            warmup,
            duration,
        )
        .await;
        push(&mut result, "seatmap", round, o);
        // Two staff reads of a read model over the same screenings: Rust (catalog) and Python
        // (reports), so the report shows what the language costs on the same kind of request.
        for (key, path) in [
            ("programme", "/api/admin/programme"),
            ("reports", "/api/admin/reports/sales?group=screening"),
        ] {
            let o = closed_loop(
                scenarios::get_as(&client, path.into(), Some(admin.clone())),
                args.workers,
                warmup,
                duration,
            )
            .await;
            push(&mut result, key, round, o);
        }
        // Each booking scenario starts on a drained pipeline, so neither runs against the
        // other's backlog (nor against the fixture's events in the first round).
        if let Some(r) = &redis_url {
            drain_time(r, Duration::from_secs(60));
        }
        let o = closed_loop(
            scenarios::booking(&client, fixture.clone(), tokens.clone()),
            args.workers,
            warmup,
            duration,
        )
        .await;
        push(&mut result, "booking", round, o);
        if let Some(r) = &redis_url {
            drain_time(r, Duration::from_secs(60));
        }
        let o = closed_loop(
            scenarios::hold_pay(&client, fixture.clone(), tokens.clone()),
            args.workers,
            warmup,
            duration,
        )
        .await;
        push(&mut result, "hold_pay", round, o);
        if let Some(r) = &redis_url {
            drain_time(r, Duration::from_secs(60));
        }
        result
            .load
            .push((format!("after round {}", round + 1), uptime()));
    }

    if let (Some(r), true) = (&redis_url, args.runs("connections")) {
        let c = redis_connections(r, &client, &fixture, &tokens, args.connection_bookings).await?;
        eprintln!(
            "redis connections per booking: {:.2} during, {:.2} after ({} bookings; idle {:.2}/s)",
            c.per_booking(c.during),
            c.per_booking(c.after),
            c.bookings,
            c.idle_per_s
        );
        result.redis_connections = Some(c);
    }
    if args.runs("timing") {
        let t = timings(&client, &fixture, &tokens, args).await?;
        for (what, b) in std::iter::once(("one at a time", &t.sequential))
            .chain(t.loaded.as_ref().map(|b| ("closed loop", b)))
        {
            eprintln!(
                "server-timing, {what}: {} bookings, client {:.2} ms, gw {:.2}, rsv {:.2}, pay {:.2}",
                b.bookings,
                b.client_ms,
                b.ms("gw"),
                b.ms("rsv"),
                b.ms("pay")
            );
        }
        result.timing = (t.sequential.bookings > 0).then_some(t);
    }

    if args.runs("e2e") || args.runs("sustained") {
        pipeline(
            args,
            &mut result,
            &client,
            &fixture,
            &tokens,
            redis_url.as_deref(),
            &run_id,
            seats,
        )
        .await?;
    }
    if args.runs("overload") {
        result.overload = Some(
            overload(
                args,
                &result,
                &client,
                &fixture,
                &tokens,
                redis_url.as_deref(),
            )
            .await?,
        );
        result.load.push(("after overload".into(), uptime()));
    }
    drop(cinema);
    // 6. Cold start, alternating hello / cinema so both see the same noise.
    if let (Some(p), false, true) = (&platform, args.skip_cold, args.runs("cold")) {
        result.cold = Some(cold_starts(p, &vars)?);
    }
    if let (Some(hb), true) = (hello_base.as_deref(), args.runs("closed")) {
        result.wrk_hello = wrk(hb, args.workers);
    }
    result.load.push(("end".into(), uptime()));
    Ok(result)
}

/// 4. Booking → CONFIRMED at half the closed-loop booking rate, and 5. the sustained steps.
#[allow(clippy::too_many_arguments)]
async fn pipeline(
    args: &Args,
    result: &mut RunResult,
    client: &Client,
    fixture: &Rc<Fixture>,
    tokens: &Rc<Vec<String>>,
    redis_url: Option<&str>,
    run_id: &str,
    seats: u64,
) -> anyhow::Result<()> {
    let duration = Duration::from_secs_f64(args.duration_s);
    let max_booking = max_booking(result)?;
    if fixture.capacity() < seats {
        bail!("fixture too small");
    }

    if args.runs("e2e") {
        let rate = (max_booking / 2.0).max(1.0);
        let n = (rate * args.duration_s).ceil() as usize + 1;
        let e2e_tokens = customers(client, &format!("e2e-{run_id}"), n).await?;
        let mut watched = None;
        if let Some(r) = redis_url {
            let d = drain_time(r, Duration::from_secs(180));
            eprintln!("backlog drained before the watched e2e scenario in {d:?} s");
            let watcher = Rc::new(scenarios::ConfirmationWatcher::start(r)?);
            eprintln!("booking → ReservationConfirmed (watched) at {rate:.1}/s …");
            let job = scenarios::booking_confirmed_event(
                client,
                fixture.clone(),
                tokens.clone(),
                watcher,
            );
            let o = fixed_rate(job, rate, duration, Duration::from_secs(15)).await;
            eprintln!(
                "  {} confirmed (p50 {:.1} ms, p99 {:.1} ms), {} failed {:?}",
                o.ok, o.p50_ms, o.p99_ms, o.failed, o.failures,
            );
            watched = Some(o);
            let d = drain_time(r, Duration::from_secs(180));
            eprintln!("backlog drained before the e2e scenario in {d:?} s");
        }
        let polls = Rc::new(std::cell::Cell::new(0));
        let sampler = redis_url.map(BacklogSampler::start);
        eprintln!("booking → CONFIRMED at {rate:.1}/s …");
        let job = scenarios::booking_confirmed(
            client,
            fixture.clone(),
            e2e_tokens,
            Duration::from_millis(args.poll_ms),
            Duration::from_millis(args.poll_max_ms),
            polls.clone(),
        );
        let outcome = fixed_rate(job, rate, duration, Duration::from_secs(15)).await;
        let backlog = sampler.map(BacklogSampler::finish).unwrap_or_default();
        let per_booking = polls.get() as f64 / (outcome.ok + outcome.failed).max(1) as f64;
        eprintln!(
            "  {} confirmed (p50 {:.1} ms, p99 {:.1} ms), {} failed {:?}; {per_booking:.1} polls per booking",
            outcome.ok, outcome.p50_ms, outcome.p99_ms, outcome.failed, outcome.failures,
        );
        result.e2e = Some(E2e {
            watched,
            polls_per_booking: per_booking,
            outcome,
            backlog,
            poll_ms: args.poll_ms,
            poll_max_ms: Some(args.poll_max_ms),
        });
        result.load.push(("after e2e".into(), uptime()));
    }

    // Fixed-rate steps; absorbed = accepted and no accumulating backlog. Ascending; stops after
    // two steps in a row that were not absorbed. 0.9 is the goal's step.
    if let (Some(r), true) = (redis_url, args.runs("sustained")) {
        let mut misses = 0;
        for fraction in scenarios::STEPS {
            drain_time(r, Duration::from_secs(120));
            let at_start = crate::local::stream_backlog(r, scenarios::STREAM);
            let rate = (max_booking * fraction).max(1.0);
            eprintln!("sustained bookings at {rate:.1}/s …");
            let sampler = BacklogSampler::start(r);
            let job = scenarios::booking(client, fixture.clone(), tokens.clone());
            let outcome = fixed_rate(job, rate, duration, Duration::from_secs(35)).await;
            let backlog = sampler.finish();
            let drain = drain_time(r, Duration::from_secs(60));
            let step = Step::judge(at_start, outcome, backlog, drain);
            eprintln!("  absorbed: {} (drain {:?} s)", step.absorbed, step.drain_s);
            misses = if step.absorbed { 0 } else { misses + 1 };
            result.sustained.push(step);
            if misses == 2 {
                break;
            }
        }
    }
    result.load.push(("after sustained".into(), uptime()));
    Ok(())
}

/// The closed-loop booking rate the fixed-rate scenarios are fractions of: this run's, else
/// `BENCH_MAX_BOOKING` (when `closed` was not run).
fn max_booking(result: &RunResult) -> anyhow::Result<f64> {
    match result.median_per_s("booking") {
        Some(b) => Ok(b),
        None => std::env::var("BENCH_MAX_BOOKING")
            .ok()
            .and_then(|v| v.parse().ok())
            .context("no booking throughput (run `closed`, or set BENCH_MAX_BOOKING)"),
    }
}

/// Scenario 7: bookings offered at half, then at twice the closed-loop booking rate (open loop, latency
/// from each booking's due time), each on a drained pipeline.
async fn overload(
    args: &Args,
    result: &RunResult,
    client: &Client,
    fixture: &Rc<Fixture>,
    tokens: &Rc<Vec<String>>,
    redis_url: Option<&str>,
) -> anyhow::Result<Overload> {
    let duration = Duration::from_secs_f64(args.duration_s);
    let max_booking = max_booking(result)?;
    let at = |fraction: f64| {
        let rate = (max_booking * fraction).max(1.0);
        let job = scenarios::booking(client, fixture.clone(), tokens.clone());
        async move {
            if let Some(r) = redis_url {
                drain_time(r, Duration::from_secs(120));
            }
            eprintln!("bookings offered at {rate:.1}/s ({fraction}× the closed-loop rate) …");
            let o = fixed_rate(job, rate, duration, Duration::from_secs(15)).await;
            eprintln!(
                "  {} accepted (p50 {:.1} ms, p99 {:.1} ms), refused {:?}",
                o.ok, o.p50_ms, o.p99_ms, o.failures
            );
            o
        }
    };
    let half = at(0.5).await;
    let double = at(2.0).await;
    if let Some(r) = redis_url {
        drain_time(r, Duration::from_secs(120));
    }
    Ok(Overload {
        half,
        double,
        max_in_flight: args.max_in_flight,
    })
}

/// The `Server-Timing` breakdown: `--timing-bookings` bookings one at a time (50 ms apart, so the
/// pipeline's work on the previous one is mostly done), then a closed loop of `--workers`.
async fn timings(
    client: &Client,
    fixture: &Rc<Fixture>,
    tokens: &Rc<Vec<String>>,
    args: &Args,
) -> anyhow::Result<crate::timing::Timings> {
    use crate::timing::{Collector, Timings};
    let mut sequential = Collector::default();
    for i in 0..args.timing_bookings {
        let token = &tokens[i as usize % tokens.len()];
        let began = std::time::Instant::now();
        let (_, header) = scenarios::book_timed(client, fixture, token)
            .await
            .map_err(|e| anyhow::anyhow!("booking {i}: {e}"))?;
        sequential.add(began.elapsed().as_secs_f64() * 1000.0, header.as_deref());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let collector = Rc::new(std::cell::RefCell::new(Collector::default()));
    let job = scenarios::booking_timed(client, fixture.clone(), tokens.clone(), collector.clone());
    closed_loop(job, args.workers, Duration::ZERO, Duration::from_secs(4)).await;
    let loaded = collector.borrow().finish(args.workers);
    Ok(Timings {
        sequential: sequential.finish(1),
        loaded: (loaded.bookings > 0).then_some(loaded),
    })
}

/// Counts the Redis connections `n` sequential bookings open (issue 17: Spin's outbound Redis
/// connects afresh in every instance that opens it). Every `redis-cli` call of the bench is a
/// connection too, so each is counted and taken out.
async fn redis_connections(
    redis: &str,
    client: &Client,
    fixture: &Fixture,
    tokens: &[String],
    n: u64,
) -> anyhow::Result<RedisConnections> {
    use crate::local::connections_received;
    let count = || connections_received(redis).context("INFO stats");
    drain_time(redis, Duration::from_secs(60));
    // Wait for a quiet second (after the closed-loop rounds, the app kept opening hundreds of
    // connections a second for a while on Spin with an empty backlog): what the idle app opens
    // by itself is the count's noise. Each count's own connection is in the next one.
    let mut idle = 0;
    for _ in 0..30 {
        let c = count()?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        idle = count()?.saturating_sub(c + 1);
        if idle == 0 {
            break;
        }
    }

    let c0 = count()?;
    let started = std::time::Instant::now();
    for i in 0..n {
        let token = &tokens[i as usize % tokens.len()];
        scenarios::book(client, fixture, token)
            .await
            .map_err(|e| anyhow::anyhow!("booking {i}: {e}"))?;
    }
    let during_s = started.elapsed().as_secs_f64();
    let c1 = count()?;
    let started = std::time::Instant::now();
    let mut polls = 0;
    loop {
        polls += 1;
        if crate::local::stream_backlog(redis, scenarios::STREAM) == Some(0)
            || started.elapsed() > Duration::from_secs(60)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Consumers acknowledge before they relay or ring for the next hop: give those a moment.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_s = started.elapsed().as_secs_f64();
    let c2 = count()?;
    Ok(RedisConnections {
        bookings: n,
        during: c1.saturating_sub(c0 + 1),
        after: c2.saturating_sub(c1 + 1 + polls),
        during_s,
        after_s,
        idle_per_s: idle as f64,
    })
}

fn push(result: &mut RunResult, name: &str, round: usize, o: Outcome) {
    eprintln!(
        "round {} {name}: {:.0}/s p50 {:.2} ms p99 {:.2} ms ({} failed)",
        round + 1,
        o.per_s,
        o.p50_ms,
        o.p99_ms,
        o.failed
    );
    result.closed.entry(name.to_string()).or_default().push(o);
}

/// `up` spawned → first 200, hello and cinema alternating so both see the same noise: once each
/// with an empty compiled-component cache, then five times each with the host's usual cache.
fn cold_starts(platform: &Platform, vars: &[(String, String)]) -> anyhow::Result<Cold> {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut components: BTreeMap<String, ComponentStart> = BTreeMap::new();
    let mut note = |log: String| {
        for (id, ms) in component_times(&log, "compiled in") {
            components
                .entry(id.clone())
                .or_insert_with(|| ComponentStart {
                    id,
                    ..ComponentStart::default()
                })
                .compile_ms = Some(ms);
        }
        for (id, ms) in component_times(&log, "loaded from the cache in") {
            components
                .entry(id.clone())
                .or_insert_with(|| ComponentStart {
                    id,
                    ..ComponentStart::default()
                })
                .load_ms
                .push(ms);
        }
    };
    let fresh = crate::local::tempfile_dir::TempDir::new("cache-hello")?;
    let hello = Hello::start(platform, Some(fresh.path()))?;
    let hello_nocache_ms = ms(hello.host.up_to_first_200);
    note(hello.host.output());
    let fresh = crate::local::tempfile_dir::TempDir::new("cache-cinema")?;
    let cinema = Cinema::start(platform, vars, Some(fresh.path()))?;
    let cinema_nocache_ms = ms(cinema.host.up_to_first_200);
    note(cinema.host.output());
    drop(cinema);
    let (mut hello_ms, mut cinema_ms) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let hello = Hello::start(platform, None)?;
        hello_ms.push(ms(hello.host.up_to_first_200));
        note(hello.host.output());
        let cinema = Cinema::start(platform, vars, None)?;
        cinema_ms.push(ms(cinema.host.up_to_first_200));
        note(cinema.host.output());
    }
    eprintln!("cold start: hello {hello_ms:?} ms, cinema {cinema_ms:?} ms");
    Ok(Cold {
        hello_ms,
        cinema_ms,
        hello_nocache_ms,
        cinema_nocache_ms,
        components: components.into_values().collect(),
    })
}

/// The wasm file of every component in `spin.toml` (both ids of a context share one file), then
/// the baselines' (hello-world, the floor app's two).
fn wasm_sizes() -> Vec<(String, String, u64)> {
    let root = cinema_testkit::workspace_root();
    let manifest = std::fs::read_to_string(root.join("spin.toml")).unwrap_or_default();
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut component = None;
    for line in manifest.lines().map(str::trim) {
        if let Some(id) = line
            .strip_prefix("[component.")
            .and_then(|l| l.strip_suffix(']'))
        {
            component = (!id.contains('.')).then(|| id.to_string());
        } else if let (Some(id), Some(src)) = (&component, line.strip_prefix("source = \"")) {
            by_file
                .entry(src.trim_end_matches('"').to_string())
                .or_default()
                .push(id.clone());
        }
    }
    let mut out: Vec<_> = by_file
        .into_iter()
        .map(|(file, ids)| {
            let bytes = std::fs::metadata(root.join(&file)).map_or(0, |m| m.len());
            (ids.join(", "), file, bytes)
        })
        .collect();
    let hello = hello_wasm();
    out.push((
        "hello (baseline)".into(),
        hello
            .strip_prefix(&root)
            .unwrap_or(&hello)
            .display()
            .to_string(),
        std::fs::metadata(&hello).map_or(0, |m| m.len()),
    ));
    for (id, file) in FLOOR_WASM {
        let bytes = std::fs::metadata(root.join(file)).map_or(0, |m| m.len());
        out.push((format!("{id} (baseline)"), file.to_string(), bytes));
    }
    out
}

/// `wrk` on the hello-world app as a cross-check of this generator; `None` if wrk is missing.
fn wrk(base: &str, workers: usize) -> Option<f64> {
    let out = std::process::Command::new("wrk")
        .args(["-t1", &format!("-c{workers}"), "-d5s", &format!("{base}/")])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("Requests/sec:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod component_time_tests {
    use super::component_times;

    #[test]
    fn devhost_log_lines_give_each_component_its_compile_and_load_time() {
        // Given devhost's log, with the ANSI colours it writes to a file
        let log = "\u{1b}[2m2026-12-05T18:45:04Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m devhost::engine: component \"reports\": compiled in 6123.4 ms\n\
                   INFO devhost::engine: component \"gateway\": loaded from the cache in 3.2 ms\n\
                   INFO devhost::engine: component \"web\": compiling target/web.wasm (510440 bytes)\n";
        // Then each kind of line gives its component's time, and nothing else counts
        assert_eq!(
            component_times(log, "compiled in"),
            [("reports".to_string(), 6123.4)]
        );
        assert_eq!(
            component_times(log, "loaded from the cache in"),
            [("gateway".to_string(), 3.2)]
        );
    }
}
