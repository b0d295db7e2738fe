//! A seat hold: the seats a customer chose, kept for them while they pay, so that nobody pays for
//! a seat they cannot get. A seat of a screening is claimed by at most one active hold or live
//! booking; the store enforces it (a unique claim per screening and seat). An expired hold blocks
//! nobody: expiry is a comparison with the clock wherever it matters, never a timer.
//!
//! ```text
//! ACTIVE ──booked──▶ BOOKED
//!   │  └──released (by the customer, or replaced by their newer hold)──▶ RELEASED
//!   └──expires_at passes──▶ EXPIRED (read as such; nothing is written)
//! ```
//!
//! A booking request that names seats instead of a hold claims them with a hold of its own for the
//! length of its call (`for_call`): never shown, never announced, released when the call fails.

use chrono::{DateTime, Utc};
use cinema_events as ev;
use serde::{Deserialize, Serialize};

use crate::error::ReservationError;
use crate::model::{CustomerId, HoldId, Money, ReservationId, Screening};
use crate::pricing::Tickets;
use crate::quote::Quote;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HoldStatus {
    Active,
    Released,
    /// Never stored: an `ACTIVE` hold past its expiry reads as this.
    Expired,
    Booked,
}

impl HoldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Released => "RELEASED",
            Self::Expired => "EXPIRED",
            Self::Booked => "BOOKED",
        }
    }
}

/// Why a hold ended before its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseReason {
    /// The customer let the seats go.
    Released,
    /// The same customer's newer hold or booking took some of its seats.
    Replaced,
    /// It became a booking.
    Booked,
}

impl ReleaseReason {
    pub const ALL: [Self; 3] = [Self::Released, Self::Replaced, Self::Booked];

    /// [`ReleaseReason::ALL`] spelled out (the metric's label values).
    pub const LABELS: [&'static str; 3] = [
        Self::ALL[0].as_str(),
        Self::ALL[1].as_str(),
        Self::ALL[2].as_str(),
    ];

    /// The reason spelled as [`ReleaseReason::as_str`] does (`HoldReleased.reason`), else `None`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Released => "released",
            Self::Replaced => "replaced",
            Self::Booked => "booked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub id: HoldId,
    pub customer_id: CustomerId,
    pub screening_id: String,
    pub seats: Vec<String>,
    /// How many tickets of each type; `None` for holds stored before ticket types (all adult):
    /// see [`Hold::tickets`].
    #[serde(default)]
    pub tickets: Option<Tickets>,
    /// What booking these seats costs.
    pub total: Money,
    /// As stored: `ACTIVE`, `RELEASED` or `BOOKED` (see [`Hold::status_at`]).
    pub status: HoldStatus,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// The booking it became.
    #[serde(default)]
    pub reservation_id: Option<ReservationId>,
    /// Claimed by a booking request for the length of its call (no hold was named).
    #[serde(default)]
    pub for_call: bool,
}

impl Hold {
    /// A new active hold on the quoted seats until `expires_at`.
    pub fn place(
        id: HoldId,
        customer_id: CustomerId,
        screening: &Screening,
        quote: Quote,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
        for_call: bool,
    ) -> Self {
        Self {
            id,
            customer_id,
            screening_id: screening.screening_id.clone(),
            seats: quote.seats.labels(),
            tickets: Some(quote.tickets),
            total: quote.total,
            status: HoldStatus::Active,
            expires_at,
            created_at: now,
            reservation_id: None,
            for_call,
        }
    }

    /// How many tickets of each type the booking of this hold has (a hold from before ticket
    /// types: one adult per seat).
    pub fn tickets(&self) -> Tickets {
        self.tickets
            .clone()
            .unwrap_or_else(|| Tickets::adults(self.seats.len()))
    }

    /// The status as the customer sees it at `now`.
    pub fn status_at(&self, now: DateTime<Utc>) -> HoldStatus {
        match self.status {
            HoldStatus::Active if self.expires_at <= now => HoldStatus::Expired,
            other => other,
        }
    }

    /// Whether the hold still blocks others at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == HoldStatus::Active
    }

    /// Whether `customer` may see and use it (another customer's hold is reported as absent).
    pub fn belongs_to(&self, customer: &CustomerId) -> bool {
        &self.customer_id == customer && !self.for_call
    }

    /// Checks that the hold can become a booking now.
    ///
    /// # Errors
    /// [`ReservationError::HoldExpired`] (expired or released) or
    /// [`ReservationError::HoldBooked`].
    pub fn bookable(&self, now: DateTime<Utc>) -> Result<(), ReservationError> {
        match self.status_at(now) {
            HoldStatus::Active => Ok(()),
            HoldStatus::Expired | HoldStatus::Released => Err(ReservationError::HoldExpired),
            HoldStatus::Booked => Err(ReservationError::HoldBooked(
                self.reservation_id
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            )),
        }
    }

    /// Ends an active hold. Returns the event announcing it (none for a call's own hold, which
    /// was never announced), or `None` when there is nothing to change.
    pub fn release(&mut self, reason: ReleaseReason) -> Option<Option<ev::EventData>> {
        if self.status != HoldStatus::Active {
            return None;
        }
        self.status = HoldStatus::Released;
        Some(self.announce_end(reason))
    }

    /// The hold became the booking `reservation_id`.
    pub fn booked(&mut self, reservation_id: ReservationId) -> Option<ev::EventData> {
        self.status = HoldStatus::Booked;
        self.reservation_id = Some(reservation_id);
        self.announce_end(ReleaseReason::Booked)
    }

    fn announce_end(&self, reason: ReleaseReason) -> Option<ev::EventData> {
        (!self.for_call).then(|| {
            ev::EventData::HoldReleased(ev::HoldReleased {
                hold_id: self.id.to_string(),
                screening_id: self.screening_id.clone(),
                seats: self.seats.clone(),
                reason: reason.as_str().to_string(),
            })
        })
    }

    /// The event that shows the seats taken in the theater's seat map (none for a call's hold).
    pub fn announcement(&self) -> Option<ev::EventData> {
        (!self.for_call).then(|| {
            ev::EventData::SeatsHeld(ev::SeatsHeld {
                hold_id: self.id.to_string(),
                customer_id: self.customer_id.to_string(),
                screening_id: self.screening_id.clone(),
                seats: self.seats.clone(),
                expires_at: self
                    .expires_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            })
        })
    }
}
