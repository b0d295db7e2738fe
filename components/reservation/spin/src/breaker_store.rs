//! The payment circuit breaker's shared state: one JSON document in the `reservation` key-value
//! store, changed only by compare-and-swap ([`Documents::update_json`], which also creates the
//! document safely), so concurrent instances and replicas agree. The decisions are the core's
//! ([`reservation_core::breaker::CircuitBreaker`]).

use cinema_eventing::kv::Documents;
use reservation_core::breaker::BreakerState;
use reservation_core::ports::{BreakerStates, StoreError};

const LABEL: &str = "reservation";
const KEY: &str = "breaker:payment";

pub struct KvBreaker {
    documents: Option<Documents>,
}

impl KvBreaker {
    /// A store that cannot be opened is logged and reads as a closed breaker: an unavailable
    /// breaker must not stop bookings.
    pub fn open() -> Self {
        let documents = Documents::open(LABEL, crate::CONTEXT)
            .inspect_err(|e| warn(&format!("breaker store: {e}")))
            .ok();
        Self { documents }
    }

    fn documents(&self) -> Result<&Documents, StoreError> {
        self.documents
            .as_ref()
            .ok_or_else(|| StoreError("the breaker store is not open".into()))
    }
}

fn warn(message: &str) {
    cinema_http::log(crate::CONTEXT, cinema_http::Level::Warn, message, &[]);
}

impl BreakerStates for KvBreaker {
    fn current(&self) -> Result<BreakerState, StoreError> {
        self.documents()?
            .get_json::<BreakerState>(KEY)
            .map(Option::unwrap_or_default)
            .map_err(|e| {
                warn(&format!("breaker unreadable: {e}"));
                StoreError(e.to_string())
            })
    }

    fn update(
        &self,
        change: &mut dyn FnMut(BreakerState) -> Option<BreakerState>,
    ) -> Result<BreakerState, StoreError> {
        self.documents()?
            .update_json::<BreakerState>(KEY, |current| change(current.unwrap_or_default()))
            .map(Option::unwrap_or_default)
            .map_err(|e| {
                warn(&format!("breaker write: {e}"));
                StoreError(e.to_string())
            })
    }
}
