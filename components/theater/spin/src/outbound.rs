//! Outbound adapters: the outbox-backed event publisher, the system clock, UUIDv7 ids.

use chrono::{DateTime, Utc};
use cinema_eventing::{Meta, envelope, outbox};
use cinema_events::EventData;
use spin_sdk::sqlite3::Connection;
use theater_core::StoreError;
use theater_core::ports::{Clock, EventPublisher, IdGenerator};

/// Appends events to the outbox on the use case's connection (inside its transaction), each
/// wrapped in an envelope with `meta` (correlation, causation, reservation).
pub struct OutboxPublisher<'a> {
    pub conn: &'a Connection,
    pub meta: Meta,
}

impl EventPublisher for OutboxPublisher<'_> {
    fn publish(&self, event: EventData) -> Result<(), StoreError> {
        let mut meta = self.meta.clone();
        if let Some(reservation_id) = reservation_of(&event) {
            meta = meta.reservation(reservation_id, None);
        }
        outbox::append::<crate::Published>(self.conn, &envelope(crate::CONTEXT, &meta, event))
            .map_err(StoreError::new)
    }
}

fn reservation_of(event: &EventData) -> Option<&str> {
    match event {
        EventData::SeatsAllocated(e) => Some(&e.reservation_id),
        EventData::SeatsRejected(e) => Some(&e.reservation_id),
        EventData::SeatsReleased(e) => Some(&e.reservation_id),
        _ => None,
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        cinema_http::now()
    }
}

pub struct UuidIds;

impl IdGenerator for UuidIds {
    fn new_id(&self) -> String {
        cinema_http::new_id()
    }
}
