//! Every way a reservation use case can refuse or fail. The Spin adapter maps each to the API's
//! status and error code; the core never decides HTTP.

use crate::ports::StoreError;
use crate::quote::PlaceError;
use crate::reservation::CancelError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReservationError {
    /// The request breaks a rule of its own (seats, ids, card token).
    #[error("{0}")]
    Invalid(String),
    #[error("no such screening (a screening registered a moment ago can take a second to appear)")]
    UnknownScreening,
    #[error("the screening has already started")]
    ShowtimePassed,
    /// Seats another customer holds or booked; nothing was held or charged.
    #[error("already taken: {}", .0.join(", "))]
    SeatsTaken(Vec<String>),
    /// No such hold, or another customer's.
    #[error("hold not found")]
    HoldNotFound,
    #[error("the hold has expired or was released; choose the seats again")]
    HoldExpired,
    #[error("the hold was already booked (reservation {0})")]
    HoldBooked(String),
    /// No such reservation, or another customer's.
    #[error("reservation not found")]
    NotFound,
    #[error("a {0} reservation cannot be cancelled")]
    NotCancellable(&'static str),
    #[error("the screening has already started; the booking can no longer be cancelled")]
    CancelTooLate,
    /// The ticket was used at the door (at this time): the seats were taken, nothing to refund.
    #[error(
        "the booking's ticket was checked in at {0}; a booking cannot be cancelled after check-in"
    )]
    CheckedIn(String),
    /// Only a CONFIRMED booking has a ticket (this one has the named status).
    #[error("only a CONFIRMED booking has a ticket; this one is {0}")]
    NotConfirmed(&'static str),
    /// A booking stored before booking numbers existed has no ticket.
    #[error("this booking was made before booking numbers existed and has no ticket")]
    NoTicket,
    /// Malformed, unknown, or not signed for its booking: a made-up code.
    #[error("not a valid ticket: the code is malformed or was not issued by this cinema")]
    InvalidTicket,
    /// A genuine ticket whose booking no longer admits anyone.
    #[error("the ticket's booking is {0}; it does not admit anyone")]
    TicketNotValid(&'static str),
    #[error("this Idempotency-Key was used for a different request")]
    KeyReused,
    /// The same key's first request, or another booking of the same hold, is still at work.
    #[error("{what} is still being processed; retry shortly for its answer")]
    InProgress {
        what: &'static str,
        retry_after_s: u64,
    },
    #[error("{0}")]
    PaymentDeclined(String),
    /// Payment refused the request itself as invalid (nothing was charged).
    #[error("payment refused the request: {0}")]
    PaymentInvalid(String),
    /// Payment failed, timed out, or the breaker is open. `cause` is for the log.
    #[error("payment is temporarily unavailable; please retry in {retry_after_s} s")]
    PaymentUnavailable { retry_after_s: u64, cause: String },
    /// The store was busy (overload: other writers held it past its busy timeout). Nothing was
    /// booked or changed; with `refunded`, a payment already approved is being refunded.
    #[error("{}", busy_message(*.retry_after_s, *.refunded))]
    Busy { retry_after_s: u64, refunded: bool },
    #[error(transparent)]
    Storage(StoreError),
}

fn busy_message(retry_after_s: u64, refunded: bool) -> String {
    let refund = if refunded {
        "; the payment is being refunded"
    } else {
        ""
    };
    format!(
        "the booking system is busy: nothing was booked or changed{refund}; please retry in {retry_after_s} s"
    )
}

/// What a busy store means to a customer: retry in a second.
pub const BUSY_RETRY_AFTER_S: u64 = 1;

impl From<StoreError> for ReservationError {
    fn from(e: StoreError) -> Self {
        if e.is_busy() {
            Self::Busy {
                retry_after_s: BUSY_RETRY_AFTER_S,
                refunded: false,
            }
        } else {
            Self::Storage(e)
        }
    }
}

impl From<PlaceError> for ReservationError {
    fn from(e: PlaceError) -> Self {
        match e {
            PlaceError::ShowtimePassed => Self::ShowtimePassed,
            PlaceError::InvalidSeats(_)
            | PlaceError::UnknownSeat { .. }
            | PlaceError::CoupleHalf { .. }
            | PlaceError::UnknownTicketType(_)
            | PlaceError::TicketCount { .. }
            | PlaceError::NotSold { .. }
            | PlaceError::TicketsDoNotAddUp { .. }
            | PlaceError::PriceOverflow
            | PlaceError::Unpriceable(_) => Self::Invalid(e.to_string()),
        }
    }
}

impl From<CancelError> for ReservationError {
    fn from(e: CancelError) -> Self {
        match e {
            CancelError::NotFound => Self::NotFound,
            CancelError::NotCancellable(status) => Self::NotCancellable(status),
            CancelError::ShowtimePassed => Self::CancelTooLate,
        }
    }
}
