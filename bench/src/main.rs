//! `cinema-bench`: measures the cinema platform against a hello-world component served by the
//! same host in the same run, and writes `bench/REPORT.md` and `bench/report.png`.
//! `bench/run` is the one command; `cinema-bench --help` lists the knobs.

mod chart;
mod fixture;
mod http;
mod load;
mod local;
mod report;
mod run;
mod scenarios;

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

#[derive(Parser, Clone)]
#[command(about = "Benchmarks the cinema platform; writes bench/REPORT.md and bench/report.png")]
pub struct Args {
    /// The devhost binary for local runs.
    #[arg(long, default_value = "target/host-release/devhost")]
    pub devhost: PathBuf,
    /// Measure an app started elsewhere (e.g. `spin up … --variable dev_auth=true`) instead of
    /// starting one on devhost.
    #[arg(long)]
    pub base_url: Option<String>,
    /// The hello-world baseline on the same host as `--base-url` (required with it for ratios).
    #[arg(long)]
    pub hello_url: Option<String>,
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
    /// Run only these parts (comma-separated: `closed`, `e2e`, `sustained`, `cold`) and write
    /// nothing: for profiling one path. The report needs every part.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

impl Args {
    pub fn runs(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.report_only {
        let history = report::history(&args.out)?;
        let latest = history.last().context("no saved runs in <out>/results")?;
        return write_report(&args, latest, &history);
    }
    // One thread: the generator takes at most one of the machine's cores, and never more in one
    // scenario than in another.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = tokio::task::LocalSet::new().block_on(&rt, run::all(&args))?;
    if !args.only.is_empty() {
        eprintln!("--only: nothing saved");
        return Ok(());
    }
    let path = report::save(&args.out, &result)?;
    eprintln!("results: {}", path.display());
    let history = report::history(&args.out)?;
    write_report(&args, &result, &history)
}

fn write_report(
    args: &Args,
    result: &run::RunResult,
    history: &[run::RunResult],
) -> anyhow::Result<()> {
    if let Err(e) = chart::draw(&args.out.join("report.png"), result) {
        eprintln!("no chart: {e:#}");
    }
    let analysis = std::fs::read_to_string(args.out.join("ANALYSIS.md")).ok();
    std::fs::write(
        args.out.join("REPORT.md"),
        report::markdown(result, history, analysis.as_deref()),
    )?;
    eprintln!("wrote {}/REPORT.md and report.png", args.out.display());
    Ok(())
}
