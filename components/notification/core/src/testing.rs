//! In-memory fakes for every port and event builders, for the core's tests (and other crates'
//! with the `testing` feature).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use cinema_events::{Envelope, EventData, Money, RejectionReason, SCHEMA_VERSION};

use crate::deliver::DeliverPending;
use crate::delivery::{DeliveryTotals, RetryPolicy};
use crate::locale::VenueZone;
use crate::model::{Amount, NotificationId, ScreeningInfo};
use crate::notification::{ChannelKind, Notification};
use crate::ports::{
    ChatChannel, ChatMessage, Clock, Created, CustomerIndex, CustomerPreferences, DeliveryCounts,
    DeliveryError, NotificationReader, Notifications, PendingDeliveries, Screenings, StoreError,
};
use crate::preferences::Preferences;
use crate::record::{RecordStatusChange, remember_screening};

/// 2026-11-23T10:00:00Z plus `seconds`.
pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .expect("a valid date")
        + chrono::Duration::seconds(seconds)
}

pub fn envelope(data: EventData) -> Envelope {
    Envelope {
        event_id: format!("evt-{}", data.type_name()),
        type_: data.type_name().into(),
        version: SCHEMA_VERSION,
        occurred_at: at(0).to_rfc3339(),
        correlation_id: "corr-1".into(),
        causation_id: None,
        reservation_id: None,
        reservation_version: None,
        source: "test".into(),
        data,
    }
}

fn seats() -> Vec<String> {
    vec!["A1".into(), "A2".into()]
}

/// A payload read the way consumers read it: fields the contract added later (such as the
/// optional `booking_number`) take their defaults.
fn payload<T: serde::de::DeserializeOwned>(data: serde_json::Value) -> T {
    serde_json::from_value(data).expect("a payload of the contract")
}

pub fn confirmed(reservation: &str, customer: &str) -> Envelope {
    envelope(EventData::ReservationConfirmed(payload(
        serde_json::json!({
            "reservation_id": reservation,
            "customer_id": customer,
            "screening_id": "s1",
            "seats": seats(),
        }),
    )))
}

pub fn rejected(reservation: &str, customer: &str) -> Envelope {
    envelope(EventData::ReservationRejected(payload(serde_json::json!({
        "reservation_id": reservation,
        "customer_id": customer,
        "screening_id": "s1",
        "seats": seats(),
        "payment_id": "p1",
        "reason": RejectionReason::SeatsTaken,
    }))))
}

pub fn cancelled(reservation: &str, customer: &str) -> Envelope {
    envelope(EventData::ReservationCancelled(payload(
        serde_json::json!({
            "reservation_id": reservation,
            "customer_id": customer,
            "screening_id": "s1",
            "seats": seats(),
            "payment_id": "p1",
            "was_confirmed": true,
        }),
    )))
}

pub fn refunded(reservation: &str, customer: &str, amount: i64) -> Envelope {
    envelope(EventData::PaymentRefunded(cinema_events::PaymentRefunded {
        payment_id: "p1".into(),
        reservation_id: reservation.into(),
        customer_id: customer.into(),
        amount: Money {
            amount,
            currency: "KRW".into(),
        },
        reason: "reservation-cancelled".into(),
    }))
}

pub fn screening(id: &str) -> ScreeningInfo {
    ScreeningInfo {
        screening_id: id.into(),
        movie_title: "Dune".into(),
        hall_name: "Hall 1".into(),
        starts_at: "2026-11-24T19:00:00+09:00".into(),
        runtime_min: Some(155),
        price: Some(Amount {
            minor: 12_000,
            currency: "KRW".into(),
        }),
    }
}

pub fn screening_scheduled(id: &str) -> Envelope {
    let info = screening(id);
    envelope(EventData::ScreeningScheduled(
        cinema_events::ScreeningScheduled {
            screening_id: info.screening_id,
            movie_id: "m1".into(),
            movie_title: info.movie_title,
            runtime_min: info.runtime_min.unwrap_or(155),
            hall_id: "h1".into(),
            hall_name: info.hall_name,
            starts_at: info.starts_at,
            rows: 10,
            seats_per_row: 12,
            price: Money {
                amount: 12_000,
                currency: "KRW".into(),
            },
            layout: None,
            prices: None,
            seat_surcharges: None,
            age_rating: None,
        },
    ))
}

/// The key-value store in memory.
#[derive(Default)]
pub struct InMemoryStore {
    notifications: RefCell<BTreeMap<NotificationId, Notification>>,
    customers: RefCell<BTreeMap<String, Vec<NotificationId>>>,
    pending: RefCell<Vec<NotificationId>>,
    screenings: RefCell<BTreeMap<String, ScreeningInfo>>,
    preferences: RefCell<BTreeMap<String, Preferences>>,
    totals: Cell<DeliveryTotals>,
    failing: Cell<bool>,
}

impl InMemoryStore {
    pub fn fail_writes(&self) {
        self.failing.set(true);
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.failing.get() {
            Err(StoreError("store unavailable".into()))
        } else {
            Ok(())
        }
    }

    pub fn notification(&self, id: &NotificationId) -> Notification {
        self.notifications
            .borrow()
            .get(id)
            .cloned()
            .expect("a stored notification")
    }

    pub fn customer_ids(&self, customer: &str) -> Vec<NotificationId> {
        self.customers
            .borrow()
            .get(customer)
            .cloned()
            .unwrap_or_default()
    }

    pub fn pending_ids(&self) -> Vec<NotificationId> {
        self.pending.borrow().clone()
    }
}

impl Notifications for InMemoryStore {
    fn get(&self, id: &NotificationId) -> Result<Option<Notification>, StoreError> {
        Ok(self.notifications.borrow().get(id).cloned())
    }

    fn create_if_absent(&self, notification: &Notification) -> Result<Created, StoreError> {
        self.writable()?;
        let mut all = self.notifications.borrow_mut();
        if let Some(existing) = all.get(&notification.notification_id) {
            return Ok(Created::Existing(existing.clone()));
        }
        all.insert(notification.notification_id.clone(), notification.clone());
        Ok(Created::New(notification.clone()))
    }

    fn update(
        &self,
        id: &NotificationId,
        change: &mut dyn FnMut(&mut Notification) -> bool,
    ) -> Result<Option<Notification>, StoreError> {
        self.writable()?;
        let mut all = self.notifications.borrow_mut();
        let Some(stored) = all.get_mut(id) else {
            return Ok(None);
        };
        let mut copy = stored.clone();
        if change(&mut copy) {
            *stored = copy;
        }
        Ok(Some(stored.clone()))
    }
}

impl CustomerIndex for InMemoryStore {
    fn add(&self, customer_id: &str, id: &NotificationId) -> Result<(), StoreError> {
        self.writable()?;
        let mut customers = self.customers.borrow_mut();
        let ids = customers.entry(customer_id.to_string()).or_default();
        if !ids.contains(id) {
            ids.push(id.clone());
        }
        Ok(())
    }

    fn ids(&self, customer_id: &str) -> Result<Vec<NotificationId>, StoreError> {
        Ok(self.customer_ids(customer_id))
    }
}

impl PendingDeliveries for InMemoryStore {
    fn add(&self, id: &NotificationId) -> Result<(), StoreError> {
        self.writable()?;
        let mut pending = self.pending.borrow_mut();
        if !pending.contains(id) {
            pending.push(id.clone());
        }
        Ok(())
    }

    fn remove(&self, id: &NotificationId) -> Result<(), StoreError> {
        self.writable()?;
        self.pending.borrow_mut().retain(|p| p != id);
        Ok(())
    }

    fn ids(&self) -> Result<Vec<NotificationId>, StoreError> {
        Ok(self.pending_ids())
    }
}

impl DeliveryCounts for InMemoryStore {
    fn add(&self, delta: &DeliveryTotals) -> Result<(), StoreError> {
        self.writable()?;
        self.totals.set(self.totals.get().plus(delta));
        Ok(())
    }

    fn totals(&self) -> Result<DeliveryTotals, StoreError> {
        Ok(self.totals.get())
    }
}

impl Screenings for InMemoryStore {
    fn get(&self, screening_id: &str) -> Result<Option<ScreeningInfo>, StoreError> {
        Ok(self.screenings.borrow().get(screening_id).cloned())
    }

    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError> {
        self.writable()?;
        self.screenings
            .borrow_mut()
            .insert(screening.screening_id.clone(), screening.clone());
        Ok(())
    }
}

impl CustomerPreferences for InMemoryStore {
    fn get(&self, customer_id: &str) -> Result<Option<Preferences>, StoreError> {
        Ok(self.preferences.borrow().get(customer_id).copied())
    }

    fn put(&self, customer_id: &str, preferences: &Preferences) -> Result<(), StoreError> {
        self.writable()?;
        self.preferences
            .borrow_mut()
            .insert(customer_id.to_string(), *preferences);
        Ok(())
    }
}

impl NotificationReader for InMemoryStore {
    fn get_many(&self, ids: &[NotificationId]) -> Result<Vec<Notification>, StoreError> {
        let all = self.notifications.borrow();
        Ok(ids.iter().filter_map(|id| all.get(id).cloned()).collect())
    }
}

/// A clock that stands still until advanced.
#[derive(Default)]
pub struct FakeClock(Cell<i64>);

impl FakeClock {
    pub fn advance(&self, seconds: i64) {
        self.0.set(self.0.get() + seconds);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        at(self.0.get())
    }
}

/// A message as the fake channel received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub receiver_id: String,
    pub text: String,
    pub notification_id: String,
    pub status: String,
}

/// A chat channel that records what it sends and fails on demand.
#[derive(Default)]
pub struct FakeChannel {
    sent: RefCell<Vec<SentMessage>>,
    attempts: Cell<usize>,
    failures_left: Cell<usize>,
    failure: RefCell<String>,
}

impl FakeChannel {
    /// The next `n` sends fail with `error`.
    pub fn fail_next(&self, n: usize, error: &str) {
        self.failures_left.set(n);
        *self.failure.borrow_mut() = error.to_string();
    }

    pub fn sent(&self) -> Vec<SentMessage> {
        self.sent.borrow().clone()
    }

    pub fn attempts(&self) -> usize {
        self.attempts.get()
    }
}

impl ChatChannel for FakeChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Kakao
    }

    fn send(&self, message: &ChatMessage<'_>) -> Result<(), DeliveryError> {
        self.attempts.set(self.attempts.get() + 1);
        if self.failures_left.get() > 0 {
            self.failures_left.set(self.failures_left.get() - 1);
            return Err(DeliveryError(self.failure.borrow().clone()));
        }
        self.sent.borrow_mut().push(SentMessage {
            receiver_id: message.receiver_id.into(),
            text: message.text.into(),
            notification_id: message.notification_id.into(),
            status: message.status.into(),
        });
        Ok(())
    }
}

/// Every fake, wired into the use cases.
#[derive(Default)]
pub struct Fakes {
    pub store: InMemoryStore,
    pub clock: FakeClock,
    pub channel: FakeChannel,
}

impl Fakes {
    pub fn record(&self) -> RecordStatusChange<'_> {
        RecordStatusChange {
            notifications: &self.store,
            customers: &self.store,
            pending: &self.store,
            screenings: &self.store,
            preferences: &self.store,
            clock: &self.clock,
            channel: self.channel.kind(),
            zone: VenueZone::default(),
        }
    }

    pub fn deliver(&self) -> DeliverPending<'_> {
        DeliverPending {
            notifications: &self.store,
            pending: &self.store,
            channel: &self.channel,
            counts: &self.store,
            clock: &self.clock,
            policy: RetryPolicy::default(),
            time_budget: std::time::Duration::from_secs(10),
        }
    }

    pub fn remember_screening(&self, event: &Envelope) {
        let info = ScreeningInfo::from_event(event).expect("a ScreeningScheduled event");
        remember_screening(&self.store, &info).expect("the fake store accepts writes");
    }
}
