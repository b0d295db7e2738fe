//! `bench/REPORT.md`: the method, the machine, issue 17's goals per host as ratios to the host's
//! own baselines (hello-world and the floor app), the absolute numbers (marked this-machine-only)
//! and the history of runs (`bench/results/*.json`) for before/after.

use std::path::{Path, PathBuf};

use crate::run::{HostKind, Run, RunResult, median};

/// Appends a formatted line to a `String` (formatting into memory cannot fail).
macro_rules! out {
    ($s:expr, $($t:tt)*) => {{
        $s.push_str(&format!($($t)*));
        $s.push('\n');
    }};
}

pub fn save(out: &Path, r: &Run) -> anyhow::Result<PathBuf> {
    let dir = out.join("results");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}-{}.json", r.unix_time, r.label));
    std::fs::write(&path, serde_json::to_string_pretty(r)?)?;
    Ok(path)
}

/// Every saved run, oldest first: new files (one or more hosts) and old ones (one devhost result).
pub fn history(out: &Path) -> anyhow::Result<Vec<Run>> {
    let mut runs = Vec::new();
    let Ok(entries) = std::fs::read_dir(out.join("results")) else {
        return Ok(runs);
    };
    for e in entries.flatten() {
        if e.path().extension().is_some_and(|x| x == "json") {
            match Run::from_json(&std::fs::read(e.path())?) {
                Ok(r) => runs.push(r),
                Err(err) => eprintln!("skipping {}: {err}", e.path().display()),
            }
        }
    }
    runs.sort_by_key(|r| r.unix_time);
    Ok(runs)
}

fn spread(v: &[f64]) -> String {
    let Some(m) = median(v) else {
        return "n/a".into();
    };
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{m:.3} ({lo:.3}–{hi:.3})")
}

fn mark(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "✅ met",
        Some(false) => "❌ not met",
        None => "– not measured",
    }
}

/// Issue 17's targets.
const BOOKING_FLOOR: f64 = 0.5;
const ABSORBED_BOOKING: f64 = 0.9;
const CONFIRMED_P99_MS: f64 = 100.0;
const WASM_MAX: u64 = 400_000;
const COLD_MAX: f64 = 2.0;

fn cold_ratio(r: &RunResult) -> Option<f64> {
    let c = r.cold.as_ref()?;
    Some(median(&c.cinema_ms)? / median(&c.hello_ms)?)
}

fn biggest_wasm(r: &RunResult) -> Option<(String, u64)> {
    r.wasm
        .iter()
        .filter(|w| !w.0.contains("baseline"))
        .max_by_key(|w| w.2)
        .map(|w| (w.0.clone(), w.2))
}

/// The highest absorbed step ÷ the closed-loop booking rate (`None`: no steps, or no rate).
fn absorbed_ratio(r: &RunResult) -> Option<f64> {
    let booking = r.median_per_s("booking")?;
    (!r.sustained.is_empty() && booking > 0.0).then(|| r.best_absorbed() / booking)
}

fn confirmed_ok(o: &crate::load::Outcome) -> bool {
    o.ok > 0 && o.failed == 0 && o.p99_ms <= CONFIRMED_P99_MS
}

/// A booking → CONFIRMED row of the goals; `judged`: the row the goal is judged on (else
/// reported beside it).
fn confirmed_row(s: &mut String, how: &str, o: &crate::load::Outcome, judged: bool) {
    out!(
        s,
        "| Booking → CONFIRMED ({how}), p99 at half the closed-loop booking rate ({:.1}/s*) | ≤ {CONFIRMED_P99_MS:.0} ms | {} ({} confirmed, {} failed) | {} |",
        o.target_per_s.unwrap_or(0.0),
        if o.ok == 0 {
            "none confirmed within 10 s".to_string()
        } else {
            format!(
                "p99 {:.1} ms* (p50 {:.1}, p90 {:.1})",
                o.p99_ms, o.p50_ms, o.p90_ms
            )
        },
        o.ok,
        o.failed,
        if judged {
            mark(Some(confirmed_ok(o)))
        } else if confirmed_ok(o) {
            "(within)"
        } else {
            "(beyond)"
        }
    );
}

const OVERLOAD_P99: f64 = 3.0;

fn overload_goal(s: &mut String, r: &RunResult) {
    let what = "Under 2× overload: no 5xx but 503 + `Retry-After`; accepted bookings' p99 ≤ 3× the half-load p99";
    let Some(o) = &r.overload else {
        out!(
            s,
            "| {what} | as stated | no overload run | {} |",
            mark(None)
        );
        return;
    };
    let refused: Vec<String> = o
        .double
        .failures
        .iter()
        .map(|(k, n)| format!("{n} × {k}"))
        .collect();
    let ratio = o.p99_ratio();
    out!(
        s,
        "| {what} | as stated | {:.1}/s offered{}: {} accepted, p99 {:.1} ms vs {:.1} ms at {:.1}/s ({}); refused: {}; {} not allowed | {} |",
        o.double.target_per_s.unwrap_or(0.0),
        o.max_in_flight
            .map_or(String::new(), |n| format!(" (max_in_flight {n})")),
        o.double.ok,
        o.double.p99_ms,
        o.half.p99_ms,
        o.half.target_per_s.unwrap_or(0.0),
        ratio.map_or("n/a".into(), |x| format!("{x:.1}×")),
        if refused.is_empty() {
            "none".to_string()
        } else {
            refused.join(", ")
        },
        o.disallowed(),
        mark(ratio.map(|x| x <= OVERLOAD_P99 && o.disallowed() == 0))
    );
}

fn host_heading(s: &mut String, r: &RunResult) {
    out!(s, "### {}\n", r.kind.name());
}

fn goals(s: &mut String, r: &RunResult) {
    host_heading(s, r);
    s.push_str("| Goal | Target | Measured (median of rounds, min–max) | |\n|---|---|---|---|\n");
    for (key, what) in [
        (
            "booking",
            "Booking `POST /api/reservations` ÷ floor app, requests/s",
        ),
        (
            "hold_pay",
            "Booking with its hold (hold → pay) ÷ floor app, bookings/s",
        ),
    ] {
        let v = r.ratios_to(key, "floor");
        out!(
            s,
            "| {what} | ≥ {BOOKING_FLOOR}× | {} | {} |",
            spread(&v),
            mark(median(&v).map(|m| m >= BOOKING_FLOOR))
        );
    }
    let absorbed = absorbed_ratio(r);
    out!(
        s,
        "| Pipeline absorbs (no growing backlog): highest absorbed fixed-rate step ÷ closed-loop booking rate | ≥ {ABSORBED_BOOKING}× | {} | {} |",
        absorbed.map_or("n/a".into(), |a| format!(
            "{a:.2}× ({:.1} of {:.1} bookings/s*)",
            r.best_absorbed(),
            r.median_per_s("booking").unwrap_or(0.0)
        )),
        mark(absorbed.map(|a| a >= ABSORBED_BOOKING - 1e-9))
    );
    match &r.e2e {
        Some(e) => {
            // The watched event is the goal's probe when there is one (it adds no load); the
            // customer's page poll is reported next to it.
            if let Some(w) = &e.watched {
                confirmed_row(
                    s,
                    "the `ReservationConfirmed` event, watched on the stream",
                    w,
                    true,
                );
            }
            confirmed_row(
                s,
                "on the customer's page (polled)",
                &e.outcome,
                e.watched.is_none(),
            );
        }
        None => out!(
            s,
            "| Booking → CONFIRMED, p99 at half the closed-loop booking rate | ≤ {CONFIRMED_P99_MS:.0} ms | n/a | {} |",
            mark(None)
        ),
    }
    overload_goal(s, r);
    if let Some((id, b)) = biggest_wasm(r) {
        let over = r
            .wasm
            .iter()
            .filter(|w| !w.0.contains("baseline") && w.2 > WASM_MAX)
            .count();
        out!(
            s,
            "| Every component ≤ 400 KB of wasm | ≤ 400 KB | largest {id} ({:.0} KB); {over} over | {} |",
            b as f64 / 1000.0,
            mark(Some(over == 0))
        );
    }
    let cold = cold_ratio(r);
    out!(
        s,
        "| `up` to first 200 ÷ hello-world app's (warm cache) | ≤ {COLD_MAX}× | {} | {} |\n",
        cold.map_or("n/a".into(), |c| format!("{c:.2}×")),
        mark(cold.map(|c| c <= COLD_MAX))
    );
}

/// The closed-loop ratios of every host next to each other (ratios within a host only).
fn side_by_side(s: &mut String, run: &Run) {
    s.push_str("## Throughput ratios, host by host\n\nEach host's scenarios ÷ that host's own baselines in the same rounds (median of the rounds). The two hosts are never divided by each other.\n\n| Scenario |");
    for h in &run.hosts {
        s.push_str(&format!(" {0} ÷ hello | {0} ÷ floor |", h.kind.name()));
    }
    s.push_str("\n|---|");
    for _ in &run.hosts {
        s.push_str("---|---|");
    }
    s.push('\n');
    for scenario in &crate::scenarios::CLOSED {
        if run
            .hosts
            .iter()
            .all(|h| !h.closed.contains_key(scenario.key))
        {
            continue;
        }
        s.push_str(&format!("| {} |", scenario.what));
        for h in &run.hosts {
            let cell = |b: &str| {
                median(&h.ratios_to(scenario.key, b)).map_or("n/a".into(), |m| format!("{m:.3}"))
            };
            s.push_str(&format!(" {} | {} |", cell("hello"), cell("floor")));
        }
        s.push('\n');
    }
    s.push('\n');
}

fn closed_table(s: &mut String, r: &RunResult) {
    host_heading(s, r);
    s.push_str("| Scenario | ÷ hello (median, min–max) | ÷ floor (median, min–max) | req/s* | p50 ms* | p90 ms* | p99 ms* | failed |\n|---|---|---|---|---|---|---|---|\n");
    for scenario in &crate::scenarios::CLOSED {
        let Some(v) = r.closed.get(scenario.key) else {
            continue;
        };
        let med = |f: fn(&crate::load::Outcome) -> f64| {
            median(&v.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0)
        };
        let failed: u64 = v.iter().map(|o| o.failed).sum();
        out!(
            s,
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {failed} |",
            scenario.what,
            spread(&r.ratios_to(scenario.key, "hello")),
            spread(&r.ratios_to(scenario.key, "floor")),
            med(|o| o.per_s),
            med(|o| o.p50_ms),
            med(|o| o.p90_ms),
            med(|o| o.p99_ms)
        );
    }
    s.push('\n');
    if let Some(wrk) = r.wrk_hello {
        out!(
            s,
            "Cross-check: `wrk -t1 -c{}` on the hello-world app: {wrk:.0} requests/s* (the generator's own median: {:.0}).\n",
            r.workers,
            r.median_per_s("hello").unwrap_or(0.0)
        );
    }
}

fn e2e_section(s: &mut String, r: &RunResult) {
    let Some(e) = &r.e2e else {
        return;
    };
    host_heading(s, r);
    if let Some(w) = &e.watched {
        out!(
            s,
            "**Watched** (the goal's probe): open loop at {:.1} bookings/s for {} s; one thread reads the event stream (`XREAD BLOCK` on one Redis connection) and notes when each `ReservationConfirmed` arrives; a booking's latency runs from when it was due to that moment. No request is added to the load. Among the confirmed: p50 {:.1} ms*, p90 {:.1} ms*, p99 {:.1} ms*, max {:.1} ms*; {} confirmed, {} failed {:?}.\n",
            w.target_per_s.unwrap_or(0.0),
            r.duration_s,
            w.p50_ms,
            w.p90_ms,
            w.p99_ms,
            w.max_ms,
            w.ok,
            w.failed,
            w.failures
        );
        s.push_str("**Polled** (what a customer's page sees), on a drained pipeline after it:\n\n");
    }
    out!(
        s,
        "Open loop at {:.1} bookings/s (half the median closed-loop booking throughput) for {} s; each booking by its own customer, then `GET /api/my/reservations` until it shows `CONFIRMED`: {}. Latency runs from the moment the booking was *due* (coordinated omission: a stalled server is charged for the delay it causes), so it includes the booking itself and is quantised by the poll interval. The polls add {:.1} requests per booking to the load.\n",
        e.outcome.target_per_s.unwrap_or(0.0),
        r.duration_s,
        match e.poll_max_ms {
            Some(max) => format!(
                "every {} ms for the first {} ms after the booking is accepted (the goal's window), then backing off (doubling, at most {max} ms apart) as a customer's page would",
                e.poll_ms,
                crate::scenarios::PRECISE_FOR.as_millis()
            ),
            None => format!("every {} ms", e.poll_ms),
        },
        e.polls_per_booking
    );
    out!(
        s,
        "Among the confirmed (0 ms when none): p50 {:.1} ms*, p90 {:.1} ms*, p99 {:.1} ms*, max {:.1} ms*; {} confirmed, {} failed {:?}. Event backlog (lag + pending over the consumer groups): max {}, at the end {}, slope over the second half {:+.1} events/s.\n",
        e.outcome.p50_ms,
        e.outcome.p90_ms,
        e.outcome.p99_ms,
        e.outcome.max_ms,
        e.outcome.ok,
        e.outcome.failed,
        e.outcome.failures,
        e.backlog.max,
        e.backlog.last,
        e.backlog.slope_per_s
    );
}

fn sustained_section(s: &mut String, r: &RunResult) {
    if r.sustained.is_empty() {
        return;
    }
    host_heading(s, r);
    let hello = r.median_per_s("hello").unwrap_or(0.0);
    let booking = r.median_per_s("booking").unwrap_or(0.0);
    let div = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    s.push_str("| Asked/s* | ÷ closed-loop booking | ÷ hello | Achieved/s* | p99 ms* | failed | backlog at start | backlog max | slope ev/s | drain s | absorbed |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for st in &r.sustained {
        let o = &st.outcome;
        let asked = o.target_per_s.unwrap_or(0.0);
        out!(
            s,
            "| {asked:.1} | {:.2} | {:.3} | {:.1} | {:.1} | {} | {} | {} | {:+.1} | {} | {} |",
            div(asked, booking),
            div(asked, hello),
            o.per_s,
            o.p99_ms,
            o.failed,
            st.backlog_at_start.map_or("?".into(), |b| b.to_string()),
            st.backlog.max,
            st.backlog.slope_per_s,
            st.drain_s.map_or("> 60".into(), |d| format!("{d:.2}")),
            if st.absorbed { "yes" } else { "no" }
        );
    }
    let best = r.best_absorbed();
    out!(
        s,
        "\nHighest absorbed step: {best:.1} bookings/s* = {:.2}× the closed-loop booking rate ({booking:.1}/s*) = {:.3}× hello-world.\n",
        div(best, booking),
        div(best, hello)
    );
}

fn connections_section(s: &mut String, run: &Run) {
    if run.hosts.iter().all(|h| h.redis_connections.is_none()) {
        return;
    }
    s.push_str("## Redis connections per booking\n\nRedis's `INFO stats` `total_connections_received` around sequential bookings (one at a time, on a drained pipeline), the bench's own `redis-cli` connections taken out. *During*: while the bookings ran — the request path (gateway, reservation, payment) plus what the event pipeline did meanwhile; *after*: from the last booking's answer until every consumer group caught up, plus one second. Spin's outbound Redis connects afresh in every instance that opens a connection; devhost keeps one connection per address for the whole process.\n\n| Host | bookings | during, per booking | after, per booking | total per booking | booking ms (sequential) | idle app, connections/s |\n|---|---|---|---|---|---|---|\n");
    for h in &run.hosts {
        let Some(c) = &h.redis_connections else {
            continue;
        };
        out!(
            s,
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1} |",
            h.kind.name(),
            c.bookings,
            c.per_booking(c.during),
            c.per_booking(c.after),
            c.per_booking(c.during + c.after),
            c.during_s * 1000.0 / c.bookings.max(1) as f64,
            c.idle_per_s
        );
    }
    s.push('\n');
}

/// What each entry of the `Server-Timing` breakdown is.
fn span_meaning(name: &str) -> &'static str {
    let (_, step) = name.split_once('.').unwrap_or(("", name));
    match step {
        "gw" => "gateway, whole request (inside the component)",
        "rsv" => "reservation, whole request",
        "pay" => "payment, whole request",
        "admit" => "JWT check and rate-limit `EVAL` (with the Redis connect)",
        "gate" => "in-flight slot `EVAL`",
        "release" => "in-flight slot `ZREM`",
        "fwd" => "the forward, until the context's answer",
        "redis-connect" => "opening a Redis connection",
        "sql-open" => "opening SQLite (and three `PRAGMA`s)",
        "sql-begin" => "`BEGIN IMMEDIATE`: waiting for the write lock",
        "sql-work" => "statements inside transactions",
        "sql-commit" => "`COMMIT`",
        "kv-open" => "opening a key-value store",
        "kv-get" => "key-value reads (the payment breaker)",
        "pay-call" => "the payment call, until its answer",
        "relay-select" => "relay: reading the outbox",
        "relay-eval" => "relay: `XADD` and the doorbell in one `EVAL`",
        "relay-mark" => "relay: marking the rows sent (a write)",
        _ => "",
    }
}

/// The order of the breakdown's rows: the gateway, then what it called, each total first.
fn span_order(name: &str) -> (usize, bool, String) {
    let (component, step) = name
        .split_once('.')
        .map_or((name, None), |(c, s)| (c, Some(s)));
    let rank = ["gw", "rsv", "pay"]
        .iter()
        .position(|c| *c == component)
        .unwrap_or(3);
    (rank, step.is_some(), step.unwrap_or_default().to_string())
}

/// The `Server-Timing` breakdown alone (empty without one), e.g. after `--only timing`.
pub fn timing_markdown(run: &Run) -> String {
    let mut s = String::new();
    timing_section(&mut s, run);
    s
}

fn timing_section(s: &mut String, run: &Run) {
    let hosts: Vec<(&RunResult, &crate::timing::Timings)> = run
        .hosts
        .iter()
        .filter_map(|h| Some((h, h.timing.as_ref()?)))
        .collect();
    if hosts.is_empty() {
        return;
    }
    s.push_str("## Where a booking's time goes (`Server-Timing`)

Mean milliseconds per accepted booking, from the `Server-Timing` header the components answer with when `server_timing` is on (guest-side clocks around each host call; a nested component's entries come back through its caller). *One at a time*: bookings 50 ms apart; *closed loop*: the closed-loop connections at once for 4 s. A span that runs more than once per booking shows its count. The gaps between nested totals are the host's: instantiating the next component and the service-chaining hop.

");
    let mut header = "| Step | What |".to_string();
    let mut rule = "|---|---|".to_string();
    for (h, t) in &hosts {
        header.push_str(&format!(" {} one at a time |", h.kind.name()));
        rule.push_str("---|");
        if let Some(l) = &t.loaded {
            header.push_str(&format!(
                " {} closed loop ({}) |",
                h.kind.name(),
                l.concurrency
            ));
            rule.push_str("---|");
        }
    }
    out!(s, "{header}");
    out!(s, "{rule}");
    let row = |s: &mut String,
               label: &str,
               what: &str,
               value: &dyn Fn(&crate::timing::Breakdown) -> Option<String>| {
        let mut line = format!("| {label} | {what} |");
        for (_, t) in &hosts {
            for b in std::iter::once(&t.sequential).chain(t.loaded.as_ref()) {
                line.push_str(&format!(" {} |", value(b).unwrap_or_else(|| "–".into())));
            }
        }
        out!(s, "{line}");
    };
    let ms = |v: f64| Some(format!("{v:.2}"));
    // An outer span (`None`: the client's round trip) minus the total of what it called.
    let gap = |b: &crate::timing::Breakdown, outer: Option<&str>, inner: &str| {
        let outer = match outer {
            Some(name) => b.spans.get(name)?.ms,
            None => b.client_ms,
        };
        ms(outer - b.spans.get(inner)?.ms)
    };
    row(s, "bookings", "accepted bookings with the header", &|b| {
        Some(b.bookings.to_string())
    });
    row(s, "**client**", "the client's round trip", &|b| {
        ms(b.client_ms)
    });
    row(
        s,
        "outside the gateway",
        "client − `gw`: the host's HTTP and the gateway's instance",
        &|b| gap(b, None, "gw"),
    );
    row(
        s,
        "gateway → reservation",
        "`gw.fwd` − `rsv`: the hop and the reservation's instance",
        &|b| gap(b, Some("gw.fwd"), "rsv"),
    );
    row(
        s,
        "reservation → payment",
        "`rsv.pay-call` − `pay`: the hop and the payment's instance",
        &|b| gap(b, Some("rsv.pay-call"), "pay"),
    );
    let mut names: Vec<&String> = hosts
        .iter()
        .flat_map(|(_, t)| {
            t.sequential
                .spans
                .keys()
                .chain(t.loaded.iter().flat_map(|l| l.spans.keys()))
        })
        .collect();
    names.sort_by_key(|n| span_order(n));
    names.dedup();
    for name in names {
        let label = if name.contains('.') {
            format!("`{name}`")
        } else {
            format!("**`{name}`**")
        };
        row(s, &label, span_meaning(name), &|b| {
            let span = b.spans.get(name)?;
            Some(if span.n > 1.05 {
                format!("{:.2} (×{:.1})", span.ms, span.n)
            } else {
                format!("{:.2}", span.ms)
            })
        });
    }
    s.push('\n');
}

fn cold_section(s: &mut String, r: &RunResult) {
    let Some(c) = &r.cold else {
        return;
    };
    host_heading(s, r);
    let (up, empty) = match r.kind {
        HostKind::Spin => (
            "`spin up`",
            "Wasmtime cache off (`--disable-cache`: every component compiled at start)",
        ),
        _ => (
            "`devhost up`",
            "Empty cache (every component compiled by Cranelift at start)",
        ),
    };
    out!(
        s,
        "{up} spawned → first 200 on a component route (`/` for hello, `/api/movies` through gateway → catalog for the cinema; fresh Redis, fresh stores), polled every 2 ms. Compiled-component cache warm (the usual case): hello {} ms*, cinema {} ms* → ratio **{}**. {empty}: hello {:.0} ms*, cinema {:.0} ms* → {:.1}×.\n",
        fmt_list(&c.hello_ms),
        fmt_list(&c.cinema_ms),
        cold_ratio(r).map_or("n/a".into(), |x| format!("{x:.2}×")),
        c.hello_nocache_ms,
        c.cinema_nocache_ms,
        c.cinema_nocache_ms / c.hello_nocache_ms
    );
}

fn sizes_table(s: &mut String, run: &Run) {
    let Some(first) = run.hosts.first() else {
        return;
    };
    s.push_str("Per wasm file: its size, compiling it (empty cache) and loading it compiled (warm cache, median of the warm starts), from devhost's log (Spin does not log them); the ratios are to the hello-world component's. devhost compiles the files in parallel on the cores it may use, so a compile time includes waiting for a core.\n\n| Component id(s) | wasm | KB | ≤ 400 KB | compile ms* | ÷ hello | cached load ms* | ÷ hello |\n|---|---|---|---|---|---|---|---|\n");
    let starts = run
        .hosts
        .iter()
        .filter_map(|h| h.cold.as_ref())
        .find(|c| !c.components.is_empty())
        .map_or(&[][..], |c| c.components.as_slice());
    // The baseline's row is named "hello (baseline)"; its component id is "hello".
    let start_of = |ids: &str| {
        starts.iter().find(|c| {
            ids.split(", ")
                .any(|id| id == c.id || id.strip_suffix(" (baseline)") == Some(c.id.as_str()))
        })
    };
    let hello_start = start_of("hello (baseline)");
    let cell = |v: Option<f64>, base: Option<f64>| {
        // Loads take a few milliseconds, compiles thousands: one decimal below 100.
        let show = |v: f64| {
            if v < 100.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.0}")
            }
        };
        match (v, base) {
            (Some(v), Some(b)) if b > 0.0 => (show(v), format!("{:.1}×", v / b)),
            (Some(v), _) => (show(v), "n/a".into()),
            _ => ("n/a".into(), "n/a".into()),
        }
    };
    for (ids, file, bytes) in &first.wasm {
        let c = start_of(ids);
        let (compile, compile_ratio) = cell(
            c.and_then(|c| c.compile_ms),
            hello_start.and_then(|h| h.compile_ms),
        );
        let (load, load_ratio) = cell(
            c.and_then(|c| median(&c.load_ms)),
            hello_start.and_then(|h| median(&h.load_ms)),
        );
        out!(
            s,
            "| {ids} | `{file}` | {:.0} | {} | {compile} | {compile_ratio} | {load} | {load_ratio} |",
            *bytes as f64 / 1000.0,
            if *bytes <= WASM_MAX { "yes" } else { "no" }
        );
    }
}

fn history_table(s: &mut String, history: &[Run]) {
    s.push_str("\n## History (before / after)\n\nEvery run saved in `bench/results/` (runs before issue 17 measured devhost only and had no floor baseline); ratios are comparable across runs of one host, absolute numbers less so.\n\n| Run | Host | When (unix) | booking ÷ hello | booking ÷ floor | hold → pay ÷ hello | hold → pay ÷ floor | catalog ÷ hello | e2e p99 ms* | highest absorbed ÷ hello | highest absorbed ÷ booking | cold ratio | largest wasm KB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for run in history {
        for h in &run.hosts {
            let hello = h.median_per_s("hello").unwrap_or(0.0);
            out!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                run.label,
                h.kind.name(),
                h.unix_time,
                spread(&h.ratios("booking")),
                spread(&h.ratios_to("booking", "floor")),
                spread(&h.ratios("hold_pay")),
                spread(&h.ratios_to("hold_pay", "floor")),
                spread(&h.ratios("catalog")),
                h.e2e.as_ref().filter(|e| e.outcome.ok > 0).map_or(
                    "none confirmed".into(),
                    |e| format!("{:.1}", e.outcome.p99_ms)
                ),
                if hello > 0.0 {
                    format!("{:.3}", h.best_absorbed() / hello)
                } else {
                    "n/a".into()
                },
                absorbed_ratio(h).map_or("n/a".into(), |a| format!("{a:.2}")),
                cold_ratio(h).map_or("n/a".into(), |c| format!("{c:.2}")),
                biggest_wasm(h).map_or("n/a".into(), |(_, b)| format!("{:.0}", b as f64 / 1000.0)),
            );
        }
    }
}

/// `analysis` is the hand-written `bench/ANALYSIS.md` (findings, optimisations), included verbatim.
pub fn markdown(run: &Run, history: &[Run], analysis: Option<&str>) -> String {
    let mut s = String::new();
    s.push_str("# Benchmarks\n\nGenerated by `bench/run` (the `cinema-bench` crate). Every goal is a **ratio to a baseline measured in the same run on the same host**, and there are two: a hello-world component (`devhost/fixtures/crates/hello`: the least a host does for a request) and the **floor app** (`bench/floor/`: a public component that calls a private one through service chaining, each committing one SQLite row in its own database with WAL and `synchronous = NORMAL` — the least a paid booking needs). Each host runs its own baselines next to the cinema app; ratios are never taken across hosts. Absolute numbers are **this machine, this moment only**.\n\n");
    out!(
        s,
        "Run `{}` at unix {} on {}.\n",
        run.label,
        run.unix_time,
        run.machine
    );
    for h in &run.hosts {
        out!(s, "- **{}**: {}", h.kind.name(), h.host);
    }
    out!(
        s,
        "\n{}. The machine is shared with other engineers' builds (load averages below), so numbers are noisy: ratios are taken per round, within one host, and single-run differences under ~30 % are noise.\n",
        run.pinning.as_deref().map_or_else(
            || "Not pinned to CPUs (or not recorded)".to_string(),
            |p| format!("Pinned: {p}")
        )
    );

    s.push_str("## Goals (issue 17)\n\nPer host, each against that host's own baselines.\n\n");
    for h in &run.hosts {
        goals(&mut s, h);
    }
    side_by_side(&mut s, run);

    s.push_str("## Throughput and latency (closed loop)\n\n");
    if let Some(r) = run.hosts.first() {
        out!(
            s,
            "{} connections, {} s warm-up then {} s measured per round; the rounds interleave the scenarios so each sees the same noise. Ratios are per round (scenario ÷ the baseline of the same round on the same host); the absolute columns are medians of the rounds.\n",
            r.workers,
            r.warmup_s,
            r.duration_s
        );
    }
    for h in &run.hosts {
        closed_table(&mut s, h);
    }
    s.push_str("\\* this machine only.\n\n");

    if run.hosts.iter().any(|h| h.e2e.is_some()) {
        s.push_str("## Booking → CONFIRMED visible (fixed rate)\n\n");
        for h in &run.hosts {
            e2e_section(&mut s, h);
        }
    }
    if run.hosts.iter().any(|h| !h.sustained.is_empty()) {
        s.push_str("## Sustained pipeline (fixed-rate steps)\n\nEach step books at a fixed rate (a fraction of that host's closed-loop booking rate) for the run's duration while the event backlog is sampled every 200 ms. *Absorbed*: ≥ 99 % accepted, ≥ 95 % of the asked rate achieved, and the backlog drained within 1 s of the last booking.\n\n");
        for h in &run.hosts {
            sustained_section(&mut s, h);
        }
    }
    connections_section(&mut s, run);
    timing_section(&mut s, run);

    s.push_str("## Cold start and size\n\n");
    for h in &run.hosts {
        cold_section(&mut s, h);
    }
    sizes_table(&mut s, run);

    s.push_str("\n## Machine load during the run\n\n`/proc/loadavg` (1, 5, 15 min) — the machine is shared; high values mean noisier numbers.\n\n");
    for h in &run.hosts {
        host_heading(&mut s, h);
        for (when, l) in &h.load {
            out!(s, "- {when}: {l}");
        }
        s.push('\n');
    }

    history_table(&mut s, history);
    if let Some(a) = analysis {
        s.push_str("\n## Analysis (hand-written, `bench/ANALYSIS.md`)\n\n");
        s.push_str(a.trim_start_matches(|c| c != '\n').trim_start());
        s.push('\n');
    }
    s.push_str("\n## Method\n\n- Load generator: `bench/src/load.rs` (tokio, one thread, hyper HTTP/1.1 keep-alive client; HDR histograms, 3 significant digits). Closed loop: N connections, each sends its next request when the previous answered (measures capacity). Fixed rate: request *i* is due at start + i/rate and its latency counts from that due time (coordinated-omission aware).\n- Hosts (`--host devhost|spin|both`, one after the other): devhost (`target/host-release/devhost`) or a real `spin up` (`../shared/tools/spin/spin`, else `spin` on PATH). On each, like the end-to-end harness and `scripts/e2e-spin`: the cinema app with a private `redis-server` on a free port, fresh SQLite and key-value files in a temp dir (key-value files created in WAL mode), `dev_auth=true`, random `jwt_secret` and `ticket_secret`, and the gateway's rate limits raised to 1,000,000/s (the limiter still counts every request; it only never refuses the single benchmark address); the hello-world app and the floor app (`bench/floor/spin.toml`, fresh databases) on the same host. Component output is not echoed (`--quiet`); both hosts still write it to their log files. Everything is stopped (`spin up` with its process group) when the host's part ends. With `taskset` and two or more cores, the hosts' processes and their Redis run on `--host-cpus` (default CPU 0) and the load generator on `--load-cpus` (default CPU 1). `--base-url`/`--hello-url`/`--floor-url`/`--redis-url` point the same scenarios at apps started elsewhere.\n- Floor app: each `POST /book` calls `http://payment.spin.internal/<id>` (a private component that commits one row keyed by a random id in its own database) and then commits one row in its own; 200 only after both commits. Both open their database as `crates/eventing/src/sql.rs` does (busy timeout, WAL, `synchronous = NORMAL`) and create their table if needed.\n- Bookings are one seat each, never booked or held before, from 64 customers round-robin (26×50 halls, ten screenings per movie), card `tok_visa` (the payment simulator at 0 ms latency). Two closed-loop booking scenarios, in every round: *booking* (`POST /api/reservations` with the seat, which holds it for the duration of the call) and *hold → pay* (the web UI's checkout: `POST /api/holds` → 201, then `POST /api/reservations` with the `hold_id` → 202, by the same customer). A hold → pay is one booking: the pair counts once in req/s and its latency runs from the start of the hold to the 202. Both take their seats from one pool, so no seat is asked for twice and any 409 counts as failed. The event backlog is drained before each of the two, so neither runs against the other's.\n- Backlog: `XINFO GROUPS cinema:events`, the sum of `lag` and `pending` over the consumer groups.\n- Chart: `bench/report.png` (per host: latency percentiles per scenario; throughput ÷ hello-world and ÷ the floor app).\n");
    s
}

fn fmt_list(v: &[f64]) -> String {
    let mut sorted = v.to_vec();
    sorted.sort_by(f64::total_cmp);
    format!(
        "median {:.0} (min {:.0}, max {:.0}, n={})",
        median(v).unwrap_or(0.0),
        sorted.first().copied().unwrap_or(0.0),
        sorted.last().copied().unwrap_or(0.0),
        v.len()
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{history, markdown};
    use crate::load::Outcome;
    use crate::run::{HostKind, RedisConnections, Run, RunResult};
    use crate::scenarios::{Backlog, CLOSED, Step};

    fn outcome(per_s: f64) -> Outcome {
        Outcome {
            ok: per_s as u64,
            failed: 0,
            failures: BTreeMap::new(),
            seconds: 1.0,
            per_s,
            p50_ms: 1.0,
            p90_ms: 2.0,
            p99_ms: 3.0,
            max_ms: 4.0,
            target_per_s: None,
        }
    }

    fn host(kind: HostKind, label: &str, closed: &[(&str, f64)]) -> RunResult {
        RunResult {
            label: label.into(),
            unix_time: 1,
            machine: "test".into(),
            kind,
            host: format!("{} under test", kind.name()),
            workers: 8,
            warmup_s: 2.0,
            duration_s: 8.0,
            load: Vec::new(),
            closed: closed
                .iter()
                .map(|(k, per_s)| (k.to_string(), vec![outcome(*per_s)]))
                .collect(),
            e2e: None,
            sustained: Vec::new(),
            cold: None,
            wasm: Vec::new(),
            wrk_hello: None,
            redis_connections: None,
            overload: None,
            timing: None,
        }
    }

    fn run(label: &str, hosts: Vec<RunResult>) -> Run {
        Run {
            label: label.into(),
            unix_time: 1,
            machine: "test".into(),
            pinning: Some("host on 0, load on 1".into()),
            hosts,
        }
    }

    fn step(asked: f64, absorbed: bool) -> Step {
        Step {
            backlog_at_start: Some(0),
            outcome: Outcome {
                target_per_s: Some(asked),
                ..outcome(asked)
            },
            backlog: Backlog::default(),
            drain_s: Some(0.1),
            absorbed,
        }
    }

    #[test]
    fn the_closed_loop_table_has_a_row_per_scenario_with_its_ratios_to_hello_and_floor() {
        // Given a devhost run of every closed-loop scenario: hello at 1000/s, the floor at 100/s
        let per_s = [1000.0, 100.0, 90.0, 80.0, 40.0, 20.0, 10.0, 5.0];
        let pairs: Vec<_> = CLOSED.iter().map(|c| c.key).zip(per_s).collect();
        let r = run("now", vec![host(HostKind::Devhost, "now", &pairs)]);
        // When the report is written
        let md = markdown(&r, &[], None);
        // Then each scenario's row shows its ratio to both baselines, hold → pay included
        for (c, p) in CLOSED.iter().zip(per_s) {
            let (h, f) = (p / 1000.0, p / 100.0);
            let row = format!(
                "| {} | {h:.3} ({h:.3}–{h:.3}) | {f:.3} ({f:.3}–{f:.3}) |",
                c.what
            );
            assert!(md.contains(&row), "no row {row:?} in\n{md}");
        }
    }

    #[test]
    fn each_host_is_judged_against_its_own_floor_and_the_ratios_stand_side_by_side() {
        // Given one run of both hosts: devhost books at 0.2× its floor, Spin at 0.6× its own
        let devhost = host(
            HostKind::Devhost,
            "two",
            &[("hello", 5000.0), ("floor", 500.0), ("booking", 100.0)],
        );
        let spin = host(
            HostKind::Spin,
            "two",
            &[("hello", 3000.0), ("floor", 250.0), ("booking", 150.0)],
        );
        let r = run("two", vec![devhost, spin]);
        // When the report is written
        let md = markdown(&r, &[], None);
        // Then each host has its goals table, each judged against its own baseline
        let devhost_goals = &md[md.find("### devhost").expect("devhost goals")..];
        let spin_goals = &md[md.find("### spin").expect("spin goals")..];
        let goal = "| Booking `POST /api/reservations` ÷ floor app, requests/s | ≥ 0.5× |";
        assert!(
            devhost_goals.contains(&format!("{goal} 0.200 (0.200–0.200) | ❌ not met |")),
            "{md}"
        );
        assert!(
            spin_goals.contains(&format!("{goal} 0.600 (0.600–0.600) | ✅ met |")),
            "{md}"
        );
        // And the side-by-side table puts both hosts' ratios in one row, never across hosts
        assert!(
            md.contains(
                "| Scenario | devhost ÷ hello | devhost ÷ floor | spin ÷ hello | spin ÷ floor |"
            ),
            "{md}"
        );
        let booking_row = format!("| {} | 0.020 | 0.200 | 0.050 | 0.600 |", CLOSED[6].what);
        assert!(md.contains(&booking_row), "no {booking_row:?} in\n{md}");
        // And the pinning and both hosts are named in the header
        assert!(md.contains("Pinned: host on 0, load on 1"), "{md}");
        assert!(md.contains("- **spin**: spin under test"), "{md}");
    }

    #[test]
    fn the_pipeline_goal_is_the_highest_absorbed_step_over_the_closed_loop_booking_rate() {
        // Given 100 bookings/s closed-loop and steps absorbed up to 90/s, not at 100/s
        let mut r = host(
            HostKind::Spin,
            "p",
            &[("hello", 1000.0), ("floor", 200.0), ("booking", 100.0)],
        );
        r.sustained = vec![step(50.0, true), step(90.0, true), step(100.0, false)];
        // When the report is written
        let md = markdown(&run("p", vec![r]), &[], None);
        // Then the goal reads 0.90× and is met
        assert!(
            md.contains("| ≥ 0.9× | 0.90× (90.0 of 100.0 bookings/s*) | ✅ met |"),
            "{md}"
        );
        // And the overload goal, not run, says it is not measured rather than guessing
        assert!(md.contains("no overload run | – not measured |"), "{md}");
    }

    #[test]
    fn the_overload_goal_allows_only_503_with_retry_after_and_a_bounded_p99() {
        use crate::run::Overload;
        let at = |rate: f64, p99: f64, failures: &[(&str, u64)]| Outcome {
            p99_ms: p99,
            target_per_s: Some(rate),
            failed: failures.iter().map(|f| f.1).sum(),
            failures: failures.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            ..outcome(100.0)
        };
        let report = |double: Outcome| {
            let mut r = host(HostKind::Spin, "o", &[("hello", 1.0)]);
            r.overload = Some(Overload {
                half: at(50.0, 20.0, &[]),
                double,
                max_in_flight: Some(8),
            });
            markdown(&run("o", vec![r]), &[], None)
        };
        // Given 2× load answered with 202s (p99 3× the half-load one) and 503 overloaded + Retry-After
        let md = report(at(200.0, 60.0, &[("503 overloaded + Retry-After", 90)]));
        // Then the goal is met, and the row says what was refused
        assert!(md.contains("200.0/s offered (max_in_flight 8): 100 accepted, p99 60.0 ms vs 20.0 ms at 50.0/s (3.0×); refused: 90 × 503 overloaded + Retry-After; 0 not allowed | ✅ met |"), "{md}");
        // A 500, a 503 without Retry-After or a p99 beyond 3× is not met
        for double in [
            at(200.0, 60.0, &[("500 -", 1)]),
            at(200.0, 60.0, &[("503 service_unavailable", 1)]),
            at(200.0, 61.0, &[]),
        ] {
            assert!(report(double).contains("not allowed | ❌ not met |"));
        }
    }

    #[test]
    fn confirmations_are_judged_on_the_watched_event_and_the_page_poll_is_shown_beside_it() {
        use crate::run::E2e;
        // Given events confirmed within 100 ms and a page poll that saw them 400 ms late
        let mut spin = host(HostKind::Spin, "w", &[("hello", 1.0)]);
        let mut watched = outcome(40.0);
        watched.p99_ms = 60.0;
        let mut polled = outcome(40.0);
        polled.p99_ms = 400.0;
        spin.e2e = Some(E2e {
            watched: Some(watched),
            outcome: polled,
            backlog: crate::scenarios::Backlog::default(),
            polls_per_booking: 5.0,
            poll_ms: 10,
            poll_max_ms: Some(250),
        });
        // When the report is written
        let md = markdown(&run("w", vec![spin]), &[], None);
        // Then the goal is met on the event, and the poll is reported as beyond it
        assert!(
            md.contains("| Booking → CONFIRMED (the `ReservationConfirmed` event, watched on the stream), p99 at half the closed-loop booking rate (0.0/s*) | ≤ 100 ms | p99 60.0 ms* (p50 1.0, p90 2.0) (40 confirmed, 0 failed) | ✅ met |"),
            "{md}"
        );
        assert!(
            md.contains("| Booking → CONFIRMED (on the customer's page (polled)), p99 at half the closed-loop booking rate (0.0/s*) | ≤ 100 ms | p99 400.0 ms* (p50 1.0, p90 2.0) (40 confirmed, 0 failed) | (beyond) |"),
            "{md}"
        );
    }

    #[test]
    fn the_server_timing_breakdown_shows_each_step_and_the_hops_between_components() {
        use crate::timing::{Collector, Timings};
        // Given Spin's bookings, one at a time and loaded, and a devhost run without the header
        let mut one = Collector::default();
        one.add(
            20.0,
            Some("gw;dur=18, gw.admit;dur=2, gw.fwd;dur=15, rsv;dur=12, rsv.sql-commit;dur=1;n=2, rsv.pay-call;dur=6, pay;dur=4"),
        );
        let mut loaded = Collector::default();
        loaded.add(
            80.0,
            Some("gw;dur=70, gw.fwd;dur=66, rsv;dur=60, rsv.sql-begin;dur=30"),
        );
        let mut spin = host(HostKind::Spin, "t", &[("hello", 1.0)]);
        spin.timing = Some(Timings {
            sequential: one.finish(1),
            loaded: Some(loaded.finish(8)),
        });
        let devhost = host(HostKind::Devhost, "t", &[("hello", 1.0)]);
        // When the report is written
        let md = markdown(&run("t", vec![devhost, spin]), &[], None);
        // Then the hops are the gaps between the nested totals, the steps follow their component,
        // and a step that ran twice says so
        for line in [
            "| Step | What | spin one at a time | spin closed loop (8) |",
            "| outside the gateway | client − `gw`: the host's HTTP and the gateway's instance | 2.00 | 10.00 |",
            "| gateway → reservation | `gw.fwd` − `rsv`: the hop and the reservation's instance | 3.00 | 6.00 |",
            "| reservation → payment | `rsv.pay-call` − `pay`: the hop and the payment's instance | 2.00 | – |",
            "| `rsv.sql-commit` | `COMMIT` | 1.00 (×2.0) | – |",
            "| `rsv.sql-begin` | `BEGIN IMMEDIATE`: waiting for the write lock | – | 30.00 |",
        ] {
            assert!(md.contains(line), "no {line:?} in\n{md}");
        }
        let order: Vec<usize> = [
            "**`gw`**",
            "`gw.admit`",
            "**`rsv`**",
            "`rsv.pay-call`",
            "**`pay`**",
        ]
        .iter()
        .map(|n| md.find(&format!("| {n} |")).expect(n))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{md}");
    }

    #[test]
    fn redis_connections_are_reported_per_booking_for_each_host() {
        // Given Spin opening 30 connections during 10 bookings and 50 after, devhost none
        let mut spin = host(HostKind::Spin, "c", &[("hello", 1.0)]);
        spin.redis_connections = Some(RedisConnections {
            bookings: 10,
            during: 30,
            after: 50,
            during_s: 0.15,
            after_s: 1.5,
            idle_per_s: 0.0,
        });
        let mut devhost = host(HostKind::Devhost, "c", &[("hello", 1.0)]);
        devhost.redis_connections = Some(RedisConnections {
            bookings: 10,
            ..RedisConnections::default()
        });
        // When the report is written
        let md = markdown(&run("c", vec![devhost, spin]), &[], None);
        // Then each host has its row: during, after, total per booking, ms per booking
        assert!(
            md.contains("| spin | 10 | 3.00 | 5.00 | 8.00 | 15.0 | 0.0 |"),
            "{md}"
        );
        assert!(
            md.contains("| devhost | 10 | 0.00 | 0.00 | 0.00 | 0.0 | 0.0 |"),
            "{md}"
        );
    }

    #[test]
    fn the_history_has_a_row_per_host_and_n_a_where_an_old_run_had_no_floor_or_hold_pay() {
        // Given an old devhost run (no floor, no hold → pay) and a new run of both hosts
        let old = run(
            "before-floor",
            vec![host(
                HostKind::Devhost,
                "before-floor",
                &[("hello", 1000.0), ("booking", 20.0)],
            )],
        );
        let both = || {
            run(
                "two-hosts",
                vec![
                    host(
                        HostKind::Devhost,
                        "two-hosts",
                        &[
                            ("hello", 1000.0),
                            ("floor", 100.0),
                            ("booking", 20.0),
                            ("hold_pay", 10.0),
                        ],
                    ),
                    host(
                        HostKind::Spin,
                        "two-hosts",
                        &[
                            ("hello", 500.0),
                            ("floor", 50.0),
                            ("booking", 20.0),
                            ("hold_pay", 10.0),
                        ],
                    ),
                ],
            )
        };
        // When the report is written with both in the history
        let md = markdown(&both(), &[old, both()], None);
        // Then the old run's floor and hold → pay columns say n/a, and the new run has two rows
        assert!(
            md.contains("| before-floor | devhost | 1 | 0.020 (0.020–0.020) | n/a | n/a | n/a |"),
            "{md}"
        );
        assert!(
            md.contains("| two-hosts | devhost | 1 | 0.020 (0.020–0.020) | 0.200 (0.200–0.200) | 0.010 (0.010–0.010) | 0.100 (0.100–0.100) |"),
            "{md}"
        );
        assert!(
            md.contains("| two-hosts | spin | 1 | 0.040 (0.040–0.040) | 0.400 (0.400–0.400) | 0.020 (0.020–0.020) | 0.200 (0.200–0.200) |"),
            "{md}"
        );
    }

    #[test]
    fn a_result_saved_before_issue_17_loads_as_a_devhost_run_of_one_host() {
        // Given a file as runs were saved before: one host's result, no kind, no floor
        let old = br#"{"label": "before", "unix_time": 7, "machine": "m", "host": "devhost x",
            "workers": 8, "warmup_s": 2.0, "duration_s": 8.0, "load": [],
            "closed": {"hello": [{"ok": 1, "failed": 0, "failures": {}, "seconds": 1.0,
              "per_s": 1000.0, "p50_ms": 1.0, "p90_ms": 1.0, "p99_ms": 1.0, "max_ms": 1.0,
              "target_per_s": null}]},
            "e2e": null, "sustained": [], "cold": null, "wasm": [], "wrk_hello": null}"#;
        // When it is loaded
        let run = Run::from_json(old).expect("an old file loads");
        // Then it is a run of one devhost host with no floor ratios and no connection counts
        assert_eq!((run.label.as_str(), run.unix_time), ("before", 7));
        assert_eq!(run.hosts.len(), 1);
        assert_eq!(run.hosts[0].kind, HostKind::Devhost);
        assert!(run.hosts[0].ratios_to("booking", "floor").is_empty());
        assert!(run.hosts[0].redis_connections.is_none());
        assert!(run.pinning.is_none());
    }

    #[test]
    fn a_run_of_two_hosts_survives_saving_and_loading() {
        // Given a run of both hosts, saved
        let dir = crate::local::tempfile_dir::TempDir::new("report-test").expect("temp dir");
        let r = run(
            "two",
            vec![
                host(HostKind::Devhost, "two", &[("hello", 10.0), ("floor", 5.0)]),
                host(HostKind::Spin, "two", &[("hello", 8.0), ("floor", 4.0)]),
            ],
        );
        super::save(dir.path(), &r).expect("save");
        // When the history is read back
        let loaded = history(dir.path()).expect("history");
        // Then it is the same run, host by host
        assert_eq!(loaded.len(), 1);
        let kinds: Vec<_> = loaded[0].hosts.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, [HostKind::Devhost, HostKind::Spin]);
        assert_eq!(loaded[0].hosts[1].ratios_to("floor", "hello"), [0.5]);
    }

    #[test]
    fn every_result_in_bench_results_still_loads() {
        // Given the repository's saved runs (old single-host files and newer ones)
        let out = cinema_testkit::workspace_root().join("bench");
        let files = std::fs::read_dir(out.join("results"))
            .expect("bench/results")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count();
        // When the history is read
        let runs = history(&out).expect("history");
        // Then none was skipped, and each has at least one host
        assert_eq!(runs.len(), files);
        assert!(runs.iter().all(|r| !r.hosts.is_empty()));
        assert!(runs.iter().any(|r| r.label == "before"));
    }
}
