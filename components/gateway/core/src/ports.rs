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

/// Counters shared by every gateway instance (a key-value store with atomic increment).
pub trait WindowCounters {
    /// Atomically adds one to `key` (absent = 0) and returns the new value.
    ///
    /// # Errors
    /// [`CounterError`] when the store is unavailable.
    fn increment(&self, key: &str) -> Result<i64, CounterError>;

    /// Every key in the store (the store holds rate-limit counters only).
    ///
    /// # Errors
    /// [`CounterError`] when the store is unavailable.
    fn keys(&self) -> Result<Vec<String>, CounterError>;

    /// Deletes the keys (absent keys are fine).
    ///
    /// # Errors
    /// [`CounterError`] when the store is unavailable.
    fn delete(&self, keys: &[String]) -> Result<(), CounterError>;
}
