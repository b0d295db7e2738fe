//! The notification context's language: which booking status changed, for whom, and the
//! screening details that make a message readable.

use std::fmt;

use chrono::{DateTime, Utc};
use cinema_events::{Envelope, EventData, RejectionReason};
use serde::{Deserialize, Serialize};

/// The booking statuses a customer is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BookingStatus {
    Confirmed,
    Rejected,
    Cancelled,
    Refunded,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "CONFIRMED",
            Self::Rejected => "REJECTED",
            Self::Cancelled => "CANCELLED",
            Self::Refunded => "REFUNDED",
        }
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One notification per (reservation, status): the id is derived from both, so a redelivered or
/// duplicated event maps onto the notification that already exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(String);

impl NotificationId {
    pub fn for_status(reservation_id: &str, status: BookingStatus) -> Self {
        Self(format!(
            "{reservation_id}-{}",
            status.as_str().to_ascii_lowercase()
        ))
    }

    /// An id read back from storage or a URL.
    pub fn from_stored(value: &str) -> Self {
        Self(value.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NotificationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Money in integer minor units, as the events carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub minor: i64,
    pub currency: String,
}

impl Amount {
    /// `amount` × `count` (a booking's total from the screening's price, for events from before
    /// they carried the total).
    pub fn times(&self, count: usize) -> Self {
        Self {
            minor: self.minor * i64::try_from(count).unwrap_or(i64::MAX),
            currency: self.currency.clone(),
        }
    }
}

impl From<&cinema_events::Money> for Amount {
    fn from(m: &cinema_events::Money) -> Self {
        Self {
            minor: m.amount,
            currency: m.currency.clone(),
        }
    }
}

impl fmt::Display for Amount {
    /// `₩24,000` for KRW; `12.50 USD` for two-decimal currencies; zero-decimal ones as whole units.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let zero_decimal = matches!(
            self.currency.as_str(),
            "KRW" | "JPY" | "VND" | "CLP" | "ISK"
        );
        let sign = if self.minor < 0 { "-" } else { "" };
        let minor = self.minor.unsigned_abs();
        let (units, cents) = if zero_decimal {
            (minor, None)
        } else {
            (minor / 100, Some(minor % 100))
        };
        let grouped = group_thousands(units);
        match (self.currency.as_str(), cents) {
            ("KRW", _) => write!(f, "{sign}₩{grouped}"),
            (code, None) => write!(f, "{sign}{grouped} {code}"),
            (code, Some(c)) => write!(f, "{sign}{grouped}.{c:02} {code}"),
        }
    }
}

pub(crate) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// What happened to a booking, with the details a message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Confirmed {
        screening_id: String,
        seats: Vec<String>,
        /// What the booking cost (absent on events from before it was carried).
        total: Option<Amount>,
    },
    Rejected {
        screening_id: String,
        seats: Vec<String>,
        reason: RejectionReason,
        total: Option<Amount>,
    },
    Cancelled {
        screening_id: String,
        seats: Vec<String>,
        total: Option<Amount>,
    },
    Refunded {
        amount: Amount,
        reason: String,
    },
}

/// A booking status change for one customer, read from an integration event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub reservation_id: String,
    /// The human booking number (the reservation events' optional `booking-number`); `None` for
    /// bookings made before numbers and for refunds, whose messages then show the short id.
    pub booking_number: Option<String>,
    pub customer_id: String,
    pub change: Change,
    /// When the change happened (the event's `occurred_at`), if readable.
    pub occurred_at: Option<DateTime<Utc>>,
    pub correlation_id: String,
}

impl StatusChange {
    /// The status change an event announces; `None` for events that change no booking status
    /// (or that name no reservation or customer, which no message could reach).
    pub fn from_event(event: &Envelope) -> Option<Self> {
        let (reservation_id, customer_id, booking_number, change) = match &event.data {
            EventData::ReservationConfirmed(e) => (
                &e.reservation_id,
                &e.customer_id,
                &e.booking_number,
                Change::Confirmed {
                    screening_id: e.screening_id.clone(),
                    seats: e.seats.clone(),
                    total: e.total.as_ref().map(Amount::from),
                },
            ),
            EventData::ReservationRejected(e) => (
                &e.reservation_id,
                &e.customer_id,
                &e.booking_number,
                Change::Rejected {
                    screening_id: e.screening_id.clone(),
                    seats: e.seats.clone(),
                    reason: e.reason,
                    total: e.total.as_ref().map(Amount::from),
                },
            ),
            EventData::ReservationCancelled(e) => (
                &e.reservation_id,
                &e.customer_id,
                &e.booking_number,
                Change::Cancelled {
                    screening_id: e.screening_id.clone(),
                    seats: e.seats.clone(),
                    total: e.total.as_ref().map(Amount::from),
                },
            ),
            // Payment does not know the number: the record use case finds it on the booking's
            // cancellation or rejection notice.
            EventData::PaymentRefunded(e) => (
                &e.reservation_id,
                &e.customer_id,
                &None,
                Change::Refunded {
                    amount: Amount::from(&e.amount),
                    reason: e.reason.clone(),
                },
            ),
            _ => return None,
        };
        if reservation_id.is_empty() || customer_id.is_empty() {
            return None;
        }
        Some(Self {
            reservation_id: reservation_id.clone(),
            booking_number: booking_number.clone().filter(|n| !n.is_empty()),
            customer_id: customer_id.clone(),
            change,
            occurred_at: DateTime::parse_from_rfc3339(&event.occurred_at)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            correlation_id: event.correlation_id.clone(),
        })
    }

    pub fn status(&self) -> BookingStatus {
        match self.change {
            Change::Confirmed { .. } => BookingStatus::Confirmed,
            Change::Rejected { .. } => BookingStatus::Rejected,
            Change::Cancelled { .. } => BookingStatus::Cancelled,
            Change::Refunded { .. } => BookingStatus::Refunded,
        }
    }

    pub fn notification_id(&self) -> NotificationId {
        NotificationId::for_status(&self.reservation_id, self.status())
    }

    /// The screening the booking was for, when the event names it.
    pub fn screening_id(&self) -> Option<&str> {
        match &self.change {
            Change::Confirmed { screening_id, .. }
            | Change::Rejected { screening_id, .. }
            | Change::Cancelled { screening_id, .. } => Some(screening_id),
            Change::Refunded { .. } => None,
        }
    }
}

/// What a message says about a screening (learned from `ScreeningScheduled`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningInfo {
    pub screening_id: String,
    pub movie_title: String,
    pub hall_name: String,
    /// RFC 3339, in the theater's own offset.
    pub starts_at: String,
    /// Minutes (the showtime's end); absent in screenings remembered before it was kept.
    #[serde(default)]
    pub runtime_min: Option<u32>,
    /// The price of one seat; absent in screenings remembered before it was kept.
    #[serde(default)]
    pub price: Option<Amount>,
}

impl ScreeningInfo {
    pub fn from_event(event: &Envelope) -> Option<Self> {
        match &event.data {
            EventData::ScreeningScheduled(s) => Some(Self {
                screening_id: s.screening_id.clone(),
                movie_title: s.movie_title.clone(),
                hall_name: s.hall_name.clone(),
                starts_at: s.starts_at.clone(),
                runtime_min: Some(s.runtime_min),
                price: Some(Amount {
                    minor: s.price.amount,
                    currency: s.price.currency.clone(),
                }),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cancelled, confirmed, envelope, refunded, rejected};

    #[test]
    fn each_status_event_maps_to_its_status() {
        assert_eq!(
            StatusChange::from_event(&confirmed("r1", "alice"))
                .unwrap()
                .status(),
            BookingStatus::Confirmed
        );
        assert_eq!(
            StatusChange::from_event(&rejected("r1", "alice"))
                .unwrap()
                .status(),
            BookingStatus::Rejected
        );
        assert_eq!(
            StatusChange::from_event(&cancelled("r1", "alice"))
                .unwrap()
                .status(),
            BookingStatus::Cancelled
        );
        assert_eq!(
            StatusChange::from_event(&refunded("r1", "alice", 24_000))
                .unwrap()
                .status(),
            BookingStatus::Refunded
        );
    }

    #[test]
    fn events_that_change_no_booking_status_are_ignored() {
        let placed = envelope(EventData::SeatsAllocated(cinema_events::SeatsAllocated {
            reservation_id: "r1".into(),
            screening_id: "s1".into(),
            seats: vec!["A1".into()],
        }));
        assert_eq!(StatusChange::from_event(&placed), None);
    }

    #[test]
    fn the_booking_number_comes_from_the_reservation_event() {
        let mut event = confirmed("r1", "alice");
        if let EventData::ReservationConfirmed(c) = &mut event.data {
            c.booking_number = Some("2612-0457-3921".into());
        }
        let change = StatusChange::from_event(&event).unwrap();
        assert_eq!(change.booking_number.as_deref(), Some("2612-0457-3921"));
        let before_numbers = StatusChange::from_event(&confirmed("r1", "alice")).unwrap();
        assert_eq!(before_numbers.booking_number, None);
    }

    #[test]
    fn an_event_without_a_customer_reaches_no_one() {
        assert_eq!(StatusChange::from_event(&confirmed("r1", "")), None);
    }

    #[test]
    fn the_notification_id_is_derived_from_reservation_and_status() {
        let change = StatusChange::from_event(&refunded("r1", "alice", 100)).unwrap();
        assert_eq!(change.notification_id().as_str(), "r1-refunded");
        assert_eq!(
            NotificationId::for_status("r1", BookingStatus::Confirmed).as_str(),
            "r1-confirmed"
        );
    }

    #[test]
    fn amounts_are_written_the_way_customers_read_them() {
        let krw = |m| {
            Amount {
                minor: m,
                currency: "KRW".into(),
            }
            .to_string()
        };
        assert_eq!(krw(24_000), "₩24,000");
        assert_eq!(krw(1_234_567), "₩1,234,567");
        assert_eq!(krw(500), "₩500");
        assert_eq!(
            Amount {
                minor: 1250,
                currency: "USD".into()
            }
            .to_string(),
            "12.50 USD"
        );
        assert_eq!(
            Amount {
                minor: 1500,
                currency: "JPY".into()
            }
            .to_string(),
            "1,500 JPY"
        );
    }
}
