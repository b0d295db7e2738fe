//! The circuit breaker around the payment call. Its state is shared by every instance and
//! replica (the adapter keeps it in key-value with compare-and-swap), so the decisions here are
//! pure functions of (state, now, config).
//!
//! Closed: calls go through; consecutive failures are counted. At `failure_threshold` the breaker
//! opens for `open_for`: every booking gets "retry shortly" at once, without calling payment.
//! Afterwards exactly one caller wins the half-open probe; its outcome closes or re-opens it.
//! A declined card is a healthy answer, not a failure.

use serde::{Deserialize, Serialize};

use crate::ports::BreakerStates;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BreakerState {
    Closed { failures: u32 },
    Open { until_ms: i64 },
    HalfOpen { probe_started_ms: i64 },
}

impl Default for BreakerState {
    fn default() -> Self {
        Self::Closed { failures: 0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    pub failure_threshold: u32,
    pub open_for_ms: i64,
    /// A probe older than this is presumed lost (its instance died) and another may start.
    pub probe_timeout_ms: i64,
}

/// What a caller may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Call,
    /// Call as the half-open probe, after winning the CAS to [`BreakerState::HalfOpen`].
    Probe,
    Reject {
        retry_after_s: u64,
    },
}

fn seconds_until(until_ms: i64, now_ms: i64) -> u64 {
    let ms = (until_ms - now_ms).max(0);
    u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)
}

impl BreakerState {
    pub fn admit(&self, now_ms: i64, config: &BreakerConfig) -> Admission {
        match *self {
            Self::Closed { .. } => Admission::Call,
            Self::Open { until_ms } if now_ms < until_ms => Admission::Reject {
                retry_after_s: seconds_until(until_ms, now_ms),
            },
            Self::Open { .. } => Admission::Probe,
            Self::HalfOpen { probe_started_ms }
                if now_ms - probe_started_ms < config.probe_timeout_ms =>
            {
                Admission::Reject { retry_after_s: 1 }
            }
            Self::HalfOpen { .. } => Admission::Probe,
        }
    }

    /// The state as a booking arriving at `now_ms` meets it, for operators: an open breaker whose
    /// cool-down is over lets the next booking through as the probe, so it is half-open although
    /// the stored state changes only when that booking comes (on a quiet system an "open" would
    /// otherwise linger long after payment may have recovered).
    pub fn as_seen_at(&self, now_ms: i64) -> Self {
        match *self {
            Self::Open { until_ms } if until_ms <= now_ms => Self::HalfOpen {
                probe_started_ms: until_ms,
            },
            other => other,
        }
    }

    /// The state after a successful call, or `None` when nothing changes (the hot path writes
    /// nothing).
    pub fn after_success(&self) -> Option<Self> {
        match self {
            Self::Closed { failures: 0 } => None,
            _ => Some(Self::Closed { failures: 0 }),
        }
    }

    /// The state after a failed or timed-out call.
    pub fn after_failure(&self, now_ms: i64, config: &BreakerConfig) -> Self {
        let open = Self::Open {
            until_ms: now_ms + config.open_for_ms,
        };
        match *self {
            Self::Closed { failures } if failures + 1 >= config.failure_threshold => open,
            Self::Closed { failures } => Self::Closed {
                failures: failures + 1,
            },
            Self::HalfOpen { .. } => open,
            // A call admitted before the breaker opened failed late: keep the current window.
            Self::Open { .. } => *self,
        }
    }

    /// Seconds a rejected caller should wait, given this state.
    pub fn retry_after_s(&self, now_ms: i64) -> u64 {
        match *self {
            Self::Open { until_ms } => seconds_until(until_ms, now_ms),
            _ => 1,
        }
    }
}

/// The breaker as the booking flow uses it: decisions from [`BreakerState`], shared state through
/// [`BreakerStates`] (compare-and-swap, so concurrent instances agree). Reads on every booking,
/// writes only on failures and transitions. An unreadable or unwritable state never stops a
/// booking: the breaker then lets calls through.
pub struct CircuitBreaker<'a> {
    pub states: &'a dyn BreakerStates,
    pub config: BreakerConfig,
}

impl CircuitBreaker<'_> {
    /// Whether this booking may call payment now. A caller that gets [`Admission::Probe`] has
    /// won the half-open slot.
    pub fn admit(&self, now_ms: i64) -> Admission {
        let state = self.states.current().unwrap_or_default();
        match state.admit(now_ms, &self.config) {
            Admission::Probe => {
                let won =
                    self.states
                        .update(&mut |state| match state.admit(now_ms, &self.config) {
                            Admission::Probe => Some(BreakerState::HalfOpen {
                                probe_started_ms: now_ms,
                            }),
                            _ => None,
                        });
                match won {
                    Ok(BreakerState::HalfOpen { probe_started_ms })
                        if probe_started_ms == now_ms =>
                    {
                        Admission::Probe
                    }
                    Ok(state) => Admission::Reject {
                        retry_after_s: state.retry_after_s(now_ms),
                    },
                    Err(_) => Admission::Reject { retry_after_s: 1 },
                }
            }
            other => other,
        }
    }

    /// Payment answered (approved, declined or refused): closes the breaker if it was not.
    pub fn record_success(&self) {
        if self
            .states
            .current()
            .is_ok_and(|state| state.after_success().is_some())
        {
            let _ = self.states.update(&mut |state| state.after_success());
        }
    }

    /// Payment failed or timed out; returns the seconds a customer should wait.
    pub fn record_failure(&self, now_ms: i64) -> u64 {
        self.states
            .update(&mut |state| Some(state.after_failure(now_ms, &self.config)))
            .map_or(1, |state| state.retry_after_s(now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: BreakerConfig = BreakerConfig {
        failure_threshold: 3,
        open_for_ms: 10_000,
        probe_timeout_ms: 4_000,
    };

    #[test]
    fn a_closed_breaker_lets_calls_through() {
        assert_eq!(BreakerState::default().admit(0, &CONFIG), Admission::Call);
    }

    #[test]
    fn it_opens_after_the_threshold_of_consecutive_failures() {
        let mut s = BreakerState::default();
        for _ in 0..2 {
            s = s.after_failure(1_000, &CONFIG);
            assert_eq!(s.admit(1_000, &CONFIG), Admission::Call);
        }
        s = s.after_failure(1_000, &CONFIG);
        assert_eq!(s, BreakerState::Open { until_ms: 11_000 });
        assert_eq!(
            s.admit(1_000, &CONFIG),
            Admission::Reject { retry_after_s: 10 }
        );
        assert_eq!(
            s.admit(10_500, &CONFIG),
            Admission::Reject { retry_after_s: 1 }
        );
    }

    #[test]
    fn a_success_resets_the_failure_count_and_writes_only_when_needed() {
        let s = BreakerState::Closed { failures: 2 };
        assert_eq!(s.after_success(), Some(BreakerState::default()));
        assert_eq!(BreakerState::default().after_success(), None);
    }

    #[test]
    fn after_the_cool_down_one_probe_decides() {
        let open = BreakerState::Open { until_ms: 11_000 };
        assert_eq!(open.admit(11_000, &CONFIG), Admission::Probe);
        let probing = BreakerState::HalfOpen {
            probe_started_ms: 11_000,
        };
        assert_eq!(
            probing.admit(11_500, &CONFIG),
            Admission::Reject { retry_after_s: 1 }
        );
        assert_eq!(probing.after_success(), Some(BreakerState::default()));
        assert_eq!(
            probing.after_failure(12_000, &CONFIG),
            BreakerState::Open { until_ms: 22_000 }
        );
    }

    #[test]
    fn an_open_breaker_past_its_cool_down_is_seen_half_open() {
        let open = BreakerState::Open { until_ms: 10_000 };
        assert_eq!(open.as_seen_at(9_999), open);
        assert_eq!(
            open.as_seen_at(10_000),
            BreakerState::HalfOpen {
                probe_started_ms: 10_000
            }
        );
        let closed = BreakerState::Closed { failures: 3 };
        assert_eq!(closed.as_seen_at(10_000), closed);
    }

    #[test]
    fn a_lost_probe_lets_another_caller_probe() {
        let probing = BreakerState::HalfOpen {
            probe_started_ms: 11_000,
        };
        assert_eq!(probing.admit(15_000, &CONFIG), Admission::Probe);
    }

    #[test]
    fn a_late_failure_does_not_extend_an_open_window() {
        let open = BreakerState::Open { until_ms: 11_000 };
        assert_eq!(open.after_failure(5_000, &CONFIG), open);
    }

    #[test]
    fn state_survives_json() {
        for s in [
            BreakerState::default(),
            BreakerState::Open { until_ms: 5 },
            BreakerState::HalfOpen {
                probe_started_ms: 7,
            },
        ] {
            let text = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<BreakerState>(&text).unwrap(), s);
        }
    }

    #[test]
    fn given_a_shared_state_when_two_callers_race_for_the_probe_then_one_wins() {
        let states = crate::testing::InMemoryBreaker::with(BreakerState::Open { until_ms: 1_000 });
        let breaker = CircuitBreaker {
            states: &states,
            config: CONFIG,
        };
        assert_eq!(breaker.admit(2_000), Admission::Probe);
        assert_eq!(breaker.admit(2_001), Admission::Reject { retry_after_s: 1 });
        breaker.record_success();
        assert_eq!(states.state(), BreakerState::default());
    }

    #[test]
    fn an_unreadable_state_lets_calls_through() {
        let states = crate::testing::InMemoryBreaker::default();
        states.fail(true);
        let breaker = CircuitBreaker {
            states: &states,
            config: CONFIG,
        };
        assert_eq!(breaker.admit(0), Admission::Call);
        assert_eq!(breaker.record_failure(0), 1);
    }
}
