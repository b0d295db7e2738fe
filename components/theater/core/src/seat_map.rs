//! The seats of one screening and which of them are taken; the all-or-nothing allocation rule.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use cinema_events::RejectionReason;

use crate::screening::Screening;
use crate::seat::SeatLabel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatStatus {
    Free,
    Taken,
}

impl SeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Taken => "taken",
        }
    }
}

/// Why a set of seats cannot be allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: RejectionReason,
    /// The requested seats already taken (only for [`RejectionReason::SeatsTaken`]), row-major.
    pub taken: Vec<SeatLabel>,
}

impl Rejection {
    fn because(reason: RejectionReason) -> Self {
        Self {
            reason,
            taken: Vec::new(),
        }
    }
}

/// A screening's seat inventory at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatMap {
    pub screening: Screening,
    taken: BTreeSet<SeatLabel>,
}

impl SeatMap {
    pub fn new(screening: Screening, taken: BTreeSet<SeatLabel>) -> Self {
        Self { screening, taken }
    }

    /// Every seat with its status, row-major.
    pub fn seats(&self) -> Vec<(SeatLabel, SeatStatus)> {
        self.screening
            .layout
            .seats()
            .map(|seat| {
                (
                    seat,
                    if self.taken.contains(&seat) {
                        SeatStatus::Taken
                    } else {
                        SeatStatus::Free
                    },
                )
            })
            .collect()
    }

    /// How many seats are free.
    pub fn seats_left(&self) -> u32 {
        // Every taken label was parsed against this layout, so it is one of its seats.
        let taken = u32::try_from(self.taken.len()).unwrap_or(u32::MAX);
        self.screening.layout.seats_total().saturating_sub(taken)
    }

    pub fn is_taken(&self, seat: SeatLabel) -> bool {
        self.taken.contains(&seat)
    }

    /// Decides whether ALL `requested` seats can be allocated now; never a partial answer.
    /// Checked in this order: the showtime has begun → `showtime-passed`; any label empty,
    /// malformed, outside the hall or repeated, or no seats at all → `unknown-seat`; any seat
    /// already taken → `seats-taken` (listing those).
    ///
    /// # Errors
    /// The [`Rejection`].
    pub fn try_allocate(
        &self,
        requested: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<SeatLabel>, Rejection> {
        if self.screening.starts_at.has_begun(now) {
            return Err(Rejection::because(RejectionReason::ShowtimePassed));
        }
        if requested.is_empty() {
            return Err(Rejection::because(RejectionReason::UnknownSeat));
        }
        let mut seats = Vec::with_capacity(requested.len());
        let mut seen = BTreeSet::new();
        for text in requested {
            let seat = SeatLabel::parse(text, &self.screening.layout)
                .map_err(|_| Rejection::because(RejectionReason::UnknownSeat))?;
            if !seen.insert(seat) {
                return Err(Rejection::because(RejectionReason::UnknownSeat));
            }
            seats.push(seat);
        }
        let taken: Vec<SeatLabel> = seen.intersection(&self.taken).copied().collect();
        if !taken.is_empty() {
            return Err(Rejection {
                reason: RejectionReason::SeatsTaken,
                taken,
            });
        }
        Ok(seats)
    }

    /// The map after allocating `seats` (which [`Self::try_allocate`] accepted).
    #[must_use]
    pub fn with_taken(mut self, seats: &[SeatLabel]) -> Self {
        self.taken.extend(seats.iter().copied());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, screening_at};

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    fn empty_map() -> SeatMap {
        SeatMap::new(screening_at("s1", "2026-12-01T18:00:00Z"), BTreeSet::new())
    }

    const BEFORE: &str = "2026-12-01T12:00:00Z";

    #[test]
    fn free_seats_are_allocated_in_the_requested_order() {
        let seats = empty_map()
            .try_allocate(&labels(&["B2", "A1"]), at(BEFORE))
            .unwrap();
        assert_eq!(
            seats.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["B2", "A1"]
        );
    }

    #[test]
    fn a_seat_cannot_be_allocated_twice() {
        // Given A1 allocated to one reservation
        let map = empty_map();
        let first = map.try_allocate(&labels(&["A1"]), at(BEFORE)).unwrap();
        let map = map.with_taken(&first);
        // When another asks for A1
        let second = map.try_allocate(&labels(&["A1"]), at(BEFORE));
        // Then it is rejected as taken
        let rejection = second.unwrap_err();
        assert_eq!(rejection.reason, RejectionReason::SeatsTaken);
        assert_eq!(
            rejection
                .taken
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["A1"]
        );
    }

    #[test]
    fn allocation_is_all_or_nothing_and_lists_every_taken_seat() {
        let map = empty_map().with_taken(
            &empty_map()
                .try_allocate(&labels(&["A2", "A4"]), at(BEFORE))
                .unwrap(),
        );
        let rejection = map
            .try_allocate(&labels(&["A4", "A1", "A2", "A3"]), at(BEFORE))
            .unwrap_err();
        assert_eq!(rejection.reason, RejectionReason::SeatsTaken);
        assert_eq!(
            rejection
                .taken
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["A2", "A4"]
        );
        // Nothing of the request was taken: A1 and A3 are still free.
        assert!(map.try_allocate(&labels(&["A1", "A3"]), at(BEFORE)).is_ok());
    }

    #[test]
    fn a_seat_outside_the_hall_rejects_the_whole_request() {
        for bad in ["A0", "A51", "Z1", "AA1", "a1", ""] {
            let rejection = empty_map()
                .try_allocate(&labels(&["A1", bad]), at(BEFORE))
                .unwrap_err();
            assert_eq!(rejection.reason, RejectionReason::UnknownSeat, "{bad:?}");
            assert!(rejection.taken.is_empty());
        }
    }

    #[test]
    fn a_repeated_seat_or_an_empty_request_is_an_unknown_seat() {
        assert_eq!(
            empty_map()
                .try_allocate(&labels(&["A1", "A1"]), at(BEFORE))
                .unwrap_err()
                .reason,
            RejectionReason::UnknownSeat
        );
        assert_eq!(
            empty_map()
                .try_allocate(&[], at(BEFORE))
                .unwrap_err()
                .reason,
            RejectionReason::UnknownSeat
        );
    }

    #[test]
    fn seats_cannot_be_allocated_once_the_showtime_has_begun() {
        let map = empty_map();
        assert_eq!(
            map.try_allocate(&labels(&["A1"]), at("2026-12-01T18:00:00Z"))
                .unwrap_err()
                .reason,
            RejectionReason::ShowtimePassed
        );
        assert_eq!(
            map.try_allocate(&labels(&["A1"]), at("2026-12-02T00:00:00Z"))
                .unwrap_err()
                .reason,
            RejectionReason::ShowtimePassed
        );
    }

    #[test]
    fn a_passed_showtime_wins_over_a_bad_seat() {
        let rejection = empty_map()
            .try_allocate(&labels(&["Q99"]), at("2026-12-02T00:00:00Z"))
            .unwrap_err();
        assert_eq!(rejection.reason, RejectionReason::ShowtimePassed);
    }

    #[test]
    fn the_map_lists_every_seat_row_major_with_its_status() {
        let map = empty_map();
        let a2 = map.try_allocate(&labels(&["A2"]), at(BEFORE)).unwrap();
        let seats = map.with_taken(&a2).seats();
        assert_eq!(seats.len(), 5 * 6);
        assert_eq!(seats[0].0.to_string(), "A1");
        assert_eq!(seats[0].1, SeatStatus::Free);
        assert_eq!(seats[1].0.to_string(), "A2");
        assert_eq!(seats[1].1, SeatStatus::Taken);
        assert_eq!(seats[6].0.to_string(), "B1");
    }
}
