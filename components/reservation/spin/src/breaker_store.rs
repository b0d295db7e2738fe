//! The payment circuit breaker's shared state: one JSON document in the `reservation` key-value
//! store, changed only with `wasi:keyvalue` compare-and-swap so concurrent instances and replicas
//! agree. It is read on every booking but written only on failures and transitions.

use reservation_core::breaker::{Admission, BreakerConfig, BreakerState};
use spin_sdk::wit::wasi::keyvalue::{atomics, store};

const LABEL: &str = "reservation";
const KEY: &str = "breaker:payment";
const CAS_ATTEMPTS: usize = 8;

pub struct Breaker {
    bucket: store::Bucket,
    config: BreakerConfig,
}

fn now_ms() -> i64 {
    cinema_http::now().timestamp_millis()
}

impl Breaker {
    /// # Errors
    /// The store cannot be opened.
    pub fn open(config: BreakerConfig) -> Result<Self, String> {
        let bucket = store::open(LABEL).map_err(|e| format!("breaker store: {e:?}"))?;
        Ok(Self { bucket, config })
    }

    fn read(&self) -> BreakerState {
        match self.bucket.get(KEY) {
            Ok(Some(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Ok(None) => BreakerState::default(),
            Err(e) => {
                // Fail open: an unreadable breaker must not stop bookings.
                cinema_http::log(
                    crate::CONTEXT,
                    cinema_http::Level::Warn,
                    &format!("breaker unreadable: {e:?}"),
                    &[],
                );
                BreakerState::default()
            }
        }
    }

    /// Decides whether this booking may call payment. A caller that gets `Probe` has already
    /// won the half-open slot.
    pub fn admit(&self) -> Admission {
        let now = now_ms();
        match self.read().admit(now, &self.config) {
            Admission::Probe => {
                let won = self.update(|state| match state.admit(now, &self.config) {
                    Admission::Probe => Some(BreakerState::HalfOpen {
                        probe_started_ms: now,
                    }),
                    _ => None,
                });
                match won {
                    Some(BreakerState::HalfOpen { probe_started_ms })
                        if probe_started_ms == now =>
                    {
                        Admission::Probe
                    }
                    Some(state) => Admission::Reject {
                        retry_after_s: state.retry_after_s(now),
                    },
                    None => Admission::Reject { retry_after_s: 1 },
                }
            }
            other => other,
        }
    }

    pub fn record_success(&self) {
        if self.read().after_success().is_some() {
            self.update(|state| state.after_success());
        }
    }

    /// Records a failure and returns the seconds a customer should wait before retrying.
    pub fn record_failure(&self) -> u64 {
        let now = now_ms();
        match self.update(|state| Some(state.after_failure(now, &self.config))) {
            Some(state) => state.retry_after_s(now),
            None => 1,
        }
    }

    /// Applies `change` with compare-and-swap, retrying on conflict. Returns the state written
    /// (or the current one when `change` wanted no write); `None` if the store kept failing.
    fn update(
        &self,
        change: impl Fn(BreakerState) -> Option<BreakerState>,
    ) -> Option<BreakerState> {
        // Spin's CAS upserts when the key is absent; make sure it exists so swaps compare.
        if matches!(self.bucket.get(KEY), Ok(None)) {
            let initial = serde_json::to_vec(&BreakerState::default()).expect("state serialises");
            if let Err(e) = self.bucket.set(KEY, &initial) {
                cinema_http::log(
                    crate::CONTEXT,
                    cinema_http::Level::Warn,
                    &format!("breaker init: {e:?}"),
                    &[],
                );
            }
        }
        for _ in 0..CAS_ATTEMPTS {
            let cas = atomics::Cas::new(&self.bucket, KEY).ok()?;
            let current: BreakerState = match cas.current() {
                Ok(Some(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
                Ok(None) => BreakerState::default(),
                Err(_) => return None,
            };
            let Some(next) = change(current) else {
                return Some(current);
            };
            let bytes = serde_json::to_vec(&next).expect("state serialises");
            match atomics::swap(cas, &bytes) {
                Ok(()) => return Some(next),
                Err(atomics::CasError::CasFailed(_)) => continue,
                Err(atomics::CasError::StoreError(e)) => {
                    cinema_http::log(
                        crate::CONTEXT,
                        cinema_http::Level::Warn,
                        &format!("breaker write: {e:?}"),
                        &[],
                    );
                    return None;
                }
            }
        }
        None
    }
}
