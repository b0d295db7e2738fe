//! English messages: `[Cinema] Booking confirmed. Dune: Part Two · Hall 1 · Sun 6 Dec
//! 19:00–21:46 KST · Seats A1, A2 · ₩24,000 · Booking 01a2418d. Enjoy the film!` — the venue's
//! zone is always named, since an English reader may well be elsewhere.

use chrono::DateTime;
use chrono_tz::Tz;
use cinema_events::RejectionReason;

use super::{Facts, zone_abbreviation};
use crate::model::Change;

/// The brand the web UI shows.
const BRAND: &str = "[Cinema]";

pub(super) fn render(change: &Change, facts: &Facts<'_>) -> String {
    let details = details(facts);
    match change {
        Change::Confirmed { .. } => {
            format!("{BRAND} Booking confirmed. {details}. Enjoy the film!")
        }
        Change::Rejected { reason, .. } => format!(
            "{BRAND} We could not complete your booking because {}. {details}. Your payment will be refunded in full.",
            because(*reason)
        ),
        Change::Cancelled { .. } => {
            format!("{BRAND} Booking cancelled. {details}. Your payment will be refunded.")
        }
        Change::Refunded { reason, .. } => {
            let why = match reason.as_str() {
                "reservation-cancelled" => " · Reason: booking cancelled",
                "reservation-rejected" => " · Reason: seats could not be allocated",
                _ => "",
            };
            format!("{BRAND} Refund completed. {details}{why}.")
        }
    }
}

/// `Dune: Part Two · Hall 1 · Sun 6 Dec 19:00–21:46 KST · Seats A1, A2 · ₩24,000 · Booking 01a2418d`.
fn details(facts: &Facts<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(showing) = &facts.showing {
        parts.push(showing.movie.to_string());
        parts.push(showing.hall.to_string());
        if let Some((start, end)) = &showing.time {
            parts.push(showtime(start, end.as_ref()));
        }
    }
    match facts.seats {
        [] => {}
        [one] => parts.push(format!("Seat {one}")),
        many => parts.push(format!("Seats {}", many.join(", "))),
    }
    if let Some(amount) = &facts.amount {
        parts.push(amount.to_string());
    }
    parts.push(format!("Booking {}", facts.booking));
    parts.join(" · ")
}

/// `Sun 6 Dec 19:00–21:46 KST` (the zone of the start).
fn showtime(start: &DateTime<Tz>, end: Option<&DateTime<Tz>>) -> String {
    let mut text = start.format("%a %-d %b %H:%M").to_string();
    if let Some(end) = end {
        text.push_str(&end.format("–%H:%M").to_string());
    }
    format!("{text} {}", zone_abbreviation(start))
}

fn because(reason: RejectionReason) -> &'static str {
    match reason {
        RejectionReason::SeatsTaken => "some of the seats were already taken",
        RejectionReason::UnknownScreening => "the screening is no longer available",
        RejectionReason::ShowtimePassed => "the showtime has already passed",
        RejectionReason::UnknownSeat => "a seat does not exist in this hall",
    }
}
