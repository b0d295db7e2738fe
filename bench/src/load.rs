//! The load generator: closed-loop (N workers, each sends its next request when the previous one
//! answered) and fixed-rate (open loop: request i is due at `start + i / rate`, and its latency is
//! measured from that due time, so a stalled server is charged for the requests it delayed —
//! coordinated omission). Latencies go into an HDR histogram in microseconds.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// One unit of work (a request, or a booking plus its polls); `Ok(())` counts as a success, an
/// error carries a short reason (e.g. `"status 409"`).
pub type Job = Rc<dyn Fn(u64) -> Pin<Box<dyn Future<Output = Result<(), String>>>>>;

/// The outcome of one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    pub ok: u64,
    pub failed: u64,
    /// Failure reasons and how often they occurred.
    pub failures: BTreeMap<String, u64>,
    pub seconds: f64,
    /// Successful jobs per second over the measured window.
    pub per_s: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// For fixed-rate runs: the rate asked for.
    pub target_per_s: Option<f64>,
}

struct Recorder {
    hist: Histogram<u64>,
    ok: u64,
    failures: BTreeMap<String, u64>,
}

impl Recorder {
    fn new() -> Self {
        Self {
            hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds"),
            ok: 0,
            failures: BTreeMap::new(),
        }
    }

    fn record(&mut self, latency: Duration, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.ok += 1;
                let us = u64::try_from(latency.as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                self.hist.saturating_record(us);
            }
            Err(reason) => *self.failures.entry(reason).or_default() += 1,
        }
    }

    fn outcome(&self, seconds: f64, target: Option<f64>) -> Outcome {
        let ms = |q: f64| self.hist.value_at_quantile(q) as f64 / 1000.0;
        Outcome {
            ok: self.ok,
            failed: self.failures.values().sum(),
            failures: self.failures.clone(),
            seconds,
            per_s: self.ok as f64 / seconds,
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            max_ms: self.hist.max() as f64 / 1000.0,
            target_per_s: target,
        }
    }
}

/// `workers` concurrent loops for `warmup + duration`; only jobs that start after the warm-up
/// are recorded.
pub async fn closed_loop(
    job: Job,
    workers: usize,
    warmup: Duration,
    duration: Duration,
) -> Outcome {
    let rec = Rc::new(std::cell::RefCell::new(Recorder::new()));
    let counter = Rc::new(std::cell::Cell::new(0_u64));
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (job, rec, counter) = (job.clone(), rec.clone(), counter.clone());
        tasks.push(tokio::task::spawn_local(async move {
            loop {
                let began = Instant::now();
                if began >= end {
                    break;
                }
                let i = counter.get();
                counter.set(i + 1);
                let result = job(i).await;
                if began >= measure_from {
                    rec.borrow_mut().record(began.elapsed(), result);
                }
            }
        }));
    }
    for t in tasks {
        t.await.ok();
    }
    let seconds = duration.as_secs_f64();
    rec.borrow().outcome(seconds, None)
}

/// Open loop at `rate` jobs/s for `duration`; latency from each job's due time. Jobs still
/// running `grace` after the last one was due count as failed (`"unfinished"`).
pub async fn fixed_rate(job: Job, rate: f64, duration: Duration, grace: Duration) -> Outcome {
    let rec = Rc::new(std::cell::RefCell::new(Recorder::new()));
    let start = Instant::now() + Duration::from_millis(20);
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (job, rec) = (job.clone(), rec.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let result = job(i).await;
            rec.borrow_mut().record(due.elapsed(), result);
        }));
    }
    let deadline = tokio::time::Instant::now() + grace;
    for t in tasks {
        if tokio::time::timeout_at(deadline, async {
            let mut t = t;
            (&mut t).await.ok();
        })
        .await
        .is_err()
        {
            rec.borrow_mut()
                .record(Duration::ZERO, Err("unfinished".into()));
        }
    }
    let seconds = duration.as_secs_f64();
    rec.borrow().outcome(seconds, Some(rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sleeper(ms: u64) -> Job {
        Rc::new(move |_| {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(())
            })
        })
    }

    fn run<F: Future>(f: F) -> F::Output {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        tokio::task::LocalSet::new().block_on(&rt, f)
    }

    #[test]
    fn a_closed_loop_of_two_workers_on_10ms_jobs_does_about_200_per_second() {
        let o = run(closed_loop(
            sleeper(10),
            2,
            Duration::ZERO,
            Duration::from_millis(500),
        ));
        assert!((120.0..=210.0).contains(&o.per_s), "{o:?}");
        assert!(o.p50_ms >= 10.0, "{o:?}");
    }

    #[test]
    fn a_fixed_rate_run_charges_latency_from_the_due_time() {
        // One job every 10 ms, each taking 5 ms: no queueing, latency ≈ job time.
        let o = run(fixed_rate(
            sleeper(5),
            100.0,
            Duration::from_millis(500),
            Duration::from_secs(1),
        ));
        assert_eq!(o.ok, 50);
        assert!(o.p50_ms >= 5.0 && o.p50_ms < 30.0, "{o:?}");
    }
}
