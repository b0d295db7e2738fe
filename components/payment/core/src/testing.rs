//! In-memory fakes for every port, for the core's tests (and other crates' with the `testing`
//! feature).

use std::cell::{Cell, RefCell};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use crate::authorization::{Attempt, AuthorizationRequest, AuthorizePayment};
use crate::model::{CustomerId, Money, PaymentId, ReservationId};
use crate::payment::{Payment, Refund};
use crate::ports::{
    Approvals, Clock, FailureDraw, IdGenerator, PaymentLookup, Recorded, Refunds,
    SimulatorSettingsStore, Sleeper, StoreError,
};
use crate::refund::RefundPayment;
use crate::simulator::SimulatorSettings;

/// 2026-11-23T10:00:00Z plus `seconds`.
pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .expect("a valid date")
        + chrono::Duration::seconds(seconds)
}

/// An approved KRW payment.
pub fn payment(id: &str, reservation: &str, customer: &str, amount: i64) -> Payment {
    Payment::approve(
        PaymentId::parse(id).expect("test id"),
        ReservationId::parse(reservation).expect("test id"),
        CustomerId::parse(customer).expect("test id"),
        Money::new(amount, "KRW").expect("test amount"),
        at(0),
    )
    .0
}

/// A valid KRW authorization request.
pub fn request(reservation: &str, customer: &str, amount: i64, card: &str) -> AuthorizationRequest {
    AuthorizationRequest::parse(None, reservation, customer, amount, "KRW", card)
        .expect("a valid test request")
}

/// The payment database in memory.
#[derive(Default)]
pub struct InMemoryStore {
    payments: RefCell<Vec<Payment>>,
    attempts: RefCell<Vec<Attempt>>,
    approved: RefCell<Vec<cinema_events::PaymentApproved>>,
    refunded: RefCell<Vec<cinema_events::PaymentRefunded>>,
    settings: Cell<Option<SimulatorSettings>>,
    racing_winner: RefCell<Option<Payment>>,
    failing: Cell<bool>,
}

impl InMemoryStore {
    pub fn payments(&self) -> Vec<Payment> {
        self.payments.borrow().clone()
    }

    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.borrow().clone()
    }

    pub fn approved_events(&self) -> Vec<cinema_events::PaymentApproved> {
        self.approved.borrow().clone()
    }

    pub fn refunded_events(&self) -> Vec<cinema_events::PaymentRefunded> {
        self.refunded.borrow().clone()
    }

    pub fn set_settings(&self, settings: SimulatorSettings) {
        self.settings.set(Some(settings));
    }

    /// Simulates another instance committing `winner` just before our next insert.
    pub fn approve_concurrently_before_next_insert(&self, winner: Payment) {
        *self.racing_winner.borrow_mut() = Some(winner);
    }

    /// Every later write fails as if the database were unavailable.
    pub fn fail_writes(&self) {
        self.failing.set(true);
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        if self.failing.get() {
            Err(StoreError("database is locked".into()))
        } else {
            Ok(())
        }
    }

    fn by_reservation(&self, reservation_id: &ReservationId) -> Option<Payment> {
        self.payments
            .borrow()
            .iter()
            .find(|p| p.reservation_id() == reservation_id)
            .cloned()
    }
}

impl Approvals for InMemoryStore {
    fn payment_for(&self, reservation_id: &ReservationId) -> Result<Option<Payment>, StoreError> {
        Ok(self.by_reservation(reservation_id))
    }

    fn record_approval(
        &self,
        payment: &Payment,
        event: &cinema_events::PaymentApproved,
    ) -> Result<Recorded, StoreError> {
        self.check_writable()?;
        if let Some(winner) = self.racing_winner.borrow_mut().take() {
            self.payments.borrow_mut().push(winner);
        }
        if let Some(existing) = self.by_reservation(payment.reservation_id()) {
            return Ok(Recorded::Existing(existing));
        }
        self.payments.borrow_mut().push(payment.clone());
        self.approved.borrow_mut().push(event.clone());
        Ok(Recorded::New)
    }

    fn record_attempt(&self, attempt: &Attempt) -> Result<(), StoreError> {
        self.check_writable()?;
        self.attempts.borrow_mut().push(attempt.clone());
        Ok(())
    }
}

impl Refunds for InMemoryStore {
    fn payment_for(&self, reservation_id: &ReservationId) -> Result<Option<Payment>, StoreError> {
        Ok(self.by_reservation(reservation_id))
    }

    fn record_refund(
        &self,
        payment: &Payment,
        _refund: &Refund,
        event: &cinema_events::PaymentRefunded,
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        let mut payments = self.payments.borrow_mut();
        let stored = payments
            .iter_mut()
            .find(|p| p.id() == payment.id())
            .ok_or_else(|| StoreError("no such payment".into()))?;
        if stored.refund_record().is_some() {
            return Err(StoreError(
                "UNIQUE constraint failed: refunds.payment_id".into(),
            ));
        }
        *stored = payment.clone();
        self.refunded.borrow_mut().push(event.clone());
        Ok(())
    }
}

impl PaymentLookup for InMemoryStore {
    fn find(&self, id: &PaymentId) -> Result<Option<Payment>, StoreError> {
        Ok(self
            .payments
            .borrow()
            .iter()
            .find(|p| p.id() == id)
            .cloned())
    }
}

impl SimulatorSettingsStore for InMemoryStore {
    fn load(&self) -> Result<SimulatorSettings, StoreError> {
        Ok(self.settings.get().unwrap_or_default())
    }

    fn save(&self, settings: &SimulatorSettings) -> Result<(), StoreError> {
        self.check_writable()?;
        self.settings.set(Some(*settings));
        Ok(())
    }
}

/// A clock that advances one second per reading.
#[derive(Default)]
pub struct TickingClock(Cell<i64>);

impl Clock for TickingClock {
    fn now(&self) -> DateTime<Utc> {
        let t = self.0.get();
        self.0.set(t + 1);
        at(t)
    }
}

/// Ids `id-1`, `id-2`, …
#[derive(Default)]
pub struct SequentialIds(Cell<u32>);

impl IdGenerator for SequentialIds {
    fn new_id(&self) -> String {
        self.0.set(self.0.get() + 1);
        format!("id-{}", self.0.get())
    }
}

/// Always draws the same value (0.5 unless set).
pub struct FixedDraw(pub Cell<f64>);

impl Default for FixedDraw {
    fn default() -> Self {
        Self(Cell::new(0.5))
    }
}

impl FailureDraw for FixedDraw {
    fn draw(&self) -> f64 {
        self.0.get()
    }
}

/// Records requested pauses instead of sleeping.
#[derive(Default)]
pub struct RecordingSleeper(Cell<u128>);

impl RecordingSleeper {
    pub fn total_ms(&self) -> u128 {
        self.0.get()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) {
        self.0.set(self.0.get() + duration.as_millis());
    }
}

/// Every fake, wired into the use cases.
#[derive(Default)]
pub struct Fakes {
    pub store: InMemoryStore,
    pub clock: TickingClock,
    pub ids: SequentialIds,
    pub draw: FixedDraw,
    pub sleeper: RecordingSleeper,
}

impl Fakes {
    pub fn authorize(&self) -> AuthorizePayment<'_> {
        AuthorizePayment {
            approvals: &self.store,
            settings: &self.store,
            clock: &self.clock,
            ids: &self.ids,
            draw: &self.draw,
            sleeper: &self.sleeper,
        }
    }

    pub fn refund(&self) -> RefundPayment<'_> {
        RefundPayment {
            refunds: &self.store,
            clock: &self.clock,
            ids: &self.ids,
        }
    }
}
