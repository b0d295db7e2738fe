//! Ticket prices and seat surcharges in JSON: `{"adult": money, "youth": money, …}` and
//! `{"premium": money, …}` (money = `{"amount", "currency"}`). Structs rather than maps: keys
//! other than the named ones are refused by the parser, and the components stay smaller.

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

/// `prices`: the ticket types sold.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PricesBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    adult: Option<MoneyBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    youth: Option<MoneyBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    senior: Option<MoneyBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled: Option<MoneyBody>,
}

impl PricesBody {
    fn slot(&mut self, t: TicketType) -> &mut Option<MoneyBody> {
        match t {
            TicketType::Adult => &mut self.adult,
            TicketType::Youth => &mut self.youth,
            TicketType::Senior => &mut self.senior,
            TicketType::Disabled => &mut self.disabled,
        }
    }

    fn entries(&self) -> [(TicketType, &Option<MoneyBody>); 4] {
        [
            (TicketType::Adult, &self.adult),
            (TicketType::Youth, &self.youth),
            (TicketType::Senior, &self.senior),
            (TicketType::Disabled, &self.disabled),
        ]
    }
}

/// `seat_surcharges`: what each seat kind adds.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SurchargesBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    standard: Option<MoneyBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    premium: Option<MoneyBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wheelchair: Option<MoneyBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    companion: Option<MoneyBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    couple: Option<MoneyBody>,
}

impl SurchargesBody {
    fn slot(&mut self, k: SeatKind) -> &mut Option<MoneyBody> {
        match k {
            SeatKind::Standard => &mut self.standard,
            SeatKind::Premium => &mut self.premium,
            SeatKind::Wheelchair => &mut self.wheelchair,
            SeatKind::Companion => &mut self.companion,
            SeatKind::Couple => &mut self.couple,
        }
    }

    fn entries(&self) -> [(SeatKind, &Option<MoneyBody>); 5] {
        [
            (SeatKind::Standard, &self.standard),
            (SeatKind::Premium, &self.premium),
            (SeatKind::Wheelchair, &self.wheelchair),
            (SeatKind::Companion, &self.companion),
            (SeatKind::Couple, &self.couple),
        ]
    }
}

/// `prices` of a registration: every amount a ticket price.
///
/// # Errors
/// A price [`Money::ticket`] refuses.
pub fn ticket_prices(body: &PricesBody) -> Result<Vec<(TicketType, Money)>, ValidationError> {
    let mut list = Vec::new();
    for (t, m) in body.entries() {
        if let Some(m) = m {
            let what = format!("prices.{}", t.as_str());
            list.push((t, Money::ticket(&what, m.amount, &m.currency)?));
        }
    }
    Ok(list)
}

/// `seat_surcharges` of a registration.
///
/// # Errors
/// An amount [`Money::surcharge`] refuses.
pub fn seat_surcharges(body: &SurchargesBody) -> Result<SeatSurcharges, ValidationError> {
    let mut list = Vec::new();
    for (k, m) in body.entries() {
        if let Some(m) = m {
            let what = format!("seat_surcharges.{}", k.as_str());
            list.push((k, Money::surcharge(&what, m.amount, &m.currency)?));
        }
    }
    SeatSurcharges::new(list)
}

pub fn prices_view(prices: &TicketPrices) -> PricesBody {
    let mut view = PricesBody::default();
    for (t, m) in prices.iter() {
        *view.slot(t) = Some(MoneyBody::from(m));
    }
    view
}

pub fn surcharges_view(surcharges: &SeatSurcharges) -> SurchargesBody {
    let mut view = SurchargesBody::default();
    for (k, m) in surcharges.iter() {
        *view.slot(k) = Some(MoneyBody::from(m));
    }
    view
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
    let body: SurchargesBody = serde_json::from_str(text).map_err(|e| e.to_string())?;
    seat_surcharges(&body).map_err(|e| e.to_string())
}
