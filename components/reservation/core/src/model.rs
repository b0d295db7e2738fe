//! Value objects: parse, don't validate.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Money in integer minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

impl Money {
    /// `self × n`, or `None` on overflow.
    pub fn times(&self, n: usize) -> Option<Money> {
        let n = i64::try_from(n).ok()?;
        Some(Money {
            amount: self.amount.checked_mul(n)?,
            currency: self.currency.clone(),
        })
    }
}

impl From<cinema_events::Money> for Money {
    fn from(m: cinema_events::Money) -> Self {
        Self {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

impl From<Money> for cinema_events::Money {
    fn from(m: Money) -> Self {
        Self {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// # Errors
            /// Empty, longer than 128 characters, or with characters outside `[A-Za-z0-9._@-]`.
            pub fn parse(text: &str) -> Result<Self, String> {
                let ok = !text.is_empty()
                    && text.len() <= 128
                    && text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
                if ok {
                    Ok(Self(text.to_string()))
                } else {
                    Err(format!("invalid {}: {text:?}", $what))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(ReservationId, "reservation id");
id_type!(CustomerId, "customer id");
id_type!(HoldId, "hold id");

/// A seat label: row letter `A`–`Z` and seat number from 1, e.g. `C12`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SeatLabel(String);

impl SeatLabel {
    /// # Errors
    /// Not a letter followed by a number without leading zeros.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut chars = text.chars();
        let row = chars.next().filter(char::is_ascii_uppercase);
        let number = chars.as_str();
        let number_ok = !number.is_empty()
            && number.len() <= 2
            && number.chars().all(|c| c.is_ascii_digit())
            && !number.starts_with('0');
        match row {
            Some(_) if number_ok => Ok(Self(text.to_string())),
            _ => Err(format!(
                "{text:?} is not a seat label (row letter and seat number, e.g. A1)"
            )),
        }
    }

    pub fn row(&self) -> u32 {
        u32::from(self.0.as_bytes()[0] - b'A') + 1
    }

    pub fn number(&self) -> u32 {
        self.0[1..].parse().unwrap_or(0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the seat exists in a hall of `rows` × `seats_per_row`.
    pub fn fits(&self, rows: u32, seats_per_row: u32) -> bool {
        self.row() <= rows && self.number() <= seats_per_row
    }
}

/// The seats of one booking: 1 to [`SeatSelection::MAX`], no duplicates, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatSelection(Vec<SeatLabel>);

impl SeatSelection {
    pub const MAX: usize = 10;

    /// # Errors
    /// Empty, too many, a malformed label or a duplicate.
    pub fn parse(labels: &[String]) -> Result<Self, String> {
        if labels.is_empty() {
            return Err("choose at least one seat".into());
        }
        if labels.len() > Self::MAX {
            return Err(format!("at most {} seats per booking", Self::MAX));
        }
        let mut seen = BTreeSet::new();
        let mut seats = Vec::with_capacity(labels.len());
        for label in labels {
            let seat = SeatLabel::parse(label)?;
            if !seen.insert(seat.clone()) {
                return Err(format!("seat {label} is listed twice"));
            }
            seats.push(seat);
        }
        Ok(Self(seats))
    }

    pub fn seats(&self) -> &[SeatLabel] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn labels(&self) -> Vec<String> {
        self.0.iter().map(|s| s.0.clone()).collect()
    }
}

/// The reservation side's own copy of a bookable screening, learned from `ScreeningScheduled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    pub screening_id: String,
    pub movie_id: String,
    pub movie_title: String,
    pub hall_id: String,
    /// What a ticket and the check-in show (empty in copies stored before it was kept).
    #[serde(default)]
    pub hall_name: String,
    pub starts_at: DateTime<Utc>,
    pub rows: u32,
    pub seats_per_row: u32,
    pub price: Money,
}

impl Screening {
    /// # Errors
    /// The event's `starts_at` is not RFC 3339.
    pub fn from_event(e: &cinema_events::ScreeningScheduled) -> Result<Self, String> {
        let starts_at = DateTime::parse_from_rfc3339(&e.starts_at)
            .map_err(|err| format!("bad starts_at {:?}: {err}", e.starts_at))?
            .with_timezone(&Utc);
        Ok(Self {
            screening_id: e.screening_id.clone(),
            movie_id: e.movie_id.clone(),
            movie_title: e.movie_title.clone(),
            hall_id: e.hall_id.clone(),
            hall_name: e.hall_name.clone(),
            starts_at,
            rows: e.rows,
            seats_per_row: e.seats_per_row,
            price: e.price.clone().into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seat_labels_are_a_row_letter_and_a_number() {
        for ok in ["A1", "Z50", "C12"] {
            assert!(SeatLabel::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "A", "1A", "a1", "A0", "A01", "AA1", "A123", "A-1", "Ä1"] {
            assert!(SeatLabel::parse(bad).is_err(), "{bad}");
        }
        let seat = SeatLabel::parse("C12").unwrap();
        assert_eq!((seat.row(), seat.number()), (3, 12));
        assert!(seat.fits(3, 12));
        assert!(!seat.fits(2, 12));
        assert!(!seat.fits(3, 11));
    }

    #[test]
    fn a_selection_has_one_to_ten_distinct_seats() {
        let labels = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(SeatSelection::parse(&labels(&["A1", "A2"])).is_ok());
        assert!(SeatSelection::parse(&[]).is_err());
        assert!(SeatSelection::parse(&labels(&["A1", "A1"])).is_err());
        let eleven: Vec<String> = (1..=11).map(|n| format!("A{n}")).collect();
        assert!(SeatSelection::parse(&eleven).is_err());
    }

    #[test]
    fn money_multiplies_without_overflow() {
        let price = Money {
            amount: 12_000,
            currency: "KRW".into(),
        };
        assert_eq!(price.times(3).unwrap().amount, 36_000);
        assert!(
            Money {
                amount: i64::MAX,
                currency: "KRW".into()
            }
            .times(2)
            .is_none()
        );
    }

    #[test]
    fn ids_reject_strange_characters() {
        assert!(CustomerId::parse("alice@example.com").is_ok());
        assert!(CustomerId::parse("").is_err());
        assert!(CustomerId::parse("a b").is_err());
        assert!(ReservationId::parse(&"x".repeat(129)).is_err());
    }
}
