//! What the payment core needs from the outside world. Adapters live in the Spin component;
//! in-memory fakes live in [`crate::testing`].

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::authorization::Attempt;
use crate::model::{PaymentId, ReservationId};
use crate::payment::{Payment, Refund};
use crate::simulator::SimulatorSettings;

/// A storage failure the caller cannot fix (the driver's text, for the log only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// The result of recording an approval under the one-approval-per-reservation rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The payment was stored together with its `PaymentApproved` event.
    New,
    /// A concurrent call approved this reservation first; nothing was stored. Here is that payment.
    Existing(Payment),
    /// The reservation side gave up on this reservation (`ReservationAbandoned` arrived before
    /// the approval could be stored): nothing was charged.
    Abandoned,
}

/// Approved payments and recorded attempts, as the authorization use case needs them.
pub trait Approvals {
    /// The payment approved for a reservation, refunded or not.
    ///
    /// # Errors
    /// Storage unavailable.
    fn payment_for(&self, reservation_id: &ReservationId) -> Result<Option<Payment>, StoreError>;

    /// Stores a new payment and its `PaymentApproved` event atomically, unless the reservation
    /// already has a payment (then nothing is stored and that payment is returned).
    ///
    /// # Errors
    /// Storage unavailable (nothing stored).
    fn record_approval(
        &self,
        payment: &Payment,
        event: &cinema_events::PaymentApproved,
    ) -> Result<Recorded, StoreError>;

    /// Keeps an attempt that did not end in an approval (declined, provider unavailable).
    ///
    /// # Errors
    /// Storage unavailable.
    fn record_attempt(&self, attempt: &Attempt) -> Result<(), StoreError>;
}

/// Payments as the refund use case needs them. Implementations run inside the transaction of the
/// event being handled, so the read and the write see one consistent state.
pub trait Refunds {
    /// The payment approved for a reservation, refunded or not.
    ///
    /// # Errors
    /// Storage unavailable.
    fn payment_for(&self, reservation_id: &ReservationId) -> Result<Option<Payment>, StoreError>;

    /// Stores the refund, the payment's new status and the `PaymentRefunded` event together.
    ///
    /// # Errors
    /// Storage unavailable, or the payment already has a refund (a concurrent handler won).
    fn record_refund(
        &self,
        payment: &Payment,
        refund: &Refund,
        event: &cinema_events::PaymentRefunded,
    ) -> Result<(), StoreError>;
}

/// Reading payments for the admin view.
pub trait PaymentLookup {
    /// # Errors
    /// Storage unavailable.
    fn find(&self, id: &PaymentId) -> Result<Option<Payment>, StoreError>;
}

/// Where the simulator's settings live (shared by every instance of the context).
pub trait SimulatorSettingsStore {
    /// The current settings; [`SimulatorSettings::HEALTHY`] if never set.
    ///
    /// # Errors
    /// Storage unavailable.
    fn load(&self) -> Result<SimulatorSettings, StoreError>;

    /// # Errors
    /// Storage unavailable.
    fn save(&self, settings: &SimulatorSettings) -> Result<(), StoreError>;
}

pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// New unique identifiers for payments, refunds and attempts.
pub trait IdGenerator {
    fn new_id(&self) -> String;
}

/// The simulated provider's dice: a uniform draw in `[0, 1)` per authorization.
pub trait FailureDraw {
    fn draw(&self) -> f64;
}

/// The simulated provider's think time.
pub trait Sleeper {
    fn sleep(&self, duration: Duration);
}
