//! What the gateway core needs from the outside world.

/// The wall clock.
pub trait Clock {
    /// Seconds since the Unix epoch.
    fn now_unix_s(&self) -> i64;
}

/// The rate-limit store unavailable or misbehaving.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate-limit store: {0}")]
pub struct CounterError(pub String);

/// Counters shared by every gateway instance (Redis: `INCR` + `EXPIRE`), which expire by
/// themselves.
pub trait WindowCounters {
    /// Atomically adds one to `key` (absent = 0) and returns the new value; a key this creates
    /// expires `ttl_s` seconds later.
    ///
    /// # Errors
    /// [`CounterError`] when the store is unavailable.
    fn increment(&self, key: &str, ttl_s: u32) -> Result<i64, CounterError>;
}
