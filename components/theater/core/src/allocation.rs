//! What reservation events do to the seat inventory — pure decisions that return the event to
//! publish.
//!
//! The theater remembers every reservation it has answered ([`ReservationRecord`]), so:
//! - a second `ReservationPlaced` for the same reservation (a re-publish with a new event id)
//!   changes nothing and publishes nothing: the first answer stands and was already published
//!   through the outbox;
//! - a `ReservationCancelled` for a reservation it has not seen yet leaves a tombstone, and the
//!   late `ReservationPlaced` then allocates nothing and publishes nothing. (No `SeatsRejected`:
//!   the reservation is already cancelled and refunded, and none of the contract's rejection
//!   reasons fits; a rejection would only push the reservation's saga backwards.)

use chrono::{DateTime, Utc};
use cinema_events::{RejectionReason, SeatsAllocated, SeatsRejected, SeatsReleased};

use crate::ids::ReservationId;
use crate::seat::SeatLabel;
use crate::seat_map::SeatMap;

/// Where a reservation stands in the theater.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationState {
    /// Its seats are held in the inventory.
    Allocated,
    /// It was answered with `SeatsRejected`; nothing is held.
    Rejected(RejectionReason),
    /// It was allocated, then cancelled: its seats are free again.
    Released,
    /// Tombstone: cancelled before its placement reached the theater.
    CancelledBeforePlacement,
}

/// The theater's memory of one reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRecord {
    pub reservation_id: ReservationId,
    /// As the reservation side sent it (it may name no screening the theater knows).
    pub screening_id: String,
    /// The seats requested (or, for a tombstone, the ones the cancel named).
    pub seats: Vec<String>,
    pub state: ReservationState,
    /// The booking number people read (`YYMM-NNNN-NNNN`), when the placement carried one.
    pub booking_number: Option<String>,
}

/// A `ReservationPlaced`, as far as the theater cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementRequest {
    pub reservation_id: ReservationId,
    pub screening_id: String,
    pub seats: Vec<String>,
    pub booking_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementDecision {
    /// Answered before (allocated, rejected or released): nothing changes, nothing is published.
    AlreadyAnswered(ReservationState),
    /// The tombstone of an earlier cancel: nothing is allocated, nothing is published.
    CancelledBeforePlacement,
    /// Hold these seats and publish the event.
    Allocate {
        seats: Vec<SeatLabel>,
        record: ReservationRecord,
        event: SeatsAllocated,
    },
    /// Hold nothing and publish the event.
    Reject {
        record: ReservationRecord,
        event: SeatsRejected,
    },
}

/// Decides a placement. `seat_map` is `None` when the screening is unknown.
pub fn decide_placement(
    request: &PlacementRequest,
    prior: Option<&ReservationRecord>,
    seat_map: Option<&SeatMap>,
    now: DateTime<Utc>,
) -> PlacementDecision {
    if let Some(prior) = prior {
        return match prior.state {
            ReservationState::CancelledBeforePlacement => {
                PlacementDecision::CancelledBeforePlacement
            }
            ref state => PlacementDecision::AlreadyAnswered(state.clone()),
        };
    }
    let outcome = match seat_map {
        None => Err((RejectionReason::UnknownScreening, Vec::new())),
        Some(map) => map
            .try_allocate(&request.seats, now)
            .map_err(|r| (r.reason, r.taken)),
    };
    let record = |state| ReservationRecord {
        reservation_id: request.reservation_id.clone(),
        screening_id: request.screening_id.clone(),
        seats: request.seats.clone(),
        state,
        booking_number: request.booking_number.clone(),
    };
    match outcome {
        Ok(seats) => PlacementDecision::Allocate {
            event: SeatsAllocated {
                reservation_id: request.reservation_id.to_string(),
                screening_id: request.screening_id.clone(),
                seats: seats.iter().map(ToString::to_string).collect(),
            },
            seats,
            record: record(ReservationState::Allocated),
        },
        Err((reason, taken)) => PlacementDecision::Reject {
            event: SeatsRejected {
                reservation_id: request.reservation_id.to_string(),
                screening_id: request.screening_id.clone(),
                seats: request.seats.clone(),
                reason,
                taken: taken.iter().map(ToString::to_string).collect(),
            },
            record: record(ReservationState::Rejected(reason)),
        },
    }
}

/// A `ReservationCancelled`, as far as the theater cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationRequest {
    pub reservation_id: ReservationId,
    pub screening_id: String,
    pub seats: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancellationDecision {
    /// Free the reservation's seats and publish the event.
    Release {
        record: ReservationRecord,
        event: SeatsReleased,
    },
    /// The placement has not arrived yet: remember the cancel so it allocates nothing later.
    Tombstone { record: ReservationRecord },
    /// Nothing is held (rejected, already released or already tombstoned).
    NothingToRelease(ReservationState),
}

/// Decides a cancellation from what the theater remembers of the reservation.
pub fn decide_cancellation(
    request: &CancellationRequest,
    prior: Option<&ReservationRecord>,
) -> CancellationDecision {
    match prior {
        None => CancellationDecision::Tombstone {
            record: ReservationRecord {
                reservation_id: request.reservation_id.clone(),
                screening_id: request.screening_id.clone(),
                seats: request.seats.clone(),
                state: ReservationState::CancelledBeforePlacement,
                booking_number: None,
            },
        },
        Some(prior) if prior.state == ReservationState::Allocated => {
            CancellationDecision::Release {
                // The theater's own record says which seats it holds, whatever the cancel carries.
                event: SeatsReleased {
                    reservation_id: prior.reservation_id.to_string(),
                    screening_id: prior.screening_id.clone(),
                    seats: prior.seats.clone(),
                },
                record: ReservationRecord {
                    state: ReservationState::Released,
                    ..prior.clone()
                },
            }
        }
        Some(prior) => CancellationDecision::NothingToRelease(prior.state.clone()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::testing::{at, screening_at};

    const NOW: &str = "2026-12-01T12:00:00Z";

    fn map() -> SeatMap {
        SeatMap::new(screening_at("s1", "2026-12-01T18:00:00Z"), BTreeSet::new())
    }

    fn placed(reservation: &str, seats: &[&str]) -> PlacementRequest {
        PlacementRequest {
            reservation_id: ReservationId::parse(reservation).unwrap(),
            screening_id: "s1".into(),
            seats: seats.iter().map(|s| (*s).to_string()).collect(),
            booking_number: Some("2612-0001-0001".into()),
        }
    }

    fn cancelled(reservation: &str) -> CancellationRequest {
        CancellationRequest {
            reservation_id: ReservationId::parse(reservation).unwrap(),
            screening_id: "s1".into(),
            seats: vec!["A1".into()],
        }
    }

    fn record_of(decision: &PlacementDecision) -> ReservationRecord {
        match decision {
            PlacementDecision::Allocate { record, .. }
            | PlacementDecision::Reject { record, .. } => record.clone(),
            other => panic!("no record in {other:?}"),
        }
    }

    #[test]
    fn a_new_placement_with_free_seats_allocates_them() {
        let decision = decide_placement(&placed("r1", &["A1", "A2"]), None, Some(&map()), at(NOW));
        let PlacementDecision::Allocate {
            seats,
            record,
            event,
        } = decision
        else {
            panic!("{decision:?}")
        };
        assert_eq!(seats.len(), 2);
        assert_eq!(record.state, ReservationState::Allocated);
        assert_eq!(event.seats, ["A1", "A2"]);
        assert_eq!(event.reservation_id, "r1");
        assert_eq!(event.screening_id, "s1");
    }

    #[test]
    fn a_placement_for_an_unknown_screening_is_rejected() {
        let decision = decide_placement(&placed("r1", &["A1"]), None, None, at(NOW));
        let PlacementDecision::Reject { event, record } = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(event.reason, RejectionReason::UnknownScreening);
        assert_eq!(
            record.state,
            ReservationState::Rejected(RejectionReason::UnknownScreening)
        );
    }

    #[test]
    fn a_placement_after_the_showtime_is_rejected() {
        let decision = decide_placement(
            &placed("r1", &["A1"]),
            None,
            Some(&map()),
            at("2026-12-01T18:00:00Z"),
        );
        let PlacementDecision::Reject { event, .. } = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(event.reason, RejectionReason::ShowtimePassed);
    }

    #[test]
    fn a_placement_with_taken_seats_is_rejected_listing_them() {
        let seats = map().try_allocate(&["A2".to_string()], at(NOW)).unwrap();
        let taken_map = map().with_taken(&seats);
        let decision = decide_placement(
            &placed("r2", &["A1", "A2"]),
            None,
            Some(&taken_map),
            at(NOW),
        );
        let PlacementDecision::Reject { event, .. } = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(event.reason, RejectionReason::SeatsTaken);
        assert_eq!(event.taken, ["A2"]);
        assert_eq!(event.seats, ["A1", "A2"]);
    }

    #[test]
    fn placing_the_same_reservation_again_does_not_change_the_answer() {
        // Given r1 was allocated A1
        let first = decide_placement(&placed("r1", &["A1"]), None, Some(&map()), at(NOW));
        let record = record_of(&first);
        // When r1 is placed again (even while A1 shows as taken by r1 itself)
        let taken_map =
            map().with_taken(&map().try_allocate(&["A1".to_string()], at(NOW)).unwrap());
        let again = decide_placement(
            &placed("r1", &["A1"]),
            Some(&record),
            Some(&taken_map),
            at(NOW),
        );
        // Then nothing is allocated or published
        assert_eq!(
            again,
            PlacementDecision::AlreadyAnswered(ReservationState::Allocated)
        );
    }

    #[test]
    fn a_rejected_reservation_placed_again_stays_rejected_even_if_the_seats_became_free() {
        let taken_map =
            map().with_taken(&map().try_allocate(&["A1".to_string()], at(NOW)).unwrap());
        let first = decide_placement(&placed("r2", &["A1"]), None, Some(&taken_map), at(NOW));
        let record = record_of(&first);
        let again = decide_placement(&placed("r2", &["A1"]), Some(&record), Some(&map()), at(NOW));
        assert_eq!(
            again,
            PlacementDecision::AlreadyAnswered(ReservationState::Rejected(
                RejectionReason::SeatsTaken
            ))
        );
    }

    #[test]
    fn a_cancel_before_the_placement_leaves_a_tombstone_and_the_late_placement_allocates_nothing() {
        // Given the cancel arrives first
        let CancellationDecision::Tombstone { record } =
            decide_cancellation(&cancelled("r1"), None)
        else {
            panic!("expected a tombstone")
        };
        assert_eq!(record.state, ReservationState::CancelledBeforePlacement);
        // When the placement arrives
        let late = decide_placement(&placed("r1", &["A1"]), Some(&record), Some(&map()), at(NOW));
        // Then nothing is allocated and nothing is published
        assert_eq!(late, PlacementDecision::CancelledBeforePlacement);
        // And a repeated cancel changes nothing either
        assert_eq!(
            decide_cancellation(&cancelled("r1"), Some(&record)),
            CancellationDecision::NothingToRelease(ReservationState::CancelledBeforePlacement)
        );
    }

    #[test]
    fn cancelling_an_allocated_reservation_releases_the_seats_it_holds() {
        let record = record_of(&decide_placement(
            &placed("r1", &["B1", "B2"]),
            None,
            Some(&map()),
            at(NOW),
        ));
        let mut request = cancelled("r1");
        request.seats = vec!["Z9".into()]; // what the theater holds wins
        let CancellationDecision::Release { record, event } =
            decide_cancellation(&request, Some(&record))
        else {
            panic!("expected a release")
        };
        assert_eq!(event.seats, ["B1", "B2"]);
        assert_eq!(event.screening_id, "s1");
        assert_eq!(record.state, ReservationState::Released);
        // A second cancel releases nothing more.
        assert_eq!(
            decide_cancellation(&cancelled("r1"), Some(&record)),
            CancellationDecision::NothingToRelease(ReservationState::Released)
        );
    }

    #[test]
    fn cancelling_a_rejected_reservation_releases_nothing() {
        let record = record_of(&decide_placement(
            &placed("r1", &["A1"]),
            None,
            None,
            at(NOW),
        ));
        assert!(matches!(
            decide_cancellation(&cancelled("r1"), Some(&record)),
            CancellationDecision::NothingToRelease(ReservationState::Rejected(_))
        ));
    }

    #[test]
    fn a_released_reservation_placed_again_allocates_nothing() {
        let allocated = record_of(&decide_placement(
            &placed("r1", &["A1"]),
            None,
            Some(&map()),
            at(NOW),
        ));
        let CancellationDecision::Release { record, .. } =
            decide_cancellation(&cancelled("r1"), Some(&allocated))
        else {
            panic!()
        };
        assert_eq!(
            decide_placement(&placed("r1", &["A1"]), Some(&record), Some(&map()), at(NOW)),
            PlacementDecision::AlreadyAnswered(ReservationState::Released)
        );
    }
}
