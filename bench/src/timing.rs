//! Where a booking's time goes, from the inside: the `Server-Timing` header the cinema answers
//! with when its `server_timing` variable is on (the bench turns it on for the apps it starts).
//! Each component reports its own total (`gw`, `rsv`, `pay`) and its host calls
//! (`rsv.sql-begin`: waiting for SQLite's write lock, `rsv.pay-call`: the payment call, …);
//! the gaps between nested totals are what the host spends between components (instantiation,
//! the service-chaining hop).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The mean of one entry over the bookings that reported it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SpanMean {
    /// Milliseconds per booking (over the bookings whose answer had the entry).
    pub ms: f64,
    /// Times per booking the span ran.
    pub n: f64,
    /// Bookings whose answer had the entry.
    pub bookings: u64,
}

/// Means over a set of accepted bookings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// Accepted bookings that carried a `Server-Timing` header.
    pub bookings: u64,
    /// Concurrent bookings while they were measured (1: one at a time).
    pub concurrency: usize,
    /// The client's round trip, ms per booking.
    pub client_ms: f64,
    pub spans: BTreeMap<String, SpanMean>,
}

impl Breakdown {
    /// The mean of an entry, 0 when no booking reported it.
    pub fn ms(&self, name: &str) -> f64 {
        self.spans.get(name).map_or(0.0, |s| s.ms)
    }
}

/// Both samples: one booking at a time, and the closed loop's concurrency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub sequential: Breakdown,
    pub loaded: Option<Breakdown>,
}

/// Sums headers as they come.
#[derive(Default)]
pub struct Collector {
    bookings: u64,
    client_ms: f64,
    sums: BTreeMap<String, (f64, f64, u64)>,
}

impl Collector {
    /// Adds one accepted booking; a missing or unreadable header is not counted.
    pub fn add(&mut self, client_ms: f64, header: Option<&str>) {
        let Some(entries) = header.map(parse).filter(|e| !e.is_empty()) else {
            return;
        };
        self.bookings += 1;
        self.client_ms += client_ms;
        for (name, ms, n) in entries {
            let sum = self.sums.entry(name).or_default();
            sum.0 += ms;
            sum.1 += f64::from(n);
            sum.2 += 1;
        }
    }

    pub fn finish(&self, concurrency: usize) -> Breakdown {
        let spans = self
            .sums
            .iter()
            .map(|(name, &(ms, n, bookings))| {
                let b = bookings as f64;
                (
                    name.clone(),
                    SpanMean {
                        ms: ms / b,
                        n: n / b,
                        bookings,
                    },
                )
            })
            .collect();
        Breakdown {
            bookings: self.bookings,
            concurrency,
            client_ms: if self.bookings > 0 {
                self.client_ms / self.bookings as f64
            } else {
                0.0
            },
            spans,
        }
    }
}

/// `name;dur=1.5;n=2, other;dur=0.3` → `[(name, 1.5, 2), (other, 0.3, 1)]`; entries without a
/// duration are skipped.
pub fn parse(header: &str) -> Vec<(String, f64, u32)> {
    header
        .split(',')
        .filter_map(|entry| {
            let mut params = entry.trim().split(';');
            let name = params.next()?.trim();
            let (mut dur, mut n) = (None, 1);
            for p in params {
                match p.trim().split_once('=') {
                    Some(("dur", v)) => dur = v.parse().ok(),
                    Some(("n", v)) => n = v.parse().unwrap_or(1),
                    _ => {}
                }
            }
            Some((name.to_string(), dur?, n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_averaged_per_entry_over_the_bookings_that_had_it() {
        let mut c = Collector::default();
        c.add(
            10.0,
            Some("gw;dur=8.0, gw.admit;dur=1.0, rsv;dur=6.0, rsv.sql-commit;dur=2.0;n=2"),
        );
        c.add(20.0, Some("gw;dur=16.0, gw.admit;dur=3.0, rsv;dur=12.0"));
        c.add(30.0, None);
        let b = c.finish(1);
        assert_eq!(b.bookings, 2);
        assert!((b.client_ms - 15.0).abs() < 1e-9);
        assert!((b.ms("gw") - 12.0).abs() < 1e-9);
        assert!((b.ms("gw.admit") - 2.0).abs() < 1e-9);
        let commit = b.spans["rsv.sql-commit"];
        assert_eq!((commit.ms, commit.n, commit.bookings), (2.0, 2.0, 1));
        assert_eq!(b.ms("pay"), 0.0);
    }

    #[test]
    fn entries_without_a_duration_are_skipped() {
        assert_eq!(
            parse("cache;desc=hit, db;dur=2.5, x;dur=oops"),
            [("db".to_string(), 2.5, 1)]
        );
    }
}
