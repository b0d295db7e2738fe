//! What a booking costs: tickets by type (성인 adult, 청소년 youth, 경로 senior, 우대 disabled)
//! and seats by kind. Total = Σ over types (count × that type's price) + Σ over seats (the
//! surcharge of the seat's kind), from the reservation side's own copy of the screening, in
//! checked arithmetic: a total that cannot be computed is refused, never wrapped.

use std::collections::BTreeMap;

use cinema_events as ev;
use serde::{Deserialize, Serialize};

pub use cinema_events::{SeatKind, TicketType};

use crate::model::{Money, Screening, SeatSelection};
use crate::quote::PlaceError;

/// The request's `"tickets"` as sent: type name → count, unchecked.
pub type TicketRequest = BTreeMap<String, i64>;

/// How many tickets of each type a booking has: known types only, each count 1 to
/// [`SeatSelection::MAX`]. Whether they fit the seats and the screening is [`total`]'s to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tickets(BTreeMap<TicketType, u32>);

impl Tickets {
    /// # Errors
    /// An unknown type name, or a count below 1 or above [`SeatSelection::MAX`].
    pub fn parse(request: &TicketRequest) -> Result<Self, PlaceError> {
        let mut counts = BTreeMap::new();
        for (name, &count) in request {
            let ticket_type = TicketType::from_api_name(name)
                .ok_or_else(|| PlaceError::UnknownTicketType(name.clone()))?;
            let count = u32::try_from(count)
                .ok()
                .filter(|n| (1..=SeatSelection::MAX as u32).contains(n))
                .ok_or_else(|| PlaceError::TicketCount {
                    ticket_type: name.clone(),
                    count,
                })?;
            counts.insert(ticket_type, count);
        }
        Ok(Self(counts))
    }

    /// What a booking without `"tickets"` has: one adult ticket per seat.
    pub fn adults(seats: usize) -> Self {
        let n = u32::try_from(seats).unwrap_or(u32::MAX);
        Self(BTreeMap::from([(TicketType::Adult, n)]))
    }

    /// How many tickets in all.
    pub fn count(&self) -> u64 {
        self.0.values().map(|&n| u64::from(n)).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = (TicketType, u32)> + '_ {
        self.0.iter().map(|(&t, &n)| (t, n))
    }

    /// Whether these are the tickets a booking of `seats` seats has without `"tickets"`.
    pub fn all_adult(&self, seats: usize) -> bool {
        *self == Self::adults(seats)
    }

    /// As the API shows them: `{"adult": 1, "youth": 1}`.
    pub fn by_name(&self) -> BTreeMap<&'static str, u32> {
        self.iter().map(|(t, n)| (t.api_name(), n)).collect()
    }

    /// As `reservation-placed` carries them.
    pub fn to_events(&self) -> Vec<ev::TicketCount> {
        self.iter()
            .map(|(ticket_type, count)| ev::TicketCount { ticket_type, count })
            .collect()
    }
}

/// A running total in one currency.
struct Sum {
    amount: i64,
    currency: String,
}

impl Sum {
    fn add(&mut self, price: &Money, times: u32) -> Result<(), PlaceError> {
        if price.currency != self.currency {
            return Err(PlaceError::Unpriceable(format!(
                "prices in {} and {} cannot be added",
                self.currency, price.currency
            )));
        }
        self.amount = price
            .amount
            .checked_mul(i64::from(times))
            .and_then(|part| self.amount.checked_add(part))
            .ok_or(PlaceError::PriceOverflow)?;
        Ok(())
    }
}

/// What `tickets` on `seats` of `screening` cost (the seats are known to exist).
///
/// # Errors
/// A type the screening does not sell, counts that do not add up to the seats, or a total that
/// overflows or mixes currencies.
pub fn total(
    screening: &Screening,
    seats: &SeatSelection,
    tickets: &Tickets,
) -> Result<Money, PlaceError> {
    if let Some((unsold, _)) = tickets
        .iter()
        .find(|&(t, _)| screening.ticket_price(t).is_none())
    {
        return Err(PlaceError::NotSold {
            ticket_type: unsold.api_name(),
            sold: screening
                .types_sold()
                .into_iter()
                .map(TicketType::api_name)
                .collect(),
        });
    }
    if tickets.count() != seats.len() as u64 {
        return Err(PlaceError::TicketsDoNotAddUp {
            tickets: tickets.count(),
            seats: seats.len(),
        });
    }
    let mut sum = Sum {
        amount: 0,
        currency: screening.price.currency.clone(),
    };
    for (ticket_type, count) in tickets.iter() {
        if let Some(price) = screening.ticket_price(ticket_type) {
            sum.add(price, count)?;
        }
    }
    for seat in seats.seats() {
        if let Some(surcharge) = screening.surcharge(screening.kind_of(seat)) {
            sum.add(surcharge, 1)?;
        }
    }
    Ok(Money {
        amount: sum.amount,
        currency: sum.currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{priced_screening, screening, seats, tickets};

    fn selection(labels: &[&str]) -> SeatSelection {
        SeatSelection::parse(&seats(labels)).unwrap()
    }

    fn parsed(counts: &[(&str, i64)]) -> Tickets {
        Tickets::parse(&tickets(counts)).unwrap()
    }

    fn krw(amount: i64) -> Money {
        Money {
            amount,
            currency: "KRW".into(),
        }
    }

    #[test]
    fn ticket_types_are_named_as_the_api_names_them() {
        for t in TicketType::ALL {
            assert_eq!(TicketType::from_api_name(t.api_name()), Some(t));
        }
        assert_eq!(TicketType::from_api_name("Adult"), None);
        assert_eq!(TicketType::from_api_name("child"), None);
    }

    #[test]
    fn an_unknown_ticket_type_is_refused() {
        assert_eq!(
            Tickets::parse(&tickets(&[("adult", 1), ("child", 1)])).unwrap_err(),
            PlaceError::UnknownTicketType("child".into())
        );
    }

    #[test]
    fn a_count_of_zero_or_less_or_more_than_a_booking_can_have_is_refused() {
        for count in [0, -1, 11, i64::MAX] {
            assert_eq!(
                Tickets::parse(&tickets(&[("youth", count)])).unwrap_err(),
                PlaceError::TicketCount {
                    ticket_type: "youth".into(),
                    count
                },
                "{count}"
            );
        }
        let err = Tickets::parse(&tickets(&[("youth", 0)])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tickets.youth must be 1 to 10 (got 0); leave out a type you do not want"
        );
    }

    #[test]
    fn tickets_read_back_by_name_and_as_the_event_carries_them() {
        let t = parsed(&[("youth", 1), ("adult", 2)]);
        assert_eq!(t.count(), 3);
        assert_eq!(t.by_name(), BTreeMap::from([("adult", 2), ("youth", 1)]));
        assert_eq!(
            t.to_events(),
            [
                ev::TicketCount {
                    ticket_type: TicketType::Adult,
                    count: 2
                },
                ev::TicketCount {
                    ticket_type: TicketType::Youth,
                    count: 1
                }
            ]
        );
        assert!(parsed(&[("adult", 2)]).all_adult(2));
        assert!(!parsed(&[("adult", 2)]).all_adult(3));
        assert!(!t.all_adult(3));
    }

    #[test]
    fn each_ticket_costs_its_types_price() {
        let total = total(
            &priced_screening(),
            &selection(&["B1", "B2", "B3"]),
            &parsed(&[("adult", 1), ("youth", 1), ("senior", 1)]),
        );
        assert_eq!(total, Ok(krw(14_000 + 11_000 + 7_000)));
    }

    #[test]
    fn each_seat_adds_the_surcharge_of_its_kind_and_unlisted_kinds_add_nothing() {
        let s = priced_screening();
        let premium = total(&s, &selection(&["B4", "B5"]), &parsed(&[("adult", 2)]));
        assert_eq!(premium, Ok(krw(2 * 14_000 + 2 * 3_000)));
        let couple = total(&s, &selection(&["C1", "C2"]), &parsed(&[("youth", 2)]));
        assert_eq!(
            couple,
            Ok(krw(2 * 11_000 + 2 * 2_000)),
            "a couple seat is two seats"
        );
        let access = total(&s, &selection(&["A1", "A2"]), &parsed(&[("senior", 2)]));
        assert_eq!(access, Ok(krw(2 * 7_000)));
    }

    #[test]
    fn a_type_the_screening_does_not_sell_is_refused_naming_what_is_sold() {
        let err = total(
            &priced_screening(),
            &selection(&["B1"]),
            &parsed(&[("disabled", 1)]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            PlaceError::NotSold {
                ticket_type: "disabled",
                sold: vec!["adult", "youth", "senior"]
            }
        );
        assert_eq!(
            err.to_string(),
            "disabled tickets are not sold for this screening (sold: adult, youth, senior)"
        );
    }

    #[test]
    fn a_screening_copy_from_before_prices_sells_adult_tickets_only_at_its_price() {
        let old = screening();
        assert_eq!(
            total(&old, &selection(&["A1", "A2"]), &Tickets::adults(2)),
            Ok(krw(24_000))
        );
        assert_eq!(
            total(&old, &selection(&["A1"]), &parsed(&[("youth", 1)])),
            Err(PlaceError::NotSold {
                ticket_type: "youth",
                sold: vec!["adult"]
            })
        );
    }

    #[test]
    fn counts_that_do_not_add_up_to_the_seats_are_refused() {
        let s = priced_screening();
        for (counts, n) in [
            (&[("adult", 1)][..], 1),
            (&[("adult", 2), ("youth", 1)][..], 3),
            (&[][..], 0),
        ] {
            assert_eq!(
                total(&s, &selection(&["B1", "B2"]), &parsed(counts)),
                Err(PlaceError::TicketsDoNotAddUp {
                    tickets: n,
                    seats: 2
                }),
                "{counts:?}"
            );
        }
    }

    #[test]
    fn a_total_that_overflows_is_refused_not_wrapped() {
        let mut s = priced_screening();
        s.ticket_prices
            .insert(TicketType::Adult, krw(i64::MAX / 2 + 1));
        assert_eq!(
            total(&s, &selection(&["B1", "B2"]), &parsed(&[("adult", 2)])),
            Err(PlaceError::PriceOverflow)
        );
        let mut s = priced_screening();
        s.ticket_prices
            .insert(TicketType::Adult, krw(i64::MAX - 1_000));
        assert_eq!(
            total(&s, &selection(&["B4"]), &parsed(&[("adult", 1)])),
            Err(PlaceError::PriceOverflow),
            "the premium surcharge tips it over"
        );
    }

    #[test]
    fn prices_in_another_currency_are_never_added() {
        let mut s = priced_screening();
        s.seat_surcharges.insert(
            SeatKind::Premium,
            Money {
                amount: 3,
                currency: "USD".into(),
            },
        );
        assert!(matches!(
            total(&s, &selection(&["B4"]), &parsed(&[("adult", 1)])),
            Err(PlaceError::Unpriceable(_))
        ));
    }
}
