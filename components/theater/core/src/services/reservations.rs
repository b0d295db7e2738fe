//! Seat allocation: the theater's side of the booking saga. Applies `ReservationPlaced` and
//! `ReservationCancelled` to the seat inventory through the pure decisions in
//! [`crate::allocation`] and publishes the answer. The adapter runs each call in one write
//! transaction together with the inbox claim and the outbox rows.

use cinema_events::{EventData, RejectionReason, ReservationCancelled, ReservationPlaced};

use crate::StoreError;
use crate::allocation::{
    CancellationDecision, CancellationRequest, PlacementDecision, PlacementRequest,
    decide_cancellation, decide_placement,
};
use crate::ids::{ReservationId, ScreeningId};
use crate::ports::{Clock, EventPublisher, ReservationLedger, ScreeningRepository, SeatInventory};
use crate::seat::SeatLabel;
use crate::seat_map::SeatMap;

/// What a placement did (for logs and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementOutcome {
    Allocated(Vec<String>),
    Rejected(RejectionReason),
    /// Answered before: nothing changed, nothing published.
    AlreadyAnswered,
    /// A cancel came first (tombstone): nothing allocated, nothing published.
    CancelledBeforePlacement,
    /// The event names no usable reservation id; nothing can be answered.
    Ignored(String),
}

/// What a cancellation did (for logs and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancellationOutcome {
    Released(Vec<String>),
    Tombstoned,
    NothingToRelease,
    Ignored(String),
}

#[derive(Debug, thiserror::Error)]
pub enum AllocationError {
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

pub struct SeatAllocation<'a> {
    pub screenings: &'a dyn ScreeningRepository,
    pub seats: &'a dyn SeatInventory,
    pub ledger: &'a dyn ReservationLedger,
    pub events: &'a dyn EventPublisher,
    pub clock: &'a dyn Clock,
}

impl SeatAllocation<'_> {
    /// Allocates all requested seats or none, and publishes `SeatsAllocated` or `SeatsRejected`.
    ///
    /// # Errors
    /// Storage failure (the caller rolls back and retries the event later).
    pub fn place(&self, placed: &ReservationPlaced) -> Result<PlacementOutcome, AllocationError> {
        let Ok(reservation_id) = ReservationId::parse(placed.reservation_id.clone()) else {
            return Ok(PlacementOutcome::Ignored(format!(
                "invalid reservation id {:?}",
                placed.reservation_id
            )));
        };
        let prior = self.ledger.reservation(&reservation_id)?;
        let seat_map = match (&prior, ScreeningId::parse(placed.screening_id.clone())) {
            // A known reservation needs no seat map: its answer is already fixed.
            (None, Ok(screening_id)) => match self.screenings.screening(&screening_id)? {
                Some(screening) => {
                    // Only the requested seats' state decides a placement; labels that do not
                    // parse are rejected by the seat map whatever is taken.
                    let requested: Vec<SeatLabel> = placed
                        .seats
                        .iter()
                        .filter_map(|text| SeatLabel::parse(text, &screening.layout).ok())
                        .collect();
                    let taken =
                        self.seats
                            .taken_among(&screening.id, &screening.layout, &requested)?;
                    Some(SeatMap::new(screening, taken))
                }
                None => None,
            },
            _ => None,
        };
        let request = PlacementRequest {
            reservation_id,
            screening_id: placed.screening_id.clone(),
            seats: placed.seats.clone(),
            booking_number: placed.booking_number.clone(),
        };
        match decide_placement(
            &request,
            prior.as_ref(),
            seat_map.as_ref(),
            self.clock.now(),
        ) {
            PlacementDecision::AlreadyAnswered(_) => Ok(PlacementOutcome::AlreadyAnswered),
            PlacementDecision::CancelledBeforePlacement => {
                Ok(PlacementOutcome::CancelledBeforePlacement)
            }
            PlacementDecision::Allocate {
                seats,
                record,
                event,
            } => {
                let screening_id = seat_map
                    .as_ref()
                    .map(|m| m.screening.id.clone())
                    .ok_or_else(|| StoreError::new("allocation decided without a seat map"))?;
                self.seats
                    .hold(&screening_id, &record.reservation_id, &seats)?;
                self.ledger.save(&record)?;
                let labels = event.seats.clone();
                self.events.publish(EventData::SeatsAllocated(event))?;
                Ok(PlacementOutcome::Allocated(labels))
            }
            PlacementDecision::Reject { record, event } => {
                let reason = event.reason;
                self.ledger.save(&record)?;
                self.events.publish(EventData::SeatsRejected(event))?;
                Ok(PlacementOutcome::Rejected(reason))
            }
        }
    }

    /// Releases the reservation's seats (publishing `SeatsReleased`) if it holds any, or leaves a
    /// tombstone when the placement has not arrived yet.
    ///
    /// # Errors
    /// Storage failure (the caller rolls back and retries the event later).
    pub fn cancel(
        &self,
        cancelled: &ReservationCancelled,
    ) -> Result<CancellationOutcome, AllocationError> {
        let Ok(reservation_id) = ReservationId::parse(cancelled.reservation_id.clone()) else {
            return Ok(CancellationOutcome::Ignored(format!(
                "invalid reservation id {:?}",
                cancelled.reservation_id
            )));
        };
        let prior = self.ledger.reservation(&reservation_id)?;
        let request = CancellationRequest {
            reservation_id,
            screening_id: cancelled.screening_id.clone(),
            seats: cancelled.seats.clone(),
        };
        match decide_cancellation(&request, prior.as_ref()) {
            CancellationDecision::Release { record, event } => {
                self.seats.release(&record.reservation_id)?;
                self.ledger.save(&record)?;
                let labels = event.seats.clone();
                self.events.publish(EventData::SeatsReleased(event))?;
                Ok(CancellationOutcome::Released(labels))
            }
            CancellationDecision::Tombstone { record } => {
                self.ledger.save(&record)?;
                Ok(CancellationOutcome::Tombstoned)
            }
            CancellationDecision::NothingToRelease(_) => Ok(CancellationOutcome::NothingToRelease),
        }
    }
}

#[cfg(test)]
mod tests {
    use cinema_events::Money;

    use super::*;
    use crate::testing::{FakeClock, InMemoryTheater, RecordingPublisher, screening_at};

    struct World {
        store: InMemoryTheater,
        events: RecordingPublisher,
        clock: FakeClock,
    }

    impl World {
        fn with_screening() -> Self {
            let store = InMemoryTheater::default();
            crate::ports::ScreeningRepository::add_screening(
                &store,
                &screening_at("s1", "2026-12-01T18:00:00Z"),
            )
            .unwrap();
            Self {
                store,
                events: RecordingPublisher::default(),
                clock: FakeClock::at("2026-12-01T12:00:00Z"),
            }
        }

        fn allocation(&self) -> SeatAllocation<'_> {
            SeatAllocation {
                screenings: &self.store,
                seats: &self.store,
                ledger: &self.store,
                events: &self.events,
                clock: &self.clock,
            }
        }

        fn taken(&self) -> Vec<String> {
            self.store.held_seats("s1")
        }
    }

    fn placed(reservation: &str, screening: &str, seats: &[&str]) -> ReservationPlaced {
        ReservationPlaced {
            reservation_id: reservation.into(),
            customer_id: "alice".into(),
            screening_id: screening.into(),
            seats: seats.iter().map(|s| (*s).to_string()).collect(),
            total: Money {
                amount: 24_000,
                currency: "KRW".into(),
            },
            payment_id: "p1".into(),
            booking_number: None,
            tickets: None,
        }
    }

    fn cancelled(reservation: &str) -> ReservationCancelled {
        ReservationCancelled {
            reservation_id: reservation.into(),
            customer_id: "alice".into(),
            screening_id: "s1".into(),
            seats: vec!["A1".into()],
            payment_id: "p1".into(),
            was_confirmed: true,
            booking_number: None,
            total: None,
        }
    }

    #[test]
    fn a_placement_holds_the_seats_and_publishes_seats_allocated() {
        let world = World::with_screening();
        let outcome = world
            .allocation()
            .place(&placed("r1", "s1", &["A1", "A2"]))
            .unwrap();
        assert_eq!(
            outcome,
            PlacementOutcome::Allocated(vec!["A1".into(), "A2".into()])
        );
        assert_eq!(world.taken(), ["A1", "A2"]);
        let events = world.events.events();
        assert!(
            matches!(&events[..], [EventData::SeatsAllocated(a)] if a.reservation_id == "r1" && a.seats == ["A1", "A2"])
        );
    }

    #[test]
    fn a_seat_cannot_be_sold_to_two_reservations() {
        let world = World::with_screening();
        world
            .allocation()
            .place(&placed("r1", "s1", &["A1"]))
            .unwrap();
        let outcome = world
            .allocation()
            .place(&placed("r2", "s1", &["A2", "A1"]))
            .unwrap();
        assert_eq!(
            outcome,
            PlacementOutcome::Rejected(RejectionReason::SeatsTaken)
        );
        // All or nothing: A2 was not taken by r2.
        assert_eq!(world.taken(), ["A1"]);
        let events = world.events.events();
        assert!(
            matches!(&events[1], EventData::SeatsRejected(r) if r.taken == ["A1"] && r.reservation_id == "r2")
        );
    }

    #[test]
    fn the_inventory_itself_refuses_a_seat_held_twice() {
        let world = World::with_screening();
        world
            .allocation()
            .place(&placed("r1", "s1", &["A1"]))
            .unwrap();
        let screening = ScreeningId::parse("s1").unwrap();
        let seat =
            crate::seat::SeatLabel::parse("A1", &screening_at("s1", "2026-12-01T18:00:00Z").layout)
                .unwrap();
        let again = world
            .store
            .hold(&screening, &ReservationId::parse("r9").unwrap(), &[seat]);
        assert!(again.is_err());
    }

    #[test]
    fn a_placement_for_an_unknown_screening_or_seat_or_a_passed_showtime_is_rejected() {
        let world = World::with_screening();
        assert_eq!(
            world
                .allocation()
                .place(&placed("r1", "nope", &["A1"]))
                .unwrap(),
            PlacementOutcome::Rejected(RejectionReason::UnknownScreening)
        );
        assert_eq!(
            world
                .allocation()
                .place(&placed("r2", "s1", &["A1", "Q1"]))
                .unwrap(),
            PlacementOutcome::Rejected(RejectionReason::UnknownSeat)
        );
        world.clock.set("2026-12-01T18:00:00Z");
        assert_eq!(
            world
                .allocation()
                .place(&placed("r3", "s1", &["A1"]))
                .unwrap(),
            PlacementOutcome::Rejected(RejectionReason::ShowtimePassed)
        );
        assert!(world.taken().is_empty());
        assert_eq!(world.events.events().len(), 3);
    }

    #[test]
    fn a_repeated_placement_neither_double_allocates_nor_publishes_again() {
        let world = World::with_screening();
        world
            .allocation()
            .place(&placed("r1", "s1", &["A1"]))
            .unwrap();
        let again = world
            .allocation()
            .place(&placed("r1", "s1", &["A1"]))
            .unwrap();
        assert_eq!(again, PlacementOutcome::AlreadyAnswered);
        assert_eq!(world.taken(), ["A1"]);
        assert_eq!(world.events.events().len(), 1);
    }

    #[test]
    fn cancelling_releases_the_seats_for_someone_else() {
        let world = World::with_screening();
        world
            .allocation()
            .place(&placed("r1", "s1", &["A1", "A2"]))
            .unwrap();
        let outcome = world.allocation().cancel(&cancelled("r1")).unwrap();
        assert_eq!(
            outcome,
            CancellationOutcome::Released(vec!["A1".into(), "A2".into()])
        );
        assert!(world.taken().is_empty());
        assert!(
            matches!(world.events.events().last(), Some(EventData::SeatsReleased(r)) if r.seats == ["A1", "A2"])
        );
        assert_eq!(
            world.allocation().cancel(&cancelled("r1")).unwrap(),
            CancellationOutcome::NothingToRelease
        );
        assert_eq!(
            world
                .allocation()
                .place(&placed("r2", "s1", &["A1"]))
                .unwrap(),
            PlacementOutcome::Allocated(vec!["A1".into()])
        );
    }

    #[test]
    fn a_cancel_that_overtakes_its_placement_prevents_the_allocation() {
        let world = World::with_screening();
        assert_eq!(
            world.allocation().cancel(&cancelled("r1")).unwrap(),
            CancellationOutcome::Tombstoned
        );
        assert_eq!(
            world
                .allocation()
                .place(&placed("r1", "s1", &["A1"]))
                .unwrap(),
            PlacementOutcome::CancelledBeforePlacement
        );
        assert!(world.taken().is_empty());
        assert!(world.events.events().is_empty());
    }

    #[test]
    fn an_event_without_a_reservation_id_is_ignored() {
        let world = World::with_screening();
        assert!(matches!(
            world
                .allocation()
                .place(&placed("", "s1", &["A1"]))
                .unwrap(),
            PlacementOutcome::Ignored(_)
        ));
        assert!(matches!(
            world.allocation().cancel(&cancelled("")).unwrap(),
            CancellationOutcome::Ignored(_)
        ));
        assert!(world.events.events().is_empty());
    }
}
