//! Ticket prices and seat surcharges in JSON: `{"adult": money, "youth": money, …}` and
//! `{"premium": money, …}` (money = `{"amount", "currency"}`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use theater_core::ValidationError;
use theater_core::hall::SeatKind;
use theater_core::money::Money;
use theater_core::pricing::{SeatSurcharges, TicketPrices, TicketType};

#[derive(Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct MoneyBody {
    pub amount: i64,
    pub currency: String,
}

impl From<&Money> for MoneyBody {
    fn from(m: &Money) -> Self {
        Self {
            amount: m.amount(),
            currency: m.currency().to_string(),
        }
    }
}

pub type PricesBody = BTreeMap<String, MoneyBody>;

/// `prices` of a registration: every key a ticket type, every amount a ticket price.
///
/// # Errors
/// An unknown type or a price [`Money::ticket`] refuses.
pub fn ticket_prices(body: &PricesBody) -> Result<Vec<(TicketType, Money)>, ValidationError> {
    body.iter()
        .map(|(key, m)| {
            Ok((
                TicketType::parse(key)?,
                Money::ticket(&format!("prices.{key}"), m.amount, &m.currency)?,
            ))
        })
        .collect()
}

/// `seat_surcharges` of a registration.
///
/// # Errors
/// An unknown seat kind or an amount [`Money::surcharge`] refuses.
pub fn seat_surcharges(body: &PricesBody) -> Result<SeatSurcharges, ValidationError> {
    let list = body
        .iter()
        .map(|(key, m)| {
            let kind = SeatKind::parse(key)
                .map_err(|e| ValidationError::new(format!("seat_surcharges: {e}")))?;
            Ok((
                kind,
                Money::surcharge(&format!("seat_surcharges.{key}"), m.amount, &m.currency)?,
            ))
        })
        .collect::<Result<Vec<_>, ValidationError>>()?;
    SeatSurcharges::new(list)
}

pub fn prices_view(prices: &TicketPrices) -> PricesBody {
    prices
        .iter()
        .map(|(t, m)| (t.as_str().to_string(), MoneyBody::from(m)))
        .collect()
}

pub fn surcharges_view(surcharges: &SeatSurcharges) -> PricesBody {
    surcharges
        .iter()
        .map(|(k, m)| (k.as_str().to_string(), MoneyBody::from(m)))
        .collect()
}

/// Reads stored prices back (rows from before ticket types have none: adult only at `price`).
///
/// # Errors
/// Not valid prices (a corrupt row).
pub fn prices_from_json(text: Option<&str>, price: Money) -> Result<TicketPrices, String> {
    let Some(text) = text else {
        return Ok(TicketPrices::adult_only(price));
    };
    let body: PricesBody = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let list = ticket_prices(&body).map_err(|e| e.to_string())?;
    TicketPrices::resolve(None, Some(list)).map_err(|e| e.to_string())
}

/// # Errors
/// Not valid surcharges (a corrupt row).
pub fn surcharges_from_json(text: Option<&str>) -> Result<SeatSurcharges, String> {
    let Some(text) = text else {
        return Ok(SeatSurcharges::default());
    };
    let body: PricesBody = serde_json::from_str(text).map_err(|e| e.to_string())?;
    seat_surcharges(&body).map_err(|e| e.to_string())
}
