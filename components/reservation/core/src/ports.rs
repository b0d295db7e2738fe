//! What the reservation core needs from the outside world. The Spin component implements them
//! over SQLite (bookings, holds, keys, attempts, outbox), key-value (breaker state) and wasi:http
//! (payment); in-memory fakes live in [`crate::testing`].
//!
//! Each write method is atomic on its own: the adapter runs it in one transaction, together with
//! the events it publishes (outbox). The cancel and saga use cases are instead run by the adapter
//! inside one transaction of their own, so their read and write see one state.

use chrono::{DateTime, Utc};
use cinema_events::EventData;
use serde::Serialize;

use crate::breaker::BreakerState;
use crate::hold::{Hold, ReleaseReason};
use crate::model::{CustomerId, HoldId, Money, ReservationId, Screening};
use crate::reservation::{Placement, Reservation};
use crate::ticket::BookingNumber;

/// A storage failure the caller cannot fix (the driver's text, for the log only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

impl StoreError {
    /// Whether the store was only busy: other writers held the database past its busy timeout
    /// (SQLite's `SQLITE_BUSY` / `SQLITE_LOCKED`, which Spin's interface reports as text). The
    /// transaction was rolled back, so the operation may simply be tried again.
    pub fn is_busy(&self) -> bool {
        [
            "database is locked",
            "database is busy",
            "database table is locked",
        ]
        .iter()
        .any(|text| self.0.contains(text))
    }
}

/// The reservation side's copies of the bookable screenings (learned from the theater's events).
pub trait Screenings {
    /// # Errors
    /// Storage unavailable.
    fn screening(&self, id: &str) -> Result<Option<Screening>, StoreError>;

    /// # Errors
    /// Storage unavailable.
    fn upsert_screening(&self, screening: &Screening) -> Result<(), StoreError>;
}

/// A payment about to be asked for: the booking's id (payment's idempotency key) and who pays.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub reservation_id: ReservationId,
    pub customer_id: CustomerId,
    pub started_at: DateTime<Utc>,
    /// The hold's seats stay claimed for the call at least until then; the attempt is presumed
    /// dead afterwards (its instance died mid-call) and is abandoned by the sweep.
    pub until: DateTime<Utc>,
}

/// The result of claiming seats for a hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Every seat is the hold's now.
    Claimed,
    /// These seats are held or booked by someone else; nothing was claimed.
    Taken(Vec<String>),
}

/// The result of starting to pay for a held booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    Began,
    /// The hold is no longer active (expired, released, booked meanwhile).
    Expired,
    /// Another booking request is paying for this hold right now.
    Busy,
}

/// Seat holds and the unique seat claims behind them.
pub trait Holds {
    /// Claims every seat of `hold` for it, or none, atomically: expired claims on those seats
    /// stop counting; the same customer's active holds (not being paid for) that own any of them
    /// are released (`replaced`, announced); then each seat is claimed under the store's unique
    /// key. On success the hold is stored and announced ([`Hold::announcement`]); with `attempt`,
    /// the payment attempt is recorded `PENDING` in the same transaction.
    ///
    /// # Errors
    /// Storage unavailable (nothing claimed).
    fn claim(&self, hold: &Hold, attempt: Option<&Attempt>) -> Result<Claim, StoreError>;

    /// # Errors
    /// Storage unavailable.
    fn hold(&self, id: &HoldId) -> Result<Option<Hold>, StoreError>;

    /// Ends an active hold: stored `RELEASED`, its claims dropped, the end announced. Returns the
    /// hold as stored afterwards (unchanged when it was not active).
    ///
    /// # Errors
    /// Storage unavailable.
    fn release(&self, id: &HoldId, reason: ReleaseReason) -> Result<Option<Hold>, StoreError>;

    /// Starts paying for a held booking, atomically: if the hold is active at `attempt.started_at`,
    /// still claims all its seats and no other live attempt pays for it, its claims are extended
    /// to `attempt.until` and the attempt is recorded `PENDING`.
    ///
    /// # Errors
    /// Storage unavailable (nothing changed).
    fn begin_payment(&self, hold: &Hold, attempt: &Attempt) -> Result<Begin, StoreError>;

    /// Payment charged nothing (declined, refused, never called): the attempt is forgotten and
    /// the hold is free for another try (a call's own hold is released).
    ///
    /// # Errors
    /// Storage unavailable.
    fn end_payment(&self, hold: &Hold, attempt: &ReservationId) -> Result<(), StoreError>;
}

/// The answer to storing a paid booking.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// Stored under a booking number of its own.
    Placed(Box<Reservation>),
    /// The attempt was abandoned meanwhile (the sweep took it for dead; its refund is under way),
    /// or the hold lost its claims: nothing was stored.
    Abandoned,
}

/// Where an accepted reply is remembered for an `Idempotency-Key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef<'a> {
    pub customer_id: &'a CustomerId,
    pub key: &'a str,
}

pub trait Reservations {
    /// # Errors
    /// Storage unavailable.
    fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError>;

    /// The customer's bookings, newest first.
    ///
    /// # Errors
    /// Storage unavailable.
    fn reservations_of(&self, customer: &CustomerId) -> Result<Vec<Reservation>, StoreError>;

    /// The booking numbered `number`, if any.
    ///
    /// # Errors
    /// Storage unavailable.
    fn by_booking_number(&self, number: &BookingNumber) -> Result<Option<Reservation>, StoreError>;

    /// Stores a paid booking atomically, only while its attempt is still pending: the booking
    /// gets a booking number no other booking has (the store draws
    /// [`BookingNumber::new`]`(placement.at, random)` until its unique index takes one, a bounded
    /// number of times), the attempt becomes `PLACED`, the hold's claims become the booking's (no
    /// expiry), the hold `BOOKED`, the accepted reply is remembered under `key`, and the
    /// booking's `ReservationPlaced` then `then` go to the outbox in order.
    ///
    /// # Errors
    /// Storage unavailable, or no free number found (nothing stored).
    fn store_placed(
        &self,
        placement: &Placement,
        hold: &Hold,
        then: &[EventData],
        key: Option<KeyRef<'_>>,
    ) -> Result<Stored, StoreError>;

    /// Saves a changed booking and the event it publishes; a booking that no longer holds seats
    /// releases its claims.
    ///
    /// # Errors
    /// Storage unavailable.
    fn save(&self, reservation: &Reservation, event: Option<&EventData>) -> Result<(), StoreError>;
}

/// Who was let in: one record per booking number, written once.
pub trait CheckIns {
    /// Records the booking's first check-in at `at` unless it has one, atomically (of concurrent
    /// calls exactly one is first). Returns when it was first checked in, and whether that was
    /// this call.
    ///
    /// # Errors
    /// Storage unavailable (nothing recorded).
    fn check_in(
        &self,
        number: &BookingNumber,
        reservation: &ReservationId,
        at: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, bool), StoreError>;

    /// When the booking with this number was first checked in, if it was.
    ///
    /// # Errors
    /// Storage unavailable.
    fn checked_in_at(&self, number: &BookingNumber) -> Result<Option<DateTime<Utc>>, StoreError>;
}

/// Why the reservation side gave up on a payment attempt (the event's `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbandonReason {
    PaymentTimeout,
    PaymentFailed,
    NotStored,
}

impl AbandonReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentTimeout => "payment-timeout",
            Self::PaymentFailed => "payment-failed",
            Self::NotStored => "not-stored",
        }
    }
}

/// Payment attempts that have not (yet) become bookings.
pub trait Attempts {
    /// Gives up on a pending attempt atomically: marked abandoned, the hold it paid for freed
    /// (a call's own hold released), `ReservationAbandoned` in the outbox so payment refunds any
    /// charge. `false` when it was not pending (stored as a booking, or already abandoned).
    ///
    /// # Errors
    /// Storage unavailable (the sweep retries).
    fn abandon(
        &self,
        reservation_id: &ReservationId,
        reason: AbandonReason,
    ) -> Result<bool, StoreError>;

    /// Attempts still pending that started before `before` (their instance died mid-call).
    ///
    /// # Errors
    /// Storage unavailable.
    fn stale(&self, before: DateTime<Utc>) -> Result<Vec<ReservationId>, StoreError>;
}

/// What an `Idempotency-Key` already maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub fingerprint: String,
    pub reservation_id: String,
    /// The first accepted reply, once there is one.
    pub response: Option<String>,
}

pub trait IdempotencyKeys {
    /// Claims `key` for `reservation_id`, or returns what it already maps to.
    ///
    /// # Errors
    /// Storage unavailable.
    fn claim_key(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        reservation_id: &ReservationId,
    ) -> Result<Option<StoredKey>, StoreError>;

    /// Takes over a key row whose request died before storing a booking or releasing it (no
    /// booking, no pending or placed attempt, claimed before `cutoff`); `true` if taken over.
    ///
    /// # Errors
    /// Storage unavailable.
    fn take_over_stale_key(
        &self,
        customer: &CustomerId,
        key: &str,
        stale: &str,
        reservation_id: &ReservationId,
        cutoff: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Forgets the key row this request claimed (under its own id), unless it was stored.
    ///
    /// # Errors
    /// Storage unavailable.
    fn release_key(
        &self,
        customer: &CustomerId,
        key: &str,
        reservation_id: &ReservationId,
    ) -> Result<(), StoreError>;
}

/// The synchronous charge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentRequest {
    pub reservation_id: ReservationId,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub card_token: String,
}

/// What payment answered, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    Approved {
        payment_id: String,
    },
    /// A healthy answer: nothing charged.
    Declined {
        message: String,
    },
    /// Payment refused the request as invalid (e.g. a malformed card token): nothing charged.
    Invalid {
        message: String,
    },
    /// No answer within the deadline: the charge may still have happened.
    Timeout,
    /// Failed, overloaded or unreachable.
    Failed {
        reason: String,
    },
}

pub trait PaymentGateway {
    /// Never blocks longer than the configured deadline.
    fn authorize(&self, request: &PaymentRequest) -> PaymentOutcome;
}

/// The breaker's shared state (every instance and replica sees the same).
pub trait BreakerStates {
    /// # Errors
    /// Storage unavailable.
    fn current(&self) -> Result<BreakerState, StoreError>;

    /// Read-modify-write, atomic against concurrent writers: `change` gets the current state and
    /// returns the next (`None`: leave it); it may run again after a conflict. Returns the state
    /// as stored afterwards.
    ///
    /// # Errors
    /// Storage unavailable, or still conflicting after a bounded number of rounds.
    fn update(
        &self,
        change: &mut dyn FnMut(BreakerState) -> Option<BreakerState>,
    ) -> Result<BreakerState, StoreError>;
}

/// Publishing what was committed: best effort right after the commit (the relay tick and the
/// consumers' sweeps publish whatever this misses).
pub trait Outbox {
    fn relay(&self);
}

pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// New unique ids (time-ordered UUIDs in production).
pub trait Ids {
    fn new_id(&self) -> String;
}
