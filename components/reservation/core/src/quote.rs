//! A hold or booking request checked against the reservation side's copy of the screening: the
//! seats exist, couple seats come in pairs, the showtime is ahead, the tickets fit — and what it
//! costs ([`crate::pricing`]). Nothing is held or charged for a request this refuses.

use chrono::{DateTime, Utc};

use crate::model::{Money, Screening, SeatSelection};
use crate::pricing::{self, Tickets};

/// Why a hold or booking request is refused before any seat is claimed or payment attempted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaceError {
    #[error("{0}")]
    InvalidSeats(String),
    #[error("seat {seat} does not exist in this hall")]
    UnknownSeat { seat: String },
    /// One half of a couple seat without the other.
    #[error("{seat} is a couple seat: book it with {partner}")]
    CoupleHalf { seat: String, partner: String },
    #[error("the screening has already started")]
    ShowtimePassed,
    #[error("unknown ticket type {0:?} (adult, youth, senior or disabled)")]
    UnknownTicketType(String),
    #[error(
        "tickets.{ticket_type} must be 1 to {max} (got {count}); leave out a type you do not want",
        max = SeatSelection::MAX
    )]
    TicketCount { ticket_type: String, count: i64 },
    #[error("{ticket_type} tickets are not sold for this screening (sold: {})", .sold.join(", "))]
    NotSold {
        ticket_type: &'static str,
        sold: Vec<&'static str>,
    },
    #[error("the tickets ({tickets}) must add up to the number of seats ({seats})")]
    TicketsDoNotAddUp { tickets: u64, seats: usize },
    #[error("the total price overflows")]
    PriceOverflow,
    #[error("the total price cannot be computed: {0}")]
    Unpriceable(String),
}

/// A checked request: what will be held or booked, and charged.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub seats: SeatSelection,
    pub tickets: Tickets,
    pub total: Money,
}

/// Checks a hold or booking request against the screening; `tickets: None` is one adult ticket
/// per seat.
///
/// # Errors
/// The first rule the request breaks.
pub fn quote(
    screening: &Screening,
    seats: &[String],
    tickets: Option<&Tickets>,
    now: DateTime<Utc>,
) -> Result<Quote, PlaceError> {
    let seats = SeatSelection::parse(seats).map_err(PlaceError::InvalidSeats)?;
    if let Some(seat) = seats.seats().iter().find(|s| !screening.has_seat(s)) {
        return Err(PlaceError::UnknownSeat {
            seat: seat.as_str().to_string(),
        });
    }
    for seat in seats.seats() {
        if let Some(partner) = screening.couple_partner(seat)
            && !seats.labels().contains(&partner)
        {
            return Err(PlaceError::CoupleHalf {
                seat: seat.as_str().to_string(),
                partner,
            });
        }
    }
    if screening.starts_at <= now {
        return Err(PlaceError::ShowtimePassed);
    }
    let tickets = tickets
        .cloned()
        .unwrap_or_else(|| Tickets::adults(seats.len()));
    let total = pricing::total(screening, &seats, &tickets)?;
    Ok(Quote {
        seats,
        tickets,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{priced_screening, screening, seats, start, tickets};

    fn parsed(counts: &[(&str, i64)]) -> Tickets {
        Tickets::parse(&tickets(counts)).unwrap()
    }

    fn unknown(seat: &str) -> PlaceError {
        PlaceError::UnknownSeat { seat: seat.into() }
    }

    #[test]
    fn without_tickets_every_seat_is_an_adult_ticket() {
        let q = quote(&screening(), &seats(&["A1", "B3"]), None, start()).unwrap();
        assert_eq!(q.tickets, Tickets::adults(2));
        assert_eq!(q.total.amount, 24_000);
        let q = quote(&priced_screening(), &seats(&["B1", "B2"]), None, start()).unwrap();
        assert_eq!(q.total.amount, 28_000);
    }

    #[test]
    fn with_tickets_the_quote_keeps_them_and_charges_for_them() {
        let t = parsed(&[("adult", 1), ("youth", 1)]);
        let q = quote(
            &priced_screening(),
            &seats(&["B4", "B3"]),
            Some(&t),
            start(),
        )
        .unwrap();
        assert_eq!(q.tickets, t);
        assert_eq!(q.total.amount, 14_000 + 11_000 + 3_000);
    }

    #[test]
    fn a_screening_copy_from_before_layouts_has_rows_by_seats_per_row_all_standard() {
        let old = screening();
        assert!(quote(&old, &seats(&["E8"]), None, start()).is_ok());
        assert_eq!(
            quote(&old, &seats(&["F1"]), None, start()).unwrap_err(),
            unknown("F1")
        );
        assert_eq!(
            quote(&old, &seats(&["A9"]), None, start()).unwrap_err(),
            unknown("A9")
        );
    }

    #[test]
    fn with_a_layout_seats_are_the_layouts_and_rows_may_differ_in_length() {
        let s = priced_screening();
        assert!(quote(&s, &seats(&["B10"]), None, start()).is_ok());
        // Row C has 6 seats although the longest row has 10.
        assert_eq!(
            quote(&s, &seats(&["C7"]), None, start()).unwrap_err(),
            unknown("C7")
        );
        assert_eq!(
            quote(&s, &seats(&["A9"]), None, start()).unwrap_err(),
            unknown("A9")
        );
        assert_eq!(
            quote(&s, &seats(&["D1"]), None, start()).unwrap_err(),
            unknown("D1")
        );
    }

    #[test]
    fn a_couple_seat_is_only_sold_with_its_other_half() {
        let s = priced_screening();
        let err = quote(&s, &seats(&["C2"]), None, start()).unwrap_err();
        assert_eq!(
            err,
            PlaceError::CoupleHalf {
                seat: "C2".into(),
                partner: "C1".into()
            }
        );
        assert_eq!(err.to_string(), "C2 is a couple seat: book it with C1");
        assert_eq!(
            quote(&s, &seats(&["C1", "C2", "C5", "B1"]), None, start()).unwrap_err(),
            PlaceError::CoupleHalf {
                seat: "C5".into(),
                partner: "C6".into()
            }
        );
        // Pairs are fixed: C2 and C5 are not a pair, even together.
        assert!(matches!(
            quote(&s, &seats(&["C2", "C5"]), None, start()),
            Err(PlaceError::CoupleHalf { .. })
        ));
        let pair = quote(&s, &seats(&["C6", "C5"]), None, start()).unwrap();
        assert_eq!(pair.total.amount, 2 * 14_000 + 2 * 2_000);
    }

    #[test]
    fn a_started_screening_cannot_be_booked() {
        let s = screening();
        assert_eq!(
            quote(&s, &seats(&["A1"]), None, s.starts_at).unwrap_err(),
            PlaceError::ShowtimePassed
        );
    }

    #[test]
    fn tickets_that_do_not_fit_the_seats_are_refused() {
        let s = priced_screening();
        assert_eq!(
            quote(
                &s,
                &seats(&["B1", "B2"]),
                Some(&parsed(&[("youth", 1)])),
                start()
            )
            .unwrap_err(),
            PlaceError::TicketsDoNotAddUp {
                tickets: 1,
                seats: 2
            }
        );
        // A couple pair is two seats, so two tickets.
        assert!(
            quote(
                &s,
                &seats(&["C1", "C2"]),
                Some(&parsed(&[("adult", 1)])),
                start()
            )
            .is_err()
        );
    }
}
