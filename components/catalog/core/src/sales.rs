//! What the staff programme counts per screening, folded from the reservation and payment
//! events.
//!
//! Each booking is a [`BookingDoc`] that only grows: every event adds what it says (the
//! placement its screening, seats and total; a status change its status at its reservation
//! version; a refund its amount by payment id) and [`BookingDoc::join`] merges two states —
//! commutative, associative and idempotent. So duplicates, events republished under new ids,
//! and any order (a refund or a cancel before the placement) reach the same booking:
//! - the status is the one with the highest `reservation_version` (ties, and events without a
//!   version, go to the later stage: PAID < CONFIRMED < REJECTED < CANCELLED), so a late
//!   confirmation never revives a cancelled booking;
//! - refunds are a set keyed by payment id, so a refund counts once.
//!
//! A refund names only the reservation: the booking document (`booking:{reservation id}`) keeps
//! it until an event with the screening arrives. Once the screening is known the booking is
//! joined into that screening's [`SalesDoc`]; joining again later is harmless.

use std::collections::{BTreeMap, BTreeSet};

use cinema_events::{Envelope, EventData};
use serde::{Deserialize, Serialize};

use crate::documents::Price;

/// A booking's stage in the reservation context's lifecycle; declared in lifecycle order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BookingStatus {
    Paid,
    Confirmed,
    Rejected,
    Cancelled,
}

/// What the catalog knows of one booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingDoc {
    pub reservation_id: String,
    /// From any reservation event; `None` while only its refund is known.
    pub screening_id: Option<String>,
    pub seats: BTreeSet<String>,
    /// What the booking cost (from `ReservationPlaced`).
    pub total: Option<Price>,
    pub status: Option<BookingStatus>,
    /// The reservation version of the event that set `status`.
    pub version: u64,
    /// Payment id → refunded amount.
    pub refunds: BTreeMap<String, Price>,
}

impl BookingDoc {
    pub fn new(reservation_id: &str) -> Self {
        Self {
            reservation_id: reservation_id.to_string(),
            screening_id: None,
            seats: BTreeSet::new(),
            total: None,
            status: None,
            version: 0,
            refunds: BTreeMap::new(),
        }
    }

    /// What one event says about its booking; `None` for events about no booking.
    pub fn of(event: &Envelope) -> Option<Self> {
        let version = event.reservation_version.unwrap_or(0);
        let stage = |id: &str, screening: &str, seats: &[String], status| Self {
            screening_id: Some(screening.to_string()),
            seats: seats.iter().cloned().collect(),
            status: Some(status),
            version,
            ..Self::new(id)
        };
        Some(match &event.data {
            EventData::ReservationPlaced(e) => Self {
                total: Some(Price::from(&e.total)),
                ..stage(
                    &e.reservation_id,
                    &e.screening_id,
                    &e.seats,
                    BookingStatus::Paid,
                )
            },
            EventData::ReservationConfirmed(e) => stage(
                &e.reservation_id,
                &e.screening_id,
                &e.seats,
                BookingStatus::Confirmed,
            ),
            EventData::ReservationRejected(e) => stage(
                &e.reservation_id,
                &e.screening_id,
                &e.seats,
                BookingStatus::Rejected,
            ),
            EventData::ReservationCancelled(e) => stage(
                &e.reservation_id,
                &e.screening_id,
                &e.seats,
                BookingStatus::Cancelled,
            ),
            EventData::PaymentRefunded(e) => Self {
                refunds: BTreeMap::from([(e.payment_id.clone(), Price::from(&e.amount))]),
                ..Self::new(&e.reservation_id)
            },
            _ => return None,
        })
    }

    /// Both states merged (see the module's documentation). Where two events disagree, which
    /// they should not, the larger value wins, so the result still does not depend on order.
    #[must_use]
    pub fn join(mut self, other: &Self) -> Self {
        self.screening_id = match (self.screening_id.take(), &other.screening_id) {
            (Some(mine), Some(theirs)) => Some(mine.max(theirs.clone())),
            (mine, theirs) => mine.or_else(|| theirs.clone()),
        };
        self.seats.extend(other.seats.iter().cloned());
        self.total = larger(self.total.take(), other.total.as_ref());
        if other.stage() > self.stage() {
            self.status = other.status;
            self.version = other.version;
        }
        for (payment, amount) in &other.refunds {
            let merged = larger(self.refunds.remove(payment), Some(amount));
            self.refunds.extend(merged.map(|a| (payment.clone(), a)));
        }
        self
    }

    /// Orders statuses: the newer reservation version, then the later stage.
    fn stage(&self) -> Option<(u64, BookingStatus)> {
        self.status.map(|s| (self.version, s))
    }

    fn refunded(&self) -> i64 {
        self.refunds.values().map(|p| p.amount).sum()
    }
}

fn larger(mine: Option<Price>, theirs: Option<&Price>) -> Option<Price> {
    match (mine, theirs) {
        (Some(m), Some(t)) if t.amount > m.amount => Some(t.clone()),
        (mine, theirs) => mine.or_else(|| theirs.cloned()),
    }
}

/// The booking after `event` (unchanged for events about no booking).
pub fn apply_to_booking(event: &Envelope, booking: Option<BookingDoc>) -> Option<BookingDoc> {
    let Some(fact) = BookingDoc::of(event) else {
        return booking;
    };
    Some(match booking {
        Some(booking) => booking.join(&fact),
        None => fact,
    })
}

/// Every booking of one screening (`sales:{screening id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDoc {
    pub screening_id: String,
    /// Reservation id → the booking.
    pub bookings: BTreeMap<String, BookingDoc>,
}

/// The screening's sales with `booking` joined in.
pub fn apply_to_sales(booking: &BookingDoc, sales: Option<SalesDoc>) -> Option<SalesDoc> {
    let screening_id = booking.screening_id.as_ref()?;
    let mut sales = sales.unwrap_or_else(|| SalesDoc {
        screening_id: screening_id.clone(),
        bookings: BTreeMap::new(),
    });
    let id = &booking.reservation_id;
    let merged = match sales.bookings.remove(id) {
        Some(known) => known.join(booking),
        None => booking.clone(),
    };
    sales.bookings.insert(id.clone(), merged);
    Some(sales)
}

/// A screening's sales figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesFigures {
    /// Distinct seats of CONFIRMED bookings.
    pub seats_sold: u32,
    /// Distinct seats of PAID bookings the theater has not confirmed yet (not sold, not free).
    pub seats_held: u32,
    /// Σ totals of the bookings placed, minus refunds (KRW).
    pub takings: i64,
    pub refunds: i64,
    /// Bookings placed and neither cancelled nor rejected.
    pub bookings: u32,
}

impl SalesDoc {
    pub fn figures(&self) -> SalesFigures {
        let seats_with = |status| -> BTreeSet<&String> {
            self.bookings
                .values()
                .filter(|b| b.status == Some(status))
                .flat_map(|b| &b.seats)
                .collect()
        };
        let sold = seats_with(BookingStatus::Confirmed);
        let held = seats_with(BookingStatus::Paid);
        let placed: i64 = self
            .bookings
            .values()
            .filter_map(|b| b.total.as_ref())
            .map(|t| t.amount)
            .sum();
        let refunds: i64 = self.bookings.values().map(BookingDoc::refunded).sum();
        let live = self.bookings.values().filter(|b| {
            matches!(
                b.status,
                Some(BookingStatus::Paid | BookingStatus::Confirmed)
            )
        });
        SalesFigures {
            seats_sold: count(sold.len()),
            seats_held: count(held.difference(&sold).count()),
            takings: placed - refunds,
            refunds,
            bookings: count(live.count()),
        }
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
