//! Value objects: parse, don't validate.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use cinema_events::{HallLayout, SeatKind, TicketType};
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

/// The reservation side's own copy of a bookable screening, learned from `ScreeningScheduled`:
/// what is sold (seats, ticket types, prices) and when. Copies stored before layouts and prices
/// were kept read as the events of that time meant: `rows` × `seats_per_row` standard seats,
/// adult tickets only, at `price`.
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
    /// The adult price.
    pub price: Money,
    /// The hall's seats, their kinds and couple pairs; `None`: `rows` × `seats_per_row`, all
    /// standard.
    #[serde(default)]
    pub layout: Option<HallLayout>,
    /// The ticket types sold and their prices; empty: adult only, at `price`.
    #[serde(default)]
    pub ticket_prices: BTreeMap<TicketType, Money>,
    /// Added per seat of a kind (a couple seat is two seats); unlisted kinds cost nothing extra.
    #[serde(default)]
    pub seat_surcharges: BTreeMap<SeatKind, Money>,
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
            layout: e.layout.clone(),
            ticket_prices: e
                .prices
                .iter()
                .flatten()
                .map(|p| (p.ticket_type, p.price.clone().into()))
                .collect(),
            seat_surcharges: e
                .seat_surcharges
                .iter()
                .flatten()
                .map(|s| (s.kind, s.amount.clone().into()))
                .collect(),
        })
    }

    /// Whether the hall has this seat (the layout's rows may differ in length).
    pub fn has_seat(&self, seat: &SeatLabel) -> bool {
        match &self.layout {
            Some(layout) => layout.has_seat(seat.as_str()),
            None => seat.fits(self.rows, self.seats_per_row),
        }
    }

    /// The seat's kind; `standard` without a layout.
    pub fn kind_of(&self, seat: &SeatLabel) -> SeatKind {
        self.layout
            .as_ref()
            .and_then(|l| l.kind_of(seat.as_str()))
            .unwrap_or(SeatKind::Standard)
    }

    /// The other half of a couple seat, which is only sold with it.
    pub fn couple_partner(&self, seat: &SeatLabel) -> Option<String> {
        self.layout.as_ref()?.couple_partner(seat.as_str())
    }

    /// The price of a ticket of this type; `None` when the screening does not sell it.
    pub fn ticket_price(&self, ticket_type: TicketType) -> Option<&Money> {
        if self.ticket_prices.is_empty() {
            return (ticket_type == TicketType::Adult).then_some(&self.price);
        }
        self.ticket_prices.get(&ticket_type)
    }

    /// The ticket types this screening sells.
    pub fn types_sold(&self) -> Vec<TicketType> {
        crate::pricing::TicketType::ALL
            .into_iter()
            .filter(|&t| self.ticket_price(t).is_some())
            .collect()
    }

    /// What a seat of this kind adds to the total, if anything.
    pub fn surcharge(&self, kind: SeatKind) -> Option<&Money> {
        self.seat_surcharges.get(&kind)
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

    fn scheduled() -> cinema_events::ScreeningScheduled {
        let s = crate::testing::priced_screening();
        cinema_events::ScreeningScheduled {
            screening_id: "s2".into(),
            movie_id: "m1".into(),
            movie_title: "Parasite".into(),
            runtime_min: 132,
            hall_id: "h1".into(),
            hall_name: "1관".into(),
            starts_at: "2030-01-01T20:00:00Z".into(),
            rows: 3,
            seats_per_row: 10,
            price: s.price.clone().into(),
            layout: s.layout.clone(),
            prices: Some(
                s.ticket_prices
                    .iter()
                    .map(|(&ticket_type, price)| cinema_events::TicketPrice {
                        ticket_type,
                        price: price.clone().into(),
                    })
                    .collect(),
            ),
            seat_surcharges: Some(
                s.seat_surcharges
                    .iter()
                    .map(|(&kind, amount)| cinema_events::SeatSurcharge {
                        kind,
                        amount: amount.clone().into(),
                    })
                    .collect(),
            ),
            age_rating: Some("15".into()),
        }
    }

    #[test]
    fn the_copy_of_a_screening_keeps_its_layout_ticket_prices_and_seat_surcharges() {
        let copy = Screening::from_event(&scheduled()).unwrap();
        let expected = crate::testing::priced_screening();
        assert_eq!(copy.layout, expected.layout);
        assert_eq!(copy.ticket_prices, expected.ticket_prices);
        assert_eq!(copy.seat_surcharges, expected.seat_surcharges);
        let c1 = SeatLabel::parse("C1").unwrap();
        assert_eq!(copy.kind_of(&c1), SeatKind::Couple);
        assert_eq!(copy.couple_partner(&c1).as_deref(), Some("C2"));
        assert!(!copy.has_seat(&SeatLabel::parse("C7").unwrap()));
    }

    #[test]
    fn a_screening_scheduled_before_layouts_and_prices_sells_adult_standard_seats_at_its_price() {
        let mut old = scheduled();
        (old.layout, old.prices, old.seat_surcharges) = (None, None, None);
        let copy = Screening::from_event(&old).unwrap();
        let c7 = SeatLabel::parse("C7").unwrap();
        assert!(copy.has_seat(&c7), "3 rows × 10 seats");
        assert_eq!(copy.kind_of(&c7), SeatKind::Standard);
        assert_eq!(copy.couple_partner(&c7), None);
        assert_eq!(copy.types_sold(), [TicketType::Adult]);
        assert_eq!(copy.ticket_price(TicketType::Adult), Some(&copy.price));
        assert_eq!(copy.surcharge(SeatKind::Premium), None);
    }

    #[test]
    fn a_copy_stored_before_layouts_and_prices_reads_as_one() {
        let mut doc = serde_json::to_value(crate::testing::screening()).unwrap();
        for field in ["layout", "ticket_prices", "seat_surcharges", "hall_name"] {
            doc.as_object_mut().unwrap().remove(field);
        }
        let stored: Screening = serde_json::from_value(doc).unwrap();
        assert_eq!(stored.layout, None);
        assert_eq!(stored.types_sold(), [TicketType::Adult]);
        let copy = crate::testing::priced_screening();
        let round: Screening =
            serde_json::from_str(&serde_json::to_string(&copy).unwrap()).unwrap();
        assert_eq!(round, copy);
    }
}
