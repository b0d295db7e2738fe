//! Guest-side timers for the `Server-Timing` header: how long a request spent in each host call
//! (SQLite opens, waits for the write lock, commits, Redis connects and scripts, outbound HTTP),
//! summed per name over the request, as seen from inside the component.
//!
//! A component instance serves one request at a time (Spin and devhost make one per request), so
//! the spans live in a thread-local that the entry point [`reset`]s. Private components always
//! answer with their header ([`stamp`]); the gateway passes the chain's entries to the client
//! only when its `server_timing` variable is on, behind its own. The header's grammar is
//! `name;dur=<ms>` entries separated by `, ` ([W3C Server Timing]); a span that ran more than
//! once carries `;n=<count>` (an extension parameter, which browsers ignore).
//!
//! [W3C Server Timing]: https://www.w3.org/TR/server-timing/

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The response header.
pub const HEADER: &str = "server-timing";

struct Span {
    name: &'static str,
    total: Duration,
    count: u32,
}

#[derive(Default)]
struct Request {
    started: Option<Instant>,
    spans: Vec<Span>,
    /// Entries of the answers of components this one called, kept verbatim.
    nested: Vec<String>,
}

thread_local! {
    static REQUEST: RefCell<Request> = RefCell::new(Request::default());
}

/// Starts a request's timers: forgets any earlier request's spans.
pub fn reset() {
    REQUEST.with(|r| {
        *r.borrow_mut() = Request {
            started: Some(Instant::now()),
            ..Request::default()
        }
    });
}

/// Adds `elapsed` to the span `name`.
pub fn record(name: &'static str, elapsed: Duration) {
    REQUEST.with(|r| {
        let mut r = r.borrow_mut();
        match r.spans.iter_mut().find(|s| s.name == name) {
            Some(span) => {
                span.total += elapsed;
                span.count += 1;
            }
            None => r.spans.push(Span {
                name,
                total: elapsed,
                count: 1,
            }),
        }
    });
}

/// Runs `f`, adding its duration to the span `name`.
pub fn time<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = f();
    record(name, started.elapsed());
    value
}

/// Keeps the `Server-Timing` entries of a called component's answer, to be reported after this
/// component's own.
pub fn nest(header_value: &str) {
    let value = header_value.trim();
    if !value.is_empty() {
        REQUEST.with(|r| r.borrow_mut().nested.push(value.to_string()));
    }
}

/// The header's value for the request so far: `{prefix};dur=…` (the whole request since
/// [`reset`]), then `{prefix}.{span};dur=…` per span in the order they first ran, then the nested
/// entries.
pub fn header_value(prefix: &str) -> String {
    REQUEST.with(|r| {
        let r = r.borrow();
        let mut out = String::new();
        if let Some(started) = r.started {
            entry(&mut out, prefix, None, started.elapsed(), 1);
        }
        for span in &r.spans {
            entry(&mut out, prefix, Some(span.name), span.total, span.count);
        }
        for nested in &r.nested {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(nested);
        }
        out
    })
}

fn entry(out: &mut String, prefix: &str, name: Option<&str>, total: Duration, count: u32) {
    if !out.is_empty() {
        out.push_str(", ");
    }
    out.push_str(prefix);
    if let Some(name) = name {
        out.push('.');
        out.push_str(name);
    }
    let _ = write!(out, ";dur={:.3}", total.as_secs_f64() * 1000.0);
    if count > 1 {
        let _ = write!(out, ";n={count}");
    }
}

/// Adds the header for the request so far to `response`.
pub fn stamp(response: &mut spin_sdk::http::Response, prefix: &str) {
    response.set_header(HEADER, header_value(prefix));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_summed_per_name_in_first_run_order_after_the_total_then_the_nested_entries() {
        reset();
        record("sql-tx", Duration::from_micros(1500));
        record("redis-connect", Duration::from_micros(250));
        record("sql-tx", Duration::from_micros(500));
        nest(" pay;dur=3.000, pay.sql-tx;dur=1.000 ");
        let value = header_value("rsv");
        let entries: Vec<&str> = value.split(", ").collect();
        assert!(entries[0].starts_with("rsv;dur="), "{value}");
        assert_eq!(
            &entries[1..],
            [
                "rsv.sql-tx;dur=2.000;n=2",
                "rsv.redis-connect;dur=0.250",
                "pay;dur=3.000",
                "pay.sql-tx;dur=1.000",
            ],
            "{value}"
        );
    }

    #[test]
    fn reset_forgets_the_previous_request() {
        reset();
        record("sql-open", Duration::from_millis(1));
        nest("pay;dur=1.000");
        reset();
        let value = header_value("gw");
        assert!(value.starts_with("gw;dur="), "{value}");
        assert!(!value.contains(','), "{value}");
    }

    #[test]
    fn time_records_the_closure_and_returns_its_value() {
        reset();
        let v = time("work", || {
            std::thread::sleep(Duration::from_millis(2));
            7
        });
        assert_eq!(v, 7);
        let value = header_value("c");
        let dur: f64 = value
            .split(", ")
            .find_map(|e| e.strip_prefix("c.work;dur="))
            .expect(&value)
            .parse()
            .unwrap();
        assert!(dur >= 2.0, "{value}");
    }
}
