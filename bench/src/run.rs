//! One full run: start (or reach) the apps, run every scenario, collect a [`RunResult`].

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::Args;
use crate::fixture::{Fixture, customers};
use crate::http::Client;
use crate::load::{Outcome, closed_loop, fixed_rate};
use crate::local::{Cinema, Hello, hello_wasm};
use crate::scenarios::{self, BacklogSampler, Step, drain_time};

#[derive(Debug, Serialize, Deserialize)]
pub struct RunResult {
    pub label: String,
    pub unix_time: u64,
    pub machine: String,
    pub host: String,
    pub workers: usize,
    pub warmup_s: f64,
    pub duration_s: f64,
    /// `uptime` load averages, sampled before each scenario.
    pub load: Vec<(String, String)>,
    /// Closed-loop rounds per scenario, keyed as in [`scenarios::CLOSED`]: `hello`, `catalog`,
    /// `seatmap`, `booking`, `hold_pay` (runs before `hold_pay` have no such key).
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
}

#[derive(Debug, Serialize, Deserialize)]
pub struct E2e {
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
    /// Milliseconds from spawning devhost to the first 200, compiled-component cache warm.
    pub hello_ms: Vec<f64>,
    pub cinema_ms: Vec<f64>,
    /// The same with an empty cache (every component compiled at start-up).
    pub hello_nocache_ms: f64,
    pub cinema_nocache_ms: f64,
    /// Each wasm file's share of start-up, from devhost's log: compiling it (empty cache) and
    /// loading it compiled (warm cache, every warm start). Absent in runs before it was measured.
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
        let (Some(h), Some(s)) = (self.closed.get("hello"), self.closed.get(scenario)) else {
            return Vec::new();
        };
        h.iter().zip(s).map(|(h, s)| s.per_s / h.per_s).collect()
    }

    pub fn median_per_s(&self, scenario: &str) -> Option<f64> {
        let v: Vec<f64> = self.closed.get(scenario)?.iter().map(|o| o.per_s).collect();
        median(&v)
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

fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
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

pub async fn all(args: &Args) -> anyhow::Result<RunResult> {
    let local = args.base_url.is_none();
    let bin = cinema_testkit::workspace_root().join(&args.devhost);
    if local && !bin.is_file() {
        bail!(
            "{} not found (cargo build -p devhost --profile host-release)",
            bin.display()
        );
    }
    let host = if local {
        let meta = std::fs::metadata(&bin)?;
        let built = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        format!("devhost {} (built at unix {built})", args.devhost.display())
    } else {
        format!("external app at {}", args.base_url.as_deref().unwrap_or(""))
    };
    let mut result = RunResult {
        label: args.label.clone(),
        unix_time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
        machine: machine(),
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
    };

    // Rate limits far above what one machine can send: the gateway still counts every request
    // (the work is measured), it just never answers 429 to the one benchmark address.
    let vars = vec![
        (
            "rate_limit_address_per_s".to_string(),
            "1000000".to_string(),
        ),
        (
            "rate_limit_customer_per_s".to_string(),
            "1000000".to_string(),
        ),
    ];
    let (_hello, hello_base) = match &args.hello_url {
        Some(u) => (None, Some(u.clone())),
        None if local => {
            let h = Hello::start(&bin, None)?;
            let base = h.host.base.clone();
            (Some(h), Some(base))
        }
        None => (None, None),
    };
    let (cinema, base, redis_url) = if local {
        let c = Cinema::start(&bin, &vars, None)?;
        let (b, r) = (c.host.base.clone(), c.redis.url());
        (Some(c), b, Some(r))
    } else {
        (
            None,
            args.base_url.clone().unwrap_or_default(),
            args.redis_url.clone(),
        )
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
    if !(args.runs("e2e") || args.runs("sustained")) {
        return finish(
            args,
            result,
            local,
            &bin,
            &vars,
            hello_base.as_deref(),
            cinema,
        );
    }
    let max_booking = match result.median_per_s("booking") {
        Some(b) => b,
        None => std::env::var("BENCH_MAX_BOOKING")
            .ok()
            .and_then(|v| v.parse().ok())
            .context("no booking throughput (run `closed`, or set BENCH_MAX_BOOKING)")?,
    };
    if fixture.capacity() < seats {
        bail!("fixture too small");
    }

    // 4. Booking → CONFIRMED at half the maximum booking rate.
    if args.runs("e2e") {
        let rate = (max_booking / 2.0).max(1.0);
        let n = (rate * args.duration_s).ceil() as usize + 1;
        let e2e_tokens = customers(&client, &format!("e2e-{run_id}"), n).await?;
        if let Some(r) = &redis_url {
            let d = drain_time(r, Duration::from_secs(180));
            eprintln!("backlog drained before the e2e scenario in {d:?} s");
        }
        let polls = Rc::new(std::cell::Cell::new(0));
        let sampler = redis_url.as_deref().map(BacklogSampler::start);
        eprintln!("booking → CONFIRMED at {rate:.1}/s …");
        let job = scenarios::booking_confirmed(
            &client,
            fixture.clone(),
            e2e_tokens,
            Duration::from_millis(args.poll_ms),
            Duration::from_millis(args.poll_max_ms),
            polls.clone(),
        );
        let outcome = fixed_rate(job, rate, duration, Duration::from_secs(15)).await;
        let backlog = sampler.map(BacklogSampler::finish).unwrap_or_default();
        eprintln!(
            "  {} confirmed (p50 {:.1} ms, p99 {:.1} ms), {} failed {:?}; {:.1} polls per booking",
            outcome.ok,
            outcome.p50_ms,
            outcome.p99_ms,
            outcome.failed,
            outcome.failures,
            polls.get() as f64 / (outcome.ok + outcome.failed).max(1) as f64
        );
        result.e2e = Some(E2e {
            polls_per_booking: polls.get() as f64 / (outcome.ok + outcome.failed).max(1) as f64,
            outcome,
            backlog,
            poll_ms: args.poll_ms,
            poll_max_ms: Some(args.poll_max_ms),
        });
        result.load.push(("after e2e".into(), uptime()));
    }

    // 5. Sustained pipeline: fixed-rate steps; absorbed = accepted and no accumulating backlog.
    // Ascending; stops after two steps in a row that were not absorbed.
    if let (Some(r), true) = (&redis_url, args.runs("sustained")) {
        let mut misses = 0;
        for fraction in [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0] {
            drain_time(r, Duration::from_secs(120));
            let at_start = crate::local::stream_backlog(r, scenarios::STREAM);
            let rate = (max_booking * fraction).max(1.0);
            eprintln!("sustained bookings at {rate:.1}/s …");
            let sampler = BacklogSampler::start(r);
            let job = scenarios::booking(&client, fixture.clone(), tokens.clone());
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
    finish(
        args,
        result,
        local,
        &bin,
        &vars,
        hello_base.as_deref(),
        cinema,
    )
}

/// Cold start and the wrk cross-check, after the running app is stopped.
fn finish(
    args: &Args,
    mut result: RunResult,
    local: bool,
    bin: &Path,
    vars: &[(String, String)],
    hello_base: Option<&str>,
    cinema: Option<Cinema>,
) -> anyhow::Result<RunResult> {
    drop(cinema);
    // 6. Cold start, alternating hello / cinema so both see the same noise.
    if local && !args.skip_cold && args.runs("cold") {
        result.cold = Some(cold_starts(bin, vars)?);
    }
    if let (Some(hb), true) = (hello_base, args.runs("closed")) {
        result.wrk_hello = wrk(hb, args.workers);
    }
    result.load.push(("end".into(), uptime()));
    Ok(result)
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

fn cold_starts(bin: &Path, vars: &[(String, String)]) -> anyhow::Result<Cold> {
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
    let hello = Hello::start(bin, Some(fresh.path()))?;
    let hello_nocache_ms = ms(hello.host.up_to_first_200);
    note(hello.host.output());
    let fresh = crate::local::tempfile_dir::TempDir::new("cache-cinema")?;
    let cinema = Cinema::start(bin, vars, Some(fresh.path()))?;
    let cinema_nocache_ms = ms(cinema.host.up_to_first_200);
    note(cinema.host.output());
    drop(cinema);
    let (mut hello_ms, mut cinema_ms) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let hello = Hello::start(bin, None)?;
        hello_ms.push(ms(hello.host.up_to_first_200));
        note(hello.host.output());
        let cinema = Cinema::start(bin, vars, None)?;
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

/// The wasm file of every component in `spin.toml` (both ids of a context share one file).
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
