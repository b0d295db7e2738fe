//! The read model's documents (stored as JSON).

use std::collections::{BTreeMap, BTreeSet};

use cinema_events::{SeatSurcharge, TicketPrice, TicketType};
use serde::{Deserialize, Serialize};

/// Money in integer minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub amount: i64,
    pub currency: String,
}

impl From<&cinema_events::Money> for Price {
    fn from(m: &cinema_events::Money) -> Self {
        Self {
            amount: m.amount,
            currency: m.currency.clone(),
        }
    }
}

impl Price {
    /// Won (the only currency sold): what sums start from.
    pub fn krw(amount: i64) -> Self {
        Self {
            amount,
            currency: "KRW".into(),
        }
    }
}

/// Ticket type → price, by the API's names (`adult`, `youth`, `senior`, `disabled`).
pub type Prices = BTreeMap<String, Price>;

/// An event's ticket prices by name.
pub fn prices_of(list: &[TicketPrice]) -> Prices {
    list.iter()
        .map(|p| (p.ticket_type.api_name().to_string(), Price::from(&p.price)))
        .collect()
}

/// An event's seat surcharges by seat kind name.
pub fn surcharges_of(list: &[SeatSurcharge]) -> Prices {
    list.iter()
        .map(|s| (s.kind.api_name().to_string(), Price::from(&s.amount)))
        .collect()
}

/// Every movie id the catalog knows, so listing needs no key scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovieIndex {
    pub movie_ids: BTreeSet<String>,
}

/// A movie. Created by `MovieRegistered`, or by a `ScreeningScheduled` that arrives first (it
/// carries the title and runtime too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovieDoc {
    pub movie_id: String,
    pub title: String,
    pub runtime_min: u32,
    /// From `MovieRegistered` (a screening's price is on the screening).
    pub price: Option<Price>,
    /// Whether `MovieRegistered` has been applied (its title and runtime then win).
    pub registered: bool,
    pub screening_ids: BTreeSet<String>,
    /// `ALL`, `12`, `15`, `18`; `None` on events (and documents) from before ratings.
    #[serde(default)]
    pub age_rating: Option<String>,
    #[serde(default)]
    pub genre: Option<String>,
    #[serde(default)]
    pub synopsis: Option<String>,
}

impl MovieDoc {
    /// The rating shown: `ALL` for movies registered before ratings.
    pub fn age_rating(&self) -> &str {
        self.age_rating.as_deref().unwrap_or("ALL")
    }
}

/// What `ScreeningScheduled` says about a screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningDetails {
    pub movie_id: String,
    pub hall_id: String,
    pub hall_name: String,
    pub starts_at: String,
    /// The layout's seats (rows × seats per row before layouts).
    pub seats_total: u32,
    /// The adult price.
    pub price: Price,
    /// Ticket type → price; `None` on events (and documents) from before ticket types, which
    /// sold adult tickets only, at `price`.
    #[serde(default)]
    pub prices: Option<Prices>,
    /// Seat kind → surcharge per seat (kinds left out cost nothing extra).
    #[serde(default)]
    pub seat_surcharges: Prices,
}

impl ScreeningDetails {
    /// The ticket types sold and their prices (adult only, at `price`, before ticket types).
    pub fn ticket_prices(&self) -> Prices {
        self.prices.clone().unwrap_or_else(|| {
            Prices::from([(TicketType::Adult.api_name().to_string(), self.price.clone())])
        })
    }
}

/// A screening and the reservations holding its seats. Seat events may arrive before the
/// screening itself (then `details` is `None` until it does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningDoc {
    pub screening_id: String,
    pub details: Option<ScreeningDetails>,
    /// Reservation id → the seats it holds (allocated and not released).
    pub allocations: BTreeMap<String, BTreeSet<String>>,
    /// Reservations whose seats were released. The theater never allocates a released
    /// reservation again, so this also absorbs an allocation that arrives after its release.
    pub released: BTreeSet<String>,
    /// Bumped by every change, so the [`ScreeningSummary`] written after it can tell a newer
    /// summary from an older one (0 in documents of earlier versions).
    #[serde(default)]
    pub version: u64,
}

/// What a listing shows of a screening, kept in its own small document: reading the screening
/// document itself would parse every allocation, so a listing would slow down as seats sell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningSummary {
    pub screening_id: String,
    /// The [`ScreeningDoc::version`] it was derived from.
    pub version: u64,
    pub details: Option<ScreeningDetails>,
    pub seats_left: Option<u32>,
}

impl From<&ScreeningDoc> for ScreeningSummary {
    fn from(doc: &ScreeningDoc) -> Self {
        Self {
            screening_id: doc.screening_id.clone(),
            version: doc.version,
            details: doc.details.clone(),
            seats_left: doc.seats_left(),
        }
    }
}

impl ScreeningDoc {
    pub fn new(screening_id: &str) -> Self {
        Self {
            screening_id: screening_id.to_string(),
            details: None,
            allocations: BTreeMap::new(),
            released: BTreeSet::new(),
            version: 0,
        }
    }

    /// Distinct seats held by live allocations.
    pub fn seats_allocated(&self) -> usize {
        self.allocations
            .values()
            .flatten()
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Seats still for sale: total minus allocated, within `0..=total`; `None` until the
    /// screening's details are known.
    pub fn seats_left(&self) -> Option<u32> {
        let total = self.details.as_ref()?.seats_total;
        let allocated = u32::try_from(self.seats_allocated()).unwrap_or(u32::MAX);
        Some(total.saturating_sub(allocated))
    }
}
