//! Rate limits in fixed one-second windows, counted in a shared store.
//!
//! **Hot path: one atomic increment per enabled limit.** Each request increments
//! `rl:{second}:{kind}:{client}`; the value is the client's count in that second, so there is no
//! read-modify-write and no reset (a new second is a new key). `count == 1` tells, exactly and
//! atomically, that this is the client's first request of the second.
//!
//! **Keys do not accumulate.** Window keys are dead one second after their window. A sweep lists
//! the store and deletes, in one batch call, every key whose window is over; it runs at most once
//! per [`SWEEP_PERIOD_S`]. The sweeper is elected off the hot path: only a request that opened a
//! new window (`count == 1`) and whose key hashes into a 1-in-[`SWEEP_SAMPLING`] sample
//! increments the period's election key `rl:{period start}:sweep`, and the one that gets `1`
//! sweeps. Sampling by hash (rather than "the first request of second 0 of the period") means
//! even traffic that always arrives at the same offset in the period (a 10-second poller) is
//! eventually swept. So at any time the store holds roughly the client-seconds of the last
//! period or two, never a growing history.

use crate::identity::CustomerId;
use crate::ports::{CounterError, WindowCounters};

/// Sweeps run at most once per this many seconds.
pub const SWEEP_PERIOD_S: i64 = 10;
/// One in this many window-opening requests takes part in the sweep election.
pub const SWEEP_SAMPLING: u64 = 8;
/// Upper bound on keys deleted by one sweep (the rest go next period).
pub const SWEEP_MAX_KEYS: usize = 20_000;
const PREFIX: &str = "rl";

/// A per-second limit; `0` disables it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub u32);

impl Limit {
    /// Reads a configured limit: a non-negative integer; anything else falls back to `default`.
    pub fn parse(value: &str, default: u32) -> Self {
        Self(value.trim().parse().unwrap_or(default))
    }

    pub fn is_enabled(self) -> bool {
        self.0 > 0
    }
}

/// Who a limit applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Customer(CustomerId),
    Address(ClientAddress),
}

impl Subject {
    fn kind(&self) -> &'static str {
        match self {
            Self::Customer(_) => "c",
            Self::Address(_) => "a",
        }
    }

    fn id(&self) -> &str {
        match self {
            Self::Customer(c) => c.as_str(),
            Self::Address(a) => a.as_str(),
        }
    }
}

/// A client's network address (IP without port), from Spin's `spin-client-addr` (`ip:port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(String);

impl ClientAddress {
    /// `203.0.113.7:50122` → `203.0.113.7`; `[2001:db8::1]:443` → `2001:db8::1`. Anything that
    /// is not an address is kept only as far as it is key-safe (hex digits, `.`, `:`), so a
    /// strange value can neither break a key nor grow it.
    pub fn parse(value: &str) -> Self {
        let value = value.trim();
        let host = if let Ok(socket) = value.parse::<std::net::SocketAddr>() {
            socket.ip().to_string()
        } else if let Ok(ip) = value.parse::<std::net::IpAddr>() {
            ip.to_string()
        } else {
            value
                .chars()
                .filter(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':'))
                .take(45)
                .collect()
        };
        Self(if host.is_empty() {
            "unknown".into()
        } else {
            host
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The window (Unix second) a time falls in.
pub fn window(now_unix_s: i64) -> i64 {
    now_unix_s
}

/// The counter key of `subject` in window `t`.
pub fn counter_key(subject: &Subject, t: i64) -> String {
    format!("{PREFIX}:{t}:{}:{}", subject.kind(), subject.id())
}

/// The election key of the sweep period containing `t`.
pub fn election_key(t: i64) -> String {
    format!("{PREFIX}:{}:sweep", t - t.rem_euclid(SWEEP_PERIOD_S))
}

/// The window a key belongs to (`None` for keys this module did not write).
pub fn window_of_key(key: &str) -> Option<i64> {
    let mut parts = key.splitn(3, ':');
    (parts.next() == Some(PREFIX)).then_some(())?;
    parts.next()?.parse().ok()
}

/// A key is stale once its window is over by more than one second (a little slack for replicas
/// whose clocks differ slightly); stale keys are never incremented again.
pub fn is_stale(key: &str, now_t: i64) -> bool {
    window_of_key(key).is_some_and(|t| t < now_t - 1)
}

/// Whether a window-opening request takes part in the sweep election (a stable 1-in-N sample).
fn sampled_for_election(key: &str) -> bool {
    fnv1a(key.as_bytes()).is_multiple_of(SWEEP_SAMPLING)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Seconds a limited client should wait: until the current window ends (at least 1).
pub fn retry_after_s() -> u64 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { retry_after_s: u64 },
}

/// What a sweep did, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Housekeeping {
    Swept { deleted: usize },
    SweepFailed(CounterError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub verdict: Verdict,
    pub housekeeping: Option<Housekeeping>,
}

/// Counts requests against limits in a [`WindowCounters`] store.
pub struct RateLimiter<'a, W: WindowCounters> {
    counters: &'a W,
}

impl<'a, W: WindowCounters> RateLimiter<'a, W> {
    pub fn new(counters: &'a W) -> Self {
        Self { counters }
    }

    /// Counts one request of `subject` at `now` against `limit`.
    ///
    /// # Errors
    /// [`CounterError`] when the count could not be taken (the caller decides whether to fail
    /// open); a failed sweep is reported in [`Check::housekeeping`], not as an error.
    pub fn check(
        &self,
        subject: &Subject,
        limit: Limit,
        now_unix_s: i64,
    ) -> Result<Check, CounterError> {
        if !limit.is_enabled() {
            return Ok(Check {
                verdict: Verdict::Allowed,
                housekeeping: None,
            });
        }
        let t = window(now_unix_s);
        let key = counter_key(subject, t);
        let count = self.counters.increment(&key)?;
        let housekeeping = if count == 1 && sampled_for_election(&key) {
            self.sweep_if_elected(t)
        } else {
            None
        };
        let verdict = if count > i64::from(limit.0) {
            Verdict::Limited {
                retry_after_s: retry_after_s(),
            }
        } else {
            Verdict::Allowed
        };
        Ok(Check {
            verdict,
            housekeeping,
        })
    }

    fn sweep_if_elected(&self, t: i64) -> Option<Housekeeping> {
        match self.counters.increment(&election_key(t)) {
            Ok(1) => Some(match self.sweep(t) {
                Ok(deleted) => Housekeeping::Swept { deleted },
                Err(e) => Housekeeping::SweepFailed(e),
            }),
            Ok(_) => None,
            Err(e) => Some(Housekeeping::SweepFailed(e)),
        }
    }

    /// Deletes every key whose window is over; returns how many.
    ///
    /// # Errors
    /// [`CounterError`] from the store.
    pub fn sweep(&self, now_t: i64) -> Result<usize, CounterError> {
        let stale: Vec<String> = self
            .counters
            .keys()?
            .into_iter()
            .filter(|k| is_stale(k, now_t))
            .take(SWEEP_MAX_KEYS)
            .collect();
        if !stale.is_empty() {
            self.counters.delete(&stale)?;
        }
        Ok(stale.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MemoryCounters;

    const T0: i64 = 1_800_000_000;

    fn alice() -> Subject {
        Subject::Customer(CustomerId::parse("alice").unwrap())
    }

    #[test]
    fn requests_up_to_the_limit_pass_and_the_next_is_limited_until_the_next_second() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        for _ in 0..3 {
            assert_eq!(
                limiter.check(&alice(), Limit(3), T0).unwrap().verdict,
                Verdict::Allowed
            );
        }
        assert_eq!(
            limiter.check(&alice(), Limit(3), T0).unwrap().verdict,
            Verdict::Limited { retry_after_s: 1 }
        );
        assert_eq!(
            limiter.check(&alice(), Limit(3), T0 + 1).unwrap().verdict,
            Verdict::Allowed
        );
    }

    #[test]
    fn customers_and_addresses_are_counted_separately() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        let bob = Subject::Customer(CustomerId::parse("bob").unwrap());
        let address = Subject::Address(ClientAddress::parse("10.0.0.1:5000"));
        assert_eq!(
            limiter.check(&alice(), Limit(1), T0).unwrap().verdict,
            Verdict::Allowed
        );
        assert_eq!(
            limiter.check(&bob, Limit(1), T0).unwrap().verdict,
            Verdict::Allowed
        );
        assert_eq!(
            limiter.check(&address, Limit(1), T0).unwrap().verdict,
            Verdict::Allowed
        );
        assert!(matches!(
            limiter.check(&alice(), Limit(1), T0).unwrap().verdict,
            Verdict::Limited { .. }
        ));
    }

    #[test]
    fn a_zero_limit_is_disabled_and_touches_no_store() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        for _ in 0..100 {
            assert_eq!(
                limiter.check(&alice(), Limit(0), T0).unwrap().verdict,
                Verdict::Allowed
            );
        }
        assert_eq!(store.operations(), 0);
    }

    #[test]
    fn the_hot_path_is_one_increment_per_request() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        limiter.check(&alice(), Limit(100), T0).unwrap();
        let after_first = store.operations();
        for _ in 0..50 {
            limiter.check(&alice(), Limit(100), T0).unwrap();
        }
        assert_eq!(store.operations() - after_first, 50);
    }

    #[test]
    fn keys_of_past_windows_are_swept_and_do_not_accumulate() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        // Many clients, one request each, over ten minutes.
        for second in 0..600 {
            for client in 0..20 {
                let subject =
                    Subject::Address(ClientAddress::parse(&format!("10.0.{client}.{second}:1")));
                limiter.check(&subject, Limit(10), T0 + second).unwrap();
            }
        }
        let live = store.keys().unwrap().len();
        assert!(
            live < 20 * 2 * SWEEP_PERIOD_S as usize + 10,
            "{live} keys left"
        );
        assert!(
            store
                .keys()
                .unwrap()
                .iter()
                .all(|k| window_of_key(k).is_some_and(|t| t > T0 + 600 - 3 * SWEEP_PERIOD_S))
        );
    }

    #[test]
    fn a_poller_at_a_fixed_offset_is_still_swept() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        for period in 0..500 {
            let subject = Subject::Address(ClientAddress::parse("192.0.2.1:1"));
            limiter
                .check(&subject, Limit(10), T0 + period * SWEEP_PERIOD_S + 5)
                .unwrap();
        }
        assert!(
            store.keys().unwrap().len() < 100,
            "{} keys left",
            store.keys().unwrap().len()
        );
    }

    #[test]
    fn a_sweep_keeps_the_current_and_previous_window() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        for t in [T0 - 5, T0 - 2, T0 - 1, T0] {
            limiter.check(&alice(), Limit(10), t).unwrap();
        }
        store.increment("not-a-rate-limit-key").unwrap();
        limiter.sweep(T0).unwrap();
        let mut windows: Vec<i64> = store
            .keys()
            .unwrap()
            .iter()
            .filter_map(|k| window_of_key(k))
            .collect();
        windows.sort();
        windows.dedup();
        assert!(windows.iter().all(|t| *t >= T0 - 1), "{windows:?}");
        assert!(
            store
                .keys()
                .unwrap()
                .contains(&"not-a-rate-limit-key".to_string())
        );
    }

    #[test]
    fn window_keys_carry_their_second() {
        let key = counter_key(
            &Subject::Address(ClientAddress::parse("[2001:db8::1]:443")),
            T0,
        );
        assert_eq!(key, format!("rl:{T0}:a:2001:db8::1"));
        assert_eq!(window_of_key(&key), Some(T0));
        assert_eq!(window_of_key(&election_key(T0 + 7)), Some(T0));
        assert_eq!(window_of_key("other:1:x"), None);
    }

    #[test]
    fn client_addresses_drop_the_port_and_unsafe_characters() {
        assert_eq!(
            ClientAddress::parse("127.0.0.1:54321").as_str(),
            "127.0.0.1"
        );
        assert_eq!(ClientAddress::parse("[::1]:8080").as_str(), "::1");
        assert_eq!(ClientAddress::parse("10.1.2.3").as_str(), "10.1.2.3");
        assert_eq!(ClientAddress::parse("").as_str(), "unknown");
        assert_eq!(ClientAddress::parse("a b\r\nc").as_str(), "abc");
    }

    #[test]
    fn limits_parse_from_configuration_with_a_default() {
        assert_eq!(Limit::parse("200", 5), Limit(200));
        assert_eq!(Limit::parse(" 0 ", 5), Limit(0));
        assert_eq!(Limit::parse("-1", 5), Limit(5));
        assert_eq!(Limit::parse("lots", 5), Limit(5));
    }
}
