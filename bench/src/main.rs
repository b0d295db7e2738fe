//! `cinema-bench`: measures the cinema platform against two baselines served by the same host in
//! the same run — a hello-world component and the floor app (`bench/floor/`: the least a paid
//! booking needs) — on devhost, on a real `spin up`, or both, and writes `bench/REPORT.md` and
//! `bench/report.png`. `bench/run` is the one command; `cinema-bench --help` lists the knobs.

mod chart;
mod fixture;
mod http;
mod load;
mod local;
mod pin;
mod report;
mod run;
mod scenarios;
mod timing;

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

/// Which hosts `bench/run` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Hosts {
    Devhost,
    Spin,
    Both,
}

#[derive(Parser, Clone)]
#[command(about = "Benchmarks the cinema platform; writes bench/REPORT.md and bench/report.png")]
pub struct Args {
    /// The host(s) to run the apps on, one after the other: devhost, a real `spin up`, or both.
    #[arg(long, value_enum, default_value = "devhost")]
    pub host: Hosts,
    /// The devhost binary (the devhost host, and `devhost wal` for either host).
    #[arg(long, default_value = "target/host-release/devhost")]
    pub devhost: PathBuf,
    /// The Spin CLI (default: ../shared/tools/spin/spin next to the repository, else `spin` on
    /// PATH).
    #[arg(long)]
    pub spin: Option<PathBuf>,
    /// Measure an app started elsewhere (e.g. `spin up … --variable dev_auth=true`) instead of
    /// starting one (`--host` is then ignored).
    #[arg(long)]
    pub base_url: Option<String>,
    /// The hello-world baseline on the same host as `--base-url` (required with it for ratios).
    #[arg(long)]
    pub hello_url: Option<String>,
    /// The floor app (`bench/floor/spin.toml`) on the same host as `--base-url`.
    #[arg(long)]
    pub floor_url: Option<String>,
    /// That app's Redis, for the event backlog (local runs know their own).
    #[arg(long)]
    pub redis_url: Option<String>,
    /// Closed-loop rounds (hello, catalog, seat map, booking, hold → pay each); the spread is
    /// reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Concurrent connections of the closed-loop runs.
    #[arg(long, default_value_t = 8)]
    pub workers: usize,
    #[arg(long, default_value_t = 2.0)]
    pub warmup_s: f64,
    #[arg(long, default_value_t = 8.0)]
    pub duration_s: f64,
    /// Polling interval of the booking → CONFIRMED scenario (for the first 50 ms after the
    /// booking is accepted; then it doubles up to `--poll-max-ms`).
    #[arg(long, default_value_t = 10)]
    pub poll_ms: u64,
    #[arg(long, default_value_t = 250)]
    pub poll_max_ms: u64,
    /// Skip the cold-start measurement (local only anyway).
    #[arg(long)]
    pub skip_cold: bool,
    /// A name for this run in the report's history (e.g. `before`, `after-wal`).
    #[arg(long, default_value = "run")]
    pub label: String,
    /// Only rewrite REPORT.md and report.png from the newest saved run (no measuring).
    #[arg(long)]
    pub report_only: bool,
    /// Where the report, chart and per-run results go.
    #[arg(long, default_value = "bench")]
    pub out: PathBuf,
    /// Run only these parts (comma-separated: `closed`, `connections`, `timing`, `e2e`,
    /// `sustained`, `overload`, `cold`) and write nothing: for profiling one path. The report needs every part.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// The gateway's `max_in_flight` for the apps the bench starts (default: the app's own).
    #[arg(long)]
    pub max_in_flight: Option<u32>,
    /// Sequential bookings around which Redis's new connections are counted.
    #[arg(long, default_value_t = 20)]
    pub connection_bookings: u64,
    /// Bookings of the `Server-Timing` breakdown: one at a time, then as many in the closed loop.
    #[arg(long, default_value_t = 50)]
    pub timing_bookings: u64,
    /// CPUs (a `taskset -c` list) for the hosts' processes and their Redis.
    #[arg(long, default_value = "0")]
    pub host_cpus: String,
    /// CPUs for the load generator (this process).
    #[arg(long, default_value = "1")]
    pub load_cpus: String,
    /// Pin nothing (pinning is also skipped without `taskset` or on one core).
    #[arg(long)]
    pub no_pin: bool,
}

impl Args {
    pub fn runs(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }

    /// The hosts to measure, in order.
    pub fn host_kinds(&self) -> Vec<run::HostKind> {
        use run::HostKind;
        if self.base_url.is_some() {
            return vec![HostKind::External];
        }
        match self.host {
            Hosts::Devhost => vec![HostKind::Devhost],
            Hosts::Spin => vec![HostKind::Spin],
            Hosts::Both => vec![HostKind::Devhost, HostKind::Spin],
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.report_only {
        let history = report::history(&args.out)?;
        let latest = history.last().context("no saved runs in <out>/results")?;
        return write_report(&args, latest, &history);
    }
    let kinds = args.host_kinds();
    if kinds.contains(&run::HostKind::Spin) {
        // Fail before an hour of devhost measurements, not after.
        let spin = run::spin_bin(&args)?;
        eprintln!("Spin CLI: {}", spin.display());
    }
    let pinning = pin::Pinning::plan(args.no_pin, &args.host_cpus, &args.load_cpus);
    if let Some(p) = &pinning {
        pin::process(std::process::id(), &p.load)?;
        eprintln!("pinned: {}", p.describe());
    }
    // One thread: the generator takes at most one of the machine's cores, and never more in one
    // scenario than in another.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut run = run::Run {
        label: args.label.clone(),
        unix_time: run::unix_now(),
        machine: run::machine(),
        pinning: pinning.as_ref().map(pin::Pinning::describe),
        hosts: Vec::new(),
    };
    // A host that fails ends the run, but what the hosts before it measured is still saved.
    let mut failure = None;
    for kind in kinds {
        let cpus = pinning.as_ref().map(|p| p.host.as_str());
        match tokio::task::LocalSet::new().block_on(&rt, run::host(&args, kind, cpus)) {
            Ok(result) => run.hosts.push(result),
            Err(e) => {
                failure = Some(e.context(format!("host {}", kind.name())));
                break;
            }
        }
    }
    if !args.only.is_empty() {
        // Not a whole run: kept out of the report's history, but readable.
        let path = std::env::temp_dir().join(format!("cinema-bench-only-{}.json", run.label));
        std::fs::write(&path, serde_json::to_string_pretty(&run)?)?;
        eprintln!(
            "--only: nothing saved in {}; the parts measured are in {}",
            args.out.display(),
            path.display()
        );
        eprint!("{}", report::timing_markdown(&run));
    } else if !run.hosts.is_empty() {
        let path = report::save(&args.out, &run)?;
        eprintln!("results: {}", path.display());
        let history = report::history(&args.out)?;
        write_report(&args, &run, &history)?;
    }
    failure.map_or(Ok(()), Err)
}

fn write_report(args: &Args, run: &run::Run, history: &[run::Run]) -> anyhow::Result<()> {
    if let Err(e) = chart::draw(&args.out.join("report.png"), run) {
        eprintln!("no chart: {e:#}");
    }
    let analysis = std::fs::read_to_string(args.out.join("ANALYSIS.md")).ok();
    std::fs::write(
        args.out.join("REPORT.md"),
        report::markdown(run, history, analysis.as_deref()),
    )?;
    eprintln!("wrote {}/REPORT.md and report.png", args.out.display());
    Ok(())
}
