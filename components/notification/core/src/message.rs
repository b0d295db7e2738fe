//! The chat messages customers receive: the facts of a status change gathered once, then written
//! out by a per-language template ([`korean`], [`english`]) with the showtime in the venue's time.

mod english;
mod korean;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::locale::{Language, VenueZone};
use crate::model::{Amount, Change, ScreeningInfo, StatusChange};

/// How many characters of the reservation id stand in for the booking number until events carry one.
const SHORT_ID_LEN: usize = 8;

/// Writes the message for a status change in `language`; `screening` adds the movie, hall,
/// showtime (in `zone`) and price when the screening is known.
pub fn compose(
    change: &StatusChange,
    screening: Option<&ScreeningInfo>,
    language: Language,
    zone: VenueZone,
) -> String {
    let facts = Facts::gather(change, screening, zone);
    match language {
        Language::Ko => korean::render(&change.change, &facts),
        Language::En => english::render(&change.change, &facts),
    }
}

/// What a message can say about the booking, independent of the language.
struct Facts<'a> {
    /// The booking number, or the reservation's short id until events carry one.
    booking: String,
    showing: Option<Showing<'a>>,
    seats: &'a [String],
    /// The total (refunds: the refunded amount; otherwise the booking's total, or price × seats
    /// for events from before they carried it).
    amount: Option<Amount>,
}

/// The screening as the venue's clock shows it.
struct Showing<'a> {
    movie: &'a str,
    hall: &'a str,
    /// Start and (with a known runtime) end, in venue time; `None` if the stored time is unreadable.
    time: Option<(DateTime<Tz>, Option<DateTime<Tz>>)>,
}

impl<'a> Facts<'a> {
    fn gather(
        change: &'a StatusChange,
        screening: Option<&'a ScreeningInfo>,
        zone: VenueZone,
    ) -> Self {
        let booking = change
            .booking_number
            .clone()
            .unwrap_or_else(|| short_id(&change.reservation_id));
        let (seats, amount): (&[String], Option<Amount>) = match &change.change {
            Change::Confirmed { seats, total, .. }
            | Change::Rejected { seats, total, .. }
            | Change::Cancelled { seats, total, .. } => (
                seats,
                // What was charged; events from before they carried it: price × seats.
                total.clone().or_else(|| {
                    screening
                        .and_then(|s| s.price.as_ref())
                        .map(|price| price.times(seats.len()))
                }),
            ),
            Change::Refunded { amount, .. } => (&[], Some(amount.clone())),
        };
        let showing = change
            .screening_id()
            .and(screening)
            .map(|s| Showing::at(s, zone));
        Self {
            booking,
            showing,
            seats,
            amount,
        }
    }
}

impl<'a> Showing<'a> {
    fn at(screening: &'a ScreeningInfo, zone: VenueZone) -> Self {
        let time = DateTime::parse_from_rfc3339(&screening.starts_at)
            .ok()
            .map(|t| {
                let start = t.with_timezone(&Utc);
                let end = screening
                    .runtime_min
                    .map(|m| zone.local(start + Duration::minutes(i64::from(m))));
                (zone.local(start), end)
            });
        Self {
            movie: &screening.movie_title,
            hall: &screening.hall_name,
            time,
        }
    }
}

/// The zone's abbreviation at `t` (`KST`, `PDT`); a zone without one reads `UTC+07`.
fn zone_abbreviation(t: &DateTime<Tz>) -> String {
    let abbreviation = t.format("%Z").to_string();
    if abbreviation.starts_with(['+', '-']) {
        format!("UTC{}", abbreviation.trim_end_matches(":00"))
    } else {
        abbreviation
    }
}

fn short_id(reservation_id: &str) -> String {
    reservation_id.chars().take(SHORT_ID_LEN).collect()
}

#[cfg(test)]
mod tests;
