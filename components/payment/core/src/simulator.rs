//! The payment-provider simulator's settings: how slow and how unreliable the stand-in PSP is, so
//! the reservation side's timeout and circuit breaker can be demonstrated on purpose.

use std::time::Duration;

use crate::model::Invalid;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatorSettings {
    latency_ms: u64,
    failure_rate: f64,
}

impl SimulatorSettings {
    pub const MAX_LATENCY_MS: u64 = 60_000;

    /// A healthy provider: no added latency, no failures.
    pub const HEALTHY: Self = Self {
        latency_ms: 0,
        failure_rate: 0.0,
    };

    /// # Errors
    /// `latency_ms` over 60,000, or `failure_rate` outside 0.0–1.0 (or not a number).
    pub fn new(latency_ms: u64, failure_rate: f64) -> Result<Self, Invalid> {
        if latency_ms > Self::MAX_LATENCY_MS {
            return Err(Invalid::new(
                "latency_ms",
                format!("must be between 0 and {}", Self::MAX_LATENCY_MS),
            ));
        }
        if !(0.0..=1.0).contains(&failure_rate) {
            return Err(Invalid::new("failure_rate", "must be between 0.0 and 1.0"));
        }
        Ok(Self {
            latency_ms,
            failure_rate,
        })
    }

    pub fn latency_ms(&self) -> u64 {
        self.latency_ms
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }

    pub fn failure_rate(&self) -> f64 {
        self.failure_rate
    }

    /// Whether a call fails, given a uniform draw in `[0, 1)`: a rate of 0.25 fails draws below
    /// 0.25, a rate of 1.0 fails every call, 0.0 none.
    pub fn fails(&self, draw: f64) -> bool {
        draw < self.failure_rate
    }
}

impl Default for SimulatorSettings {
    fn default() -> Self {
        Self::HEALTHY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_outside_their_ranges_are_rejected() {
        assert!(SimulatorSettings::new(60_001, 0.0).is_err());
        assert!(SimulatorSettings::new(0, -0.1).is_err());
        assert!(SimulatorSettings::new(0, 1.01).is_err());
        assert!(SimulatorSettings::new(0, f64::NAN).is_err());
        assert!(SimulatorSettings::new(60_000, 1.0).is_ok());
        assert!(SimulatorSettings::new(0, 0.0).is_ok());
    }

    #[test]
    fn a_failure_rate_of_zero_never_fails_and_one_always_fails() {
        let never = SimulatorSettings::new(0, 0.0).unwrap();
        let always = SimulatorSettings::new(0, 1.0).unwrap();
        for draw in [0.0, 0.5, 0.999_999] {
            assert!(!never.fails(draw));
            assert!(always.fails(draw));
        }
    }

    #[test]
    fn a_partial_failure_rate_fails_draws_below_it() {
        let quarter = SimulatorSettings::new(0, 0.25).unwrap();
        assert!(quarter.fails(0.1));
        assert!(!quarter.fails(0.25));
        assert!(!quarter.fails(0.9));
    }
}
