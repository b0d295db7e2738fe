//! Rate limits in fixed one-second windows, counted in a shared store.
//!
//! **Hot path: one atomic increment per enabled limit.** Each request increments
//! `rl:{second}:{kind}:{client}`; the value is the client's count in that second, so there is no
//! read-modify-write and no reset (a new second is a new key). The increment sets the key's
//! time-to-live ([`COUNTER_TTL_S`]) when it creates it, so counters expire by themselves: nothing
//! ever lists or sweeps the store.
//!
//! **Clients:** a customer by id; an address by IPv4 address or IPv6 /64 (one subscriber's
//! network: an IPv6 client that rotates through its prefix is still one client).

use std::net::{IpAddr, Ipv6Addr};

use crate::identity::CustomerId;
use crate::ports::{CounterError, WindowCounters};

/// How long a window's counter lives: its second and one more (replicas' clocks differ a little).
pub const COUNTER_TTL_S: u32 = 2;
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

/// A client's network, from Spin's `spin-client-addr` (`ip:port`): the IPv4 address, or the
/// IPv6 /64 it belongs to (an IPv4-mapped IPv6 address counts as the IPv4 address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(String);

impl ClientAddress {
    /// `203.0.113.7:50122` → `203.0.113.7`; `[2001:db8:1:2:a:b:c:d]:443` → `2001:db8:1:2::/64`.
    /// Anything that is not an address is kept only as far as it is key-safe (hex digits, `.`,
    /// `:`), so a strange value can neither break a key nor grow it.
    pub fn parse(value: &str) -> Self {
        let value = value.trim();
        let ip = value
            .parse::<std::net::SocketAddr>()
            .map(|s| s.ip())
            .or_else(|_| value.parse::<IpAddr>());
        let host = match ip {
            Ok(IpAddr::V4(v4)) => v4.to_string(),
            Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    let network = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    format!("{network}/64")
                }
            },
            Err(_) => value
                .chars()
                .filter(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':'))
                .take(45)
                .collect(),
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

/// Seconds a limited client should wait: until the current window ends (at least 1).
pub fn retry_after_s() -> u64 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { retry_after_s: u64 },
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
    /// open).
    pub fn check(
        &self,
        subject: &Subject,
        limit: Limit,
        now_unix_s: i64,
    ) -> Result<Verdict, CounterError> {
        if !limit.is_enabled() {
            return Ok(Verdict::Allowed);
        }
        let key = counter_key(subject, window(now_unix_s));
        let count = self.counters.increment(&key, COUNTER_TTL_S)?;
        Ok(if count > i64::from(limit.0) {
            Verdict::Limited {
                retry_after_s: retry_after_s(),
            }
        } else {
            Verdict::Allowed
        })
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
                limiter.check(&alice(), Limit(3), T0).unwrap(),
                Verdict::Allowed
            );
        }
        assert_eq!(
            limiter.check(&alice(), Limit(3), T0).unwrap(),
            Verdict::Limited { retry_after_s: 1 }
        );
        assert_eq!(
            limiter.check(&alice(), Limit(3), T0 + 1).unwrap(),
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
            limiter.check(&alice(), Limit(1), T0).unwrap(),
            Verdict::Allowed
        );
        assert_eq!(limiter.check(&bob, Limit(1), T0).unwrap(), Verdict::Allowed);
        assert_eq!(
            limiter.check(&address, Limit(1), T0).unwrap(),
            Verdict::Allowed
        );
        assert!(matches!(
            limiter.check(&alice(), Limit(1), T0).unwrap(),
            Verdict::Limited { .. }
        ));
    }

    #[test]
    fn a_zero_limit_is_disabled_and_touches_no_store() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        for _ in 0..100 {
            assert_eq!(
                limiter.check(&alice(), Limit(0), T0).unwrap(),
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
    fn every_counter_expires_by_itself_after_its_window() {
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        for second in 0..5 {
            let subject = Subject::Address(ClientAddress::parse(&format!("10.0.0.{second}:1")));
            limiter.check(&subject, Limit(10), T0 + second).unwrap();
            limiter.check(&alice(), Limit(10), T0 + second).unwrap();
        }
        let ttls = store.ttls();
        assert_eq!(ttls.len(), 10, "{ttls:?}");
        assert!(ttls.values().all(|ttl| *ttl == COUNTER_TTL_S), "{ttls:?}");
    }

    #[test]
    fn window_keys_carry_their_second() {
        let key = counter_key(
            &Subject::Address(ClientAddress::parse("[2001:db8::1]:443")),
            T0,
        );
        assert_eq!(key, format!("rl:{T0}:a:2001:db8::/64"));
    }

    #[test]
    fn client_addresses_drop_the_port_and_unsafe_characters() {
        assert_eq!(
            ClientAddress::parse("127.0.0.1:54321").as_str(),
            "127.0.0.1"
        );
        assert_eq!(ClientAddress::parse("[::1]:8080").as_str(), "::/64");
        assert_eq!(
            ClientAddress::parse("[::ffff:192.0.2.9]:8080").as_str(),
            "192.0.2.9"
        );
        assert_eq!(ClientAddress::parse("10.1.2.3").as_str(), "10.1.2.3");
        assert_eq!(ClientAddress::parse("").as_str(), "unknown");
        assert_eq!(ClientAddress::parse("a b\r\nc").as_str(), "abc");
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_network() {
        let a = ClientAddress::parse("[2001:db8:aa:bb:1:2:3:4]:5000");
        let b = ClientAddress::parse("[2001:db8:aa:bb:ffff::9]:6000");
        let other = ClientAddress::parse("[2001:db8:aa:bc::1]:5000");
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "2001:db8:aa:bb::/64");
        assert_ne!(a, other);
        let store = MemoryCounters::default();
        let limiter = RateLimiter::new(&store);
        assert_eq!(
            limiter.check(&Subject::Address(a), Limit(1), T0).unwrap(),
            Verdict::Allowed
        );
        assert!(matches!(
            limiter.check(&Subject::Address(b), Limit(1), T0).unwrap(),
            Verdict::Limited { .. }
        ));
    }

    #[test]
    fn limits_parse_from_configuration_with_a_default() {
        assert_eq!(Limit::parse("200", 5), Limit(200));
        assert_eq!(Limit::parse(" 0 ", 5), Limit(0));
        assert_eq!(Limit::parse("-1", 5), Limit(5));
        assert_eq!(Limit::parse("lots", 5), Limit(5));
    }
}
