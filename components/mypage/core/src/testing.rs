//! In-memory fakes of the mypage ports, and sample events.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::ports::{Change, CustomerIndex, Inbox, ReservationViews, Screenings, StoreError};
use crate::screening::ScreeningInfo;
use crate::view::ReservationView;

/// Every port over maps; can be made to fail.
#[derive(Debug, Default)]
pub struct MemoryStore {
    views: RefCell<BTreeMap<String, ReservationView>>,
    index: RefCell<BTreeMap<String, Vec<String>>>,
    screenings: RefCell<BTreeMap<String, ScreeningInfo>>,
    inbox: RefCell<BTreeMap<String, ()>>,
    failing: Cell<bool>,
}

impl MemoryStore {
    pub fn fail(&self, failing: bool) {
        self.failing.set(failing);
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.failing.get() {
            Err(StoreError("store down".into()))
        } else {
            Ok(())
        }
    }

    pub fn views(&self) -> Vec<ReservationView> {
        self.views.borrow().values().cloned().collect()
    }

    /// Everything stored, for before/after comparisons.
    pub fn snapshot(&self) -> Vec<String> {
        let mut all = Vec::new();
        all.extend(
            self.views
                .borrow()
                .iter()
                .map(|(k, v)| format!("view {k} {v:?}")),
        );
        all.extend(
            self.index
                .borrow()
                .iter()
                .map(|(k, v)| format!("index {k} {v:?}")),
        );
        all.extend(
            self.screenings
                .borrow()
                .iter()
                .map(|(k, v)| format!("screening {k} {v:?}")),
        );
        all.extend(self.inbox.borrow().keys().map(|k| format!("inbox {k}")));
        all
    }
}

impl ReservationViews for MemoryStore {
    fn update(
        &self,
        reservation_id: &str,
        change: Change<'_, ReservationView>,
    ) -> Result<(), StoreError> {
        self.check()?;
        let current = self.views.borrow().get(reservation_id).cloned();
        if let Some(next) = change(current.as_ref()) {
            self.views
                .borrow_mut()
                .insert(reservation_id.to_string(), next);
        }
        Ok(())
    }

    fn get_many(&self, reservation_ids: &[String]) -> Result<Vec<ReservationView>, StoreError> {
        self.check()?;
        let views = self.views.borrow();
        Ok(reservation_ids
            .iter()
            .filter_map(|id| views.get(id).cloned())
            .collect())
    }
}

impl CustomerIndex for MemoryStore {
    fn add(&self, customer_id: &str, reservation_id: &str) -> Result<(), StoreError> {
        self.check()?;
        let mut index = self.index.borrow_mut();
        let ids = index.entry(customer_id.to_string()).or_default();
        if !ids.iter().any(|id| id == reservation_id) {
            ids.push(reservation_id.to_string());
        }
        Ok(())
    }

    fn list(&self, customer_id: &str) -> Result<Vec<String>, StoreError> {
        self.check()?;
        Ok(self
            .index
            .borrow()
            .get(customer_id)
            .cloned()
            .unwrap_or_default())
    }
}

impl Screenings for MemoryStore {
    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError> {
        self.check()?;
        self.screenings
            .borrow_mut()
            .insert(screening.screening_id.clone(), screening.clone());
        Ok(())
    }

    fn get_many(&self, screening_ids: &[String]) -> Result<Vec<ScreeningInfo>, StoreError> {
        self.check()?;
        let screenings = self.screenings.borrow();
        Ok(screening_ids
            .iter()
            .filter_map(|id| screenings.get(id).cloned())
            .collect())
    }
}

impl Inbox for MemoryStore {
    fn seen(&self, event_id: &str) -> Result<bool, StoreError> {
        self.check()?;
        Ok(self.inbox.borrow().contains_key(event_id))
    }

    fn record(&self, event_id: &str) -> Result<(), StoreError> {
        self.check()?;
        self.inbox.borrow_mut().insert(event_id.to_string(), ());
        Ok(())
    }
}

/// Sample events about reservation `r-1` of customer `alice` for screening `s-1`.
pub mod events {
    use cinema_events::*;

    /// `2026-11-23T10:00:00Z` plus `seconds`.
    pub fn at(seconds: i64) -> String {
        let base =
            chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z").expect("a valid time");
        (base + chrono::Duration::seconds(seconds))
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    fn envelope(
        id: &str,
        seconds: i64,
        version: Option<u64>,
        source: &str,
        data: EventData,
    ) -> Envelope {
        Envelope {
            event_id: id.into(),
            type_: data.type_name().into(),
            version: SCHEMA_VERSION,
            occurred_at: at(seconds),
            correlation_id: "corr-1".into(),
            causation_id: None,
            reservation_id: Some("r-1".into()),
            reservation_version: version,
            source: source.into(),
            data,
        }
    }

    fn krw(amount: i64) -> Money {
        Money {
            amount,
            currency: "KRW".into(),
        }
    }

    fn seats() -> Vec<String> {
        vec!["A1".into(), "A2".into()]
    }

    /// The booking number of `r-1`.
    pub const BOOKING_NUMBER: &str = "2611-0457-3921";

    pub fn placed(version: u64) -> Envelope {
        envelope(
            "e-placed",
            0,
            Some(version),
            "reservation",
            EventData::ReservationPlaced(ReservationPlaced {
                reservation_id: "r-1".into(),
                customer_id: "alice".into(),
                screening_id: "s-1".into(),
                seats: seats(),
                total: krw(24_000),
                payment_id: "p-1".into(),
                booking_number: Some(BOOKING_NUMBER.into()),
                tickets: None,
            }),
        )
    }

    pub fn confirmed(version: u64) -> Envelope {
        envelope(
            "e-confirmed",
            2,
            Some(version),
            "reservation",
            EventData::ReservationConfirmed(ReservationConfirmed {
                reservation_id: "r-1".into(),
                customer_id: "alice".into(),
                screening_id: "s-1".into(),
                seats: seats(),
                booking_number: Some(BOOKING_NUMBER.into()),
                total: None,
            }),
        )
    }

    pub fn rejected(version: u64) -> Envelope {
        envelope(
            "e-rejected",
            2,
            Some(version),
            "reservation",
            EventData::ReservationRejected(ReservationRejected {
                reservation_id: "r-1".into(),
                customer_id: "alice".into(),
                screening_id: "s-1".into(),
                seats: seats(),
                payment_id: "p-1".into(),
                reason: RejectionReason::SeatsTaken,
                booking_number: Some(BOOKING_NUMBER.into()),
                total: None,
            }),
        )
    }

    pub fn cancelled(version: u64) -> Envelope {
        envelope(
            "e-cancelled",
            3,
            Some(version),
            "reservation",
            EventData::ReservationCancelled(ReservationCancelled {
                reservation_id: "r-1".into(),
                customer_id: "alice".into(),
                screening_id: "s-1".into(),
                seats: seats(),
                payment_id: "p-1".into(),
                was_confirmed: true,
                booking_number: Some(BOOKING_NUMBER.into()),
                total: None,
            }),
        )
    }

    pub fn approved() -> Envelope {
        envelope(
            "e-approved",
            -1,
            None,
            "payment",
            EventData::PaymentApproved(PaymentApproved {
                payment_id: "p-1".into(),
                reservation_id: "r-1".into(),
                customer_id: "alice".into(),
                amount: krw(24_000),
            }),
        )
    }

    pub fn refunded() -> Envelope {
        envelope(
            "e-refunded",
            4,
            None,
            "payment",
            EventData::PaymentRefunded(PaymentRefunded {
                payment_id: "p-1".into(),
                reservation_id: "r-1".into(),
                customer_id: "alice".into(),
                amount: krw(24_000),
                reason: "reservation-cancelled".into(),
            }),
        )
    }

    pub fn scheduled() -> Envelope {
        let mut e = envelope(
            "e-scheduled",
            -100,
            None,
            "theater",
            EventData::ScreeningScheduled(ScreeningScheduled {
                screening_id: "s-1".into(),
                movie_id: "m-1".into(),
                movie_title: "Parasite".into(),
                runtime_min: 132,
                hall_id: "h-1".into(),
                hall_name: "Hall 1".into(),
                starts_at: "2026-12-01T19:00:00+09:00".into(),
                rows: 10,
                seats_per_row: 12,
                price: krw(12_000),
                layout: None,
                prices: None,
                seat_surcharges: None,
                age_rating: None,
            }),
        );
        e.reservation_id = None;
        e
    }

    pub fn screening_info() -> crate::screening::ScreeningInfo {
        match &scheduled().data {
            EventData::ScreeningScheduled(s) => s.into(),
            _ => unreachable!("scheduled() is a ScreeningScheduled"),
        }
    }

    pub fn seats_allocated() -> Envelope {
        envelope(
            "e-allocated",
            1,
            None,
            "theater",
            EventData::SeatsAllocated(SeatsAllocated {
                reservation_id: "r-1".into(),
                screening_id: "s-1".into(),
                seats: seats(),
            }),
        )
    }
}
