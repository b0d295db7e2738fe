//! The chat messages customers receive, in English.

use chrono::DateTime;
use cinema_events::RejectionReason;

use crate::model::{Change, ScreeningInfo, StatusChange};

/// How many characters of the reservation id a message shows (enough to recognise a booking).
const SHORT_ID_LEN: usize = 8;

/// Writes the message for a status change; `screening` adds the movie, hall and showtime when the
/// screening is known.
pub fn compose(change: &StatusChange, screening: Option<&ScreeningInfo>) -> String {
    let booking = format!("Your booking {}", short_id(&change.reservation_id));
    let about = screening
        .map(describe)
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    match &change.change {
        Change::Confirmed { seats, .. } => {
            format!(
                "{booking}{about} for {} is confirmed. Enjoy the movie!",
                seat_list(seats)
            )
        }
        Change::Rejected { seats, reason, .. } => format!(
            "Sorry: {} for {}{about} could not be completed because {}. Your payment will be refunded.",
            lowercase_first(&booking),
            seat_list(seats),
            rejection(*reason),
        ),
        Change::Cancelled { seats, .. } => format!(
            "{booking}{about} for {} has been cancelled. Your payment will be refunded.",
            seat_list(seats)
        ),
        Change::Refunded { amount, reason } => {
            let why = match reason.as_str() {
                "reservation-rejected" => " because the seats could not be allocated",
                "reservation-cancelled" => " because the booking was cancelled",
                _ => "",
            };
            format!(
                "Your payment of {amount} for booking {} has been refunded{why}.",
                short_id(&change.reservation_id)
            )
        }
    }
}

fn short_id(reservation_id: &str) -> String {
    if reservation_id.chars().count() > SHORT_ID_LEN {
        format!(
            "{}…",
            reservation_id
                .chars()
                .take(SHORT_ID_LEN)
                .collect::<String>()
        )
    } else {
        reservation_id.to_string()
    }
}

fn seat_list(seats: &[String]) -> String {
    match seats {
        [] => "your seats".to_string(),
        [one] => format!("seat {one}"),
        many => format!("seats {}", many.join(", ")),
    }
}

fn rejection(reason: RejectionReason) -> &'static str {
    match reason {
        RejectionReason::SeatsTaken => "some of the seats were already taken",
        RejectionReason::UnknownScreening => "the screening is no longer available",
        RejectionReason::ShowtimePassed => "the showtime has already passed",
        RejectionReason::UnknownSeat => "a seat does not exist in this hall",
    }
}

/// `Dune, Hall 1, Tue 24 Nov 2026 19:00` (the showtime in the theater's own offset).
fn describe(screening: &ScreeningInfo) -> String {
    let when = DateTime::parse_from_rfc3339(&screening.starts_at)
        .map(|t| t.format("%a %d %b %Y %H:%M").to_string())
        .unwrap_or_else(|_| screening.starts_at.clone());
    format!("{}, {}, {when}", screening.movie_title, screening.hall_name)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cancelled, confirmed, refunded, rejected, screening};

    fn change(event: &cinema_events::Envelope) -> StatusChange {
        StatusChange::from_event(event).unwrap()
    }

    #[test]
    fn a_confirmation_names_the_booking_and_its_seats() {
        let text = compose(&change(&confirmed("0193a6f0-1c2d-7abc", "alice")), None);
        assert_eq!(
            text,
            "Your booking 0193a6f0… for seats A1, A2 is confirmed. Enjoy the movie!"
        );
    }

    #[test]
    fn a_known_screening_adds_movie_hall_and_showtime() {
        let text = compose(&change(&confirmed("r1", "alice")), Some(&screening("s1")));
        assert_eq!(
            text,
            "Your booking r1 (Dune, Hall 1, Tue 24 Nov 2026 19:00) for seats A1, A2 is confirmed. Enjoy the movie!"
        );
    }

    #[test]
    fn a_rejection_explains_why_and_promises_the_refund() {
        let text = compose(&change(&rejected("r1", "alice")), None);
        assert_eq!(
            text,
            "Sorry: your booking r1 for seats A1, A2 could not be completed because some of the seats were already taken. Your payment will be refunded."
        );
    }

    #[test]
    fn a_cancellation_promises_the_refund() {
        let text = compose(&change(&cancelled("r1", "alice")), None);
        assert_eq!(
            text,
            "Your booking r1 for seats A1, A2 has been cancelled. Your payment will be refunded."
        );
    }

    #[test]
    fn a_refund_names_the_amount_and_the_reason() {
        let text = compose(&change(&refunded("r1", "alice", 24_000)), None);
        assert_eq!(
            text,
            "Your payment of ₩24,000 for booking r1 has been refunded because the booking was cancelled."
        );
    }

    #[test]
    fn a_single_seat_is_singular() {
        assert_eq!(seat_list(&["B7".to_string()]), "seat B7");
    }
}
