//! What a screening's tickets cost: the ticket types sold with their prices (adult always), and
//! the surcharges of seat kinds.

use crate::ValidationError;
use crate::hall::SeatKind;
use crate::money::Money;

/// Who a ticket is for: 성인 (adult), 청소년 (youth), 경로 (senior), 우대 (disabled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TicketType {
    Adult,
    Youth,
    Senior,
    Disabled,
}

impl TicketType {
    pub const ALL: [Self; 4] = [Self::Adult, Self::Youth, Self::Senior, Self::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adult => "adult",
            Self::Youth => "youth",
            Self::Senior => "senior",
            Self::Disabled => "disabled",
        }
    }

    /// # Errors
    /// Not one of the four names.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "prices: unknown ticket type {text:?} (adult, youth, senior, disabled)"
                ))
            })
    }

    pub fn to_event(self) -> cinema_events::TicketType {
        use cinema_events::TicketType as E;
        match self {
            Self::Adult => E::Adult,
            Self::Youth => E::Youth,
            Self::Senior => E::Senior,
            Self::Disabled => E::Disabled,
        }
    }
}

/// The ticket types sold and their prices; always sells `adult`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPrices {
    adult: Money,
    /// The other types sold (never `Adult`), in [`TicketType::ALL`] order. Vectors rather than
    /// maps here: at most four entries, and smaller components.
    others: Vec<(TicketType, Money)>,
}

impl TicketPrices {
    /// Adult tickets only (a movie registered with just `price`, or before ticket types).
    pub fn adult_only(price: Money) -> Self {
        Self {
            adult: price,
            others: Vec::new(),
        }
    }

    /// The prices of a registration: `price` (the adult price) and/or `prices`.
    ///
    /// # Errors
    /// Neither given, `prices` without `adult` or naming a type twice, or `price` different
    /// from `prices.adult`.
    pub fn resolve(
        price: Option<Money>,
        prices: Option<Vec<(TicketType, Money)>>,
    ) -> Result<Self, ValidationError> {
        let Some(list) = prices else {
            return price.map(Self::adult_only).ok_or_else(|| {
                ValidationError::new("price is required (or prices with an adult price)")
            });
        };
        let mut adult = None;
        let mut others: Vec<(TicketType, Money)> = Vec::new();
        for (ticket_type, money) in list {
            let twice = if ticket_type == TicketType::Adult {
                adult.replace(money).is_some()
            } else {
                match others.binary_search_by_key(&ticket_type, |(t, _)| *t) {
                    Ok(_) => true,
                    Err(at) => {
                        others.insert(at, (ticket_type, money));
                        false
                    }
                }
            };
            if twice {
                return Err(ValidationError::new(format!(
                    "prices: {} is listed twice",
                    ticket_type.as_str()
                )));
            }
        }
        let adult = adult.ok_or_else(|| {
            ValidationError::new("prices must include adult: every screening sells adult tickets")
        })?;
        if let Some(price) = price
            && price != adult
        {
            return Err(ValidationError::new(format!(
                "price (₩{}) must equal prices.adult (₩{}); price may be left out",
                price.amount(),
                adult.amount()
            )));
        }
        Ok(Self { adult, others })
    }

    pub fn adult(&self) -> &Money {
        &self.adult
    }

    /// Every type sold with its price, adult first.
    pub fn iter(&self) -> impl Iterator<Item = (TicketType, &Money)> + '_ {
        std::iter::once((TicketType::Adult, &self.adult))
            .chain(self.others.iter().map(|(t, m)| (*t, m)))
    }

    pub fn to_event(&self) -> Vec<cinema_events::TicketPrice> {
        self.iter()
            .map(|(t, m)| cinema_events::TicketPrice {
                ticket_type: t.to_event(),
                price: m.to_event(),
            })
            .collect()
    }
}

/// What each seat kind adds to a ticket (per seat); kinds not listed add nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeatSurcharges(Vec<(SeatKind, Money)>);

impl SeatSurcharges {
    /// # Errors
    /// A kind listed twice.
    pub fn new(list: Vec<(SeatKind, Money)>) -> Result<Self, ValidationError> {
        let mut sorted: Vec<(SeatKind, Money)> = Vec::with_capacity(list.len());
        for (kind, money) in list {
            match sorted.binary_search_by_key(&kind, |(k, _)| *k) {
                Ok(_) => {
                    return Err(ValidationError::new(format!(
                        "seat_surcharges: {} is listed twice",
                        kind.as_str()
                    )));
                }
                Err(at) => sorted.insert(at, (kind, money)),
            }
        }
        Ok(Self(sorted))
    }

    /// The surcharge of one seat of `kind` (0 when none is set).
    pub fn amount_for(&self, kind: SeatKind) -> i64 {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, m)| m.amount())
    }

    pub fn iter(&self) -> impl Iterator<Item = (SeatKind, &Money)> + '_ {
        self.0.iter().map(|(k, m)| (*k, m))
    }

    pub fn to_event(&self) -> Vec<cinema_events::SeatSurcharge> {
        self.iter()
            .map(|(k, m)| cinema_events::SeatSurcharge {
                kind: k.to_event(),
                amount: m.to_event(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn won(amount: i64) -> Money {
        Money::ticket("price", amount, "KRW").unwrap()
    }

    #[test]
    fn price_alone_sells_adult_tickets_only() {
        let prices = TicketPrices::resolve(Some(won(12_000)), None).unwrap();
        assert_eq!(prices.adult().amount(), 12_000);
        assert_eq!(prices.iter().count(), 1);
    }

    #[test]
    fn prices_need_an_adult_price() {
        let error =
            TicketPrices::resolve(None, Some(vec![(TicketType::Youth, won(9_000))])).unwrap_err();
        assert!(error.message().contains("must include adult"), "{error}");
        assert!(TicketPrices::resolve(None, None).is_err());
    }

    #[test]
    fn price_and_prices_adult_must_agree() {
        let both = |price| {
            TicketPrices::resolve(
                Some(won(price)),
                Some(vec![
                    (TicketType::Adult, won(12_000)),
                    (TicketType::Youth, won(9_000)),
                ]),
            )
        };
        assert_eq!(both(12_000).unwrap().iter().count(), 2);
        let error = both(11_000).unwrap_err();
        assert!(
            error.message().contains("must equal prices.adult"),
            "{error}"
        );
    }

    #[test]
    fn prices_may_leave_out_price() {
        let prices =
            TicketPrices::resolve(None, Some(vec![(TicketType::Adult, won(15_000))])).unwrap();
        assert_eq!(prices.adult().amount(), 15_000);
    }

    #[test]
    fn only_the_four_ticket_types_are_known() {
        assert_eq!(TicketType::parse("senior").unwrap(), TicketType::Senior);
        let error = TicketType::parse("child").unwrap_err();
        assert!(error.message().contains("unknown ticket type"), "{error}");
        assert!(TicketType::parse("Adult").is_err());
    }

    #[test]
    fn a_kind_without_a_surcharge_costs_nothing_extra() {
        let s = SeatSurcharges::new(vec![(
            SeatKind::Premium,
            Money::surcharge("s", 3_000, "KRW").unwrap(),
        )])
        .unwrap();
        assert_eq!(s.amount_for(SeatKind::Premium), 3_000);
        assert_eq!(s.amount_for(SeatKind::Couple), 0);
        let twice = SeatSurcharges::new(vec![
            (SeatKind::Couple, Money::surcharge("s", 1, "KRW").unwrap()),
            (SeatKind::Couple, Money::surcharge("s", 2, "KRW").unwrap()),
        ]);
        assert!(twice.is_err());
    }
}
