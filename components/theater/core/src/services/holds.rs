//! Seat holds in the seat maps: applies `SeatsHeld` and `HoldReleased` to the hold board
//! through the pure decisions in [`crate::hold`]. Nothing is published: a hold is the
//! reservation context's, the theater only shows it. The adapter runs each call in one write
//! transaction together with the inbox claim.

use cinema_events::{HoldReleased, SeatsHeld};

use crate::StoreError;
use crate::hold::{HeldDecision, HeldRequest, ReleasedDecision, decide_held, decide_released};
use crate::ids::{HoldId, ScreeningId};
use crate::ports::{Clock, HoldBoard, ScreeningRepository};

/// What a `SeatsHeld` did (for logs and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldOutcome {
    /// These seats now show `taken` until the hold's expiry.
    Shown(Vec<String>),
    /// Shown before (a redelivery): nothing changed.
    AlreadyShown,
    /// Its release came first: nothing shown.
    ReleasedBefore,
    /// It arrived after its expiry: nothing shown.
    Expired,
    /// Not a hold the theater can show; nothing shown.
    Ignored(String),
}

/// What a `HoldReleased` did (for logs and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleasedOutcome {
    /// The hold's seats no longer show held.
    Hidden,
    /// Remembered released before its `SeatsHeld` arrived, which will then show nothing.
    ReleasedBeforeHeld,
    /// Released before (a redelivery): nothing changed.
    AlreadyReleased,
    /// The event names no usable hold id.
    Ignored(String),
}

#[derive(Debug, thiserror::Error)]
pub enum HoldDisplayError {
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

pub struct HoldDisplay<'a> {
    pub screenings: &'a dyn ScreeningRepository,
    pub board: &'a dyn HoldBoard,
    pub clock: &'a dyn Clock,
}

impl HoldDisplay<'_> {
    /// Shows the hold's seats `taken` until its expiry, unless it was seen before, released
    /// before, or already expired.
    ///
    /// # Errors
    /// Storage failure (the caller rolls back and retries the event later).
    pub fn held(&self, held: &SeatsHeld) -> Result<HeldOutcome, HoldDisplayError> {
        let Ok(hold_id) = HoldId::parse(held.hold_id.clone()) else {
            return Ok(HeldOutcome::Ignored(format!(
                "invalid hold id {:?}",
                held.hold_id
            )));
        };
        let prior = self.board.known_hold(&hold_id)?;
        // A known hold needs no screening: the decision is already fixed.
        let screening = match (prior, ScreeningId::parse(held.screening_id.clone())) {
            (None, Ok(id)) => self.screenings.screening(&id)?,
            _ => None,
        };
        let request = HeldRequest {
            hold_id,
            seats: held.seats.clone(),
            expires_at: held.expires_at.clone(),
        };
        Ok(
            match decide_held(&request, prior, screening.as_ref(), self.clock.now()) {
                HeldDecision::Show(hold) => {
                    self.board.show_hold(&hold)?;
                    HeldOutcome::Shown(hold.seats.iter().map(ToString::to_string).collect())
                }
                HeldDecision::AlreadyShown => HeldOutcome::AlreadyShown,
                HeldDecision::ReleasedBefore => HeldOutcome::ReleasedBefore,
                HeldDecision::Expired => HeldOutcome::Expired,
                HeldDecision::Ignored(why) => HeldOutcome::Ignored(why),
            },
        )
    }

    /// Stops showing the hold's seats, and remembers it released so that a late `SeatsHeld`
    /// shows nothing. A hold that became a booking needs nothing more: the booking's
    /// `ReservationPlaced` precedes this event in the stream, so its seats are allocated by now.
    ///
    /// # Errors
    /// Storage failure (the caller rolls back and retries the event later).
    pub fn released(&self, released: &HoldReleased) -> Result<ReleasedOutcome, HoldDisplayError> {
        let Ok(hold_id) = HoldId::parse(released.hold_id.clone()) else {
            return Ok(ReleasedOutcome::Ignored(format!(
                "invalid hold id {:?}",
                released.hold_id
            )));
        };
        let prior = self.board.known_hold(&hold_id)?;
        Ok(match decide_released(prior) {
            ReleasedDecision::Hide => {
                self.board.release_hold(&hold_id)?;
                ReleasedOutcome::Hidden
            }
            ReleasedDecision::ReleaseBeforeHeld => {
                self.board.release_hold(&hold_id)?;
                ReleasedOutcome::ReleasedBeforeHeld
            }
            ReleasedDecision::AlreadyReleased => ReleasedOutcome::AlreadyReleased,
        })
    }
}

#[cfg(test)]
mod tests {
    use cinema_events::{Money, ReservationPlaced};

    use super::*;
    use crate::services::reservations::{PlacementOutcome, SeatAllocation};
    use crate::services::seat_maps::SeatMaps;
    use crate::testing::{FakeClock, InMemoryTheater, RecordingPublisher, screening_at};

    struct World {
        store: InMemoryTheater,
        clock: FakeClock,
    }

    impl World {
        /// Screening `s1` (5 × 6 seats, at 18:00), the clock at noon.
        fn new() -> Self {
            let store = InMemoryTheater::default();
            store
                .add_screening(&screening_at("s1", "2026-12-01T18:00:00Z"))
                .unwrap();
            Self {
                store,
                clock: FakeClock::at("2026-12-01T12:00:00Z"),
            }
        }

        fn display(&self) -> HoldDisplay<'_> {
            HoldDisplay {
                screenings: &self.store,
                board: &self.store,
                clock: &self.clock,
            }
        }

        /// The taken seats of `s1`'s seat map now.
        fn seat_map(&self) -> Vec<String> {
            let map = SeatMaps {
                screenings: &self.store,
                seats: &self.store,
                holds: &self.store,
                clock: &self.clock,
            }
            .public("s1")
            .unwrap();
            map.seats()
                .into_iter()
                .filter(|(_, status)| *status == crate::seat_map::SeatStatus::Taken)
                .map(|(seat, _)| seat.to_string())
                .collect()
        }

        fn place(&self, reservation: &str, seats: &[&str]) -> PlacementOutcome {
            let events = RecordingPublisher::default();
            SeatAllocation {
                screenings: &self.store,
                seats: &self.store,
                ledger: &self.store,
                events: &events,
                clock: &self.clock,
            }
            .place(&ReservationPlaced {
                reservation_id: reservation.into(),
                customer_id: "bob".into(),
                screening_id: "s1".into(),
                seats: seats.iter().map(|s| (*s).to_string()).collect(),
                total: Money {
                    amount: 12_000,
                    currency: "KRW".into(),
                },
                payment_id: "p1".into(),
                booking_number: None,
                tickets: None,
            })
            .unwrap()
        }
    }

    fn held(hold: &str, seats: &[&str], expires_at: &str) -> SeatsHeld {
        SeatsHeld {
            hold_id: hold.into(),
            customer_id: "alice".into(),
            screening_id: "s1".into(),
            seats: seats.iter().map(|s| (*s).to_string()).collect(),
            expires_at: expires_at.into(),
        }
    }

    fn released(hold: &str) -> HoldReleased {
        HoldReleased {
            hold_id: hold.into(),
            screening_id: "s1".into(),
            seats: vec!["A1".into()],
            reason: "released".into(),
        }
    }

    const IN_TEN_MINUTES: &str = "2026-12-01T12:10:00.000Z";

    #[test]
    fn held_seats_show_taken_in_the_seat_map_until_the_hold_expires() {
        // Given a hold on A2 and A1 until 12:10
        let world = World::new();
        let outcome = world
            .display()
            .held(&held("h1", &["A2", "A1"], IN_TEN_MINUTES))
            .unwrap();
        // Then both show taken
        assert_eq!(outcome, HeldOutcome::Shown(vec!["A1".into(), "A2".into()]));
        assert_eq!(world.seat_map(), ["A1", "A2"]);
        // Still a moment before the expiry
        world.clock.set("2026-12-01T12:09:59.999Z");
        assert_eq!(world.seat_map(), ["A1", "A2"]);
        // When the expiry passes, no event needed: free again
        world.clock.set(IN_TEN_MINUTES);
        assert!(world.seat_map().is_empty());
    }

    #[test]
    fn a_released_hold_frees_its_seats_and_a_second_release_changes_nothing() {
        let world = World::new();
        world
            .display()
            .held(&held("h1", &["A1"], IN_TEN_MINUTES))
            .unwrap();
        assert_eq!(
            world.display().released(&released("h1")).unwrap(),
            ReleasedOutcome::Hidden
        );
        assert!(world.seat_map().is_empty());
        assert_eq!(
            world.display().released(&released("h1")).unwrap(),
            ReleasedOutcome::AlreadyReleased
        );
        // And its SeatsHeld delivered again shows nothing.
        assert_eq!(
            world
                .display()
                .held(&held("h1", &["A1"], IN_TEN_MINUTES))
                .unwrap(),
            HeldOutcome::ReleasedBefore
        );
        assert!(world.seat_map().is_empty());
    }

    #[test]
    fn a_release_that_overtakes_its_hold_keeps_the_late_hold_from_showing() {
        // Given the release arrives first
        let world = World::new();
        assert_eq!(
            world.display().released(&released("h1")).unwrap(),
            ReleasedOutcome::ReleasedBeforeHeld
        );
        // When the hold arrives
        let late = world
            .display()
            .held(&held("h1", &["A1"], IN_TEN_MINUTES))
            .unwrap();
        // Then nothing shows
        assert_eq!(late, HeldOutcome::ReleasedBefore);
        assert!(world.seat_map().is_empty());
    }

    #[test]
    fn a_hold_delivered_twice_is_shown_once() {
        let world = World::new();
        world
            .display()
            .held(&held("h1", &["A1"], IN_TEN_MINUTES))
            .unwrap();
        assert_eq!(
            world
                .display()
                .held(&held("h1", &["A1", "A2"], IN_TEN_MINUTES))
                .unwrap(),
            HeldOutcome::AlreadyShown
        );
        assert_eq!(world.seat_map(), ["A1"]);
    }

    #[test]
    fn a_hold_that_arrives_expired_or_for_nothing_the_theater_knows_shows_nothing() {
        let world = World::new();
        let display = world.display();
        assert_eq!(
            display
                .held(&held("h1", &["A1"], "2026-12-01T11:59:00Z"))
                .unwrap(),
            HeldOutcome::Expired
        );
        let mut unknown = held("h2", &["A1"], IN_TEN_MINUTES);
        unknown.screening_id = "nope".into();
        for event in [
            unknown,
            held("h3", &["Q1"], IN_TEN_MINUTES),
            held("", &["A1"], IN_TEN_MINUTES),
        ] {
            let outcome = display.held(&event).unwrap();
            assert!(matches!(outcome, HeldOutcome::Ignored(_)), "{outcome:?}");
        }
        assert!(matches!(
            display.released(&released("")).unwrap(),
            ReleasedOutcome::Ignored(_)
        ));
        assert!(world.seat_map().is_empty());
    }

    #[test]
    fn a_held_seat_never_blocks_an_allocation() {
        // Given A1 shown held by someone's hold
        let world = World::new();
        world
            .display()
            .held(&held("h1", &["A1"], IN_TEN_MINUTES))
            .unwrap();
        // When a reservation for A1 reaches the theater (the reservation side decides holds)
        let outcome = world.place("r1", &["A1"]);
        // Then it is allocated, and the seat shows taken after the hold ends too
        assert_eq!(outcome, PlacementOutcome::Allocated(vec!["A1".into()]));
        world.display().released(&released("h1")).unwrap();
        assert_eq!(world.seat_map(), ["A1"]);
    }

    #[test]
    fn a_booked_hold_keeps_its_seats_taken_as_an_allocation() {
        // Given a hold on A1, A2, booked: ReservationPlaced, then HoldReleased (booked)
        let world = World::new();
        world
            .display()
            .held(&held("h1", &["A1", "A2"], IN_TEN_MINUTES))
            .unwrap();
        world.place("r1", &["A1", "A2"]);
        let mut booked = released("h1");
        booked.reason = "booked".into();
        world.display().released(&booked).unwrap();
        // Then the seats stay taken, also after the hold's expiry
        assert_eq!(world.seat_map(), ["A1", "A2"]);
        world.clock.set("2026-12-01T13:00:00Z");
        assert_eq!(world.seat_map(), ["A1", "A2"]);
    }

    #[test]
    fn two_holds_on_one_screening_show_together_and_end_apart() {
        let world = World::new();
        world
            .display()
            .held(&held("h1", &["A1"], IN_TEN_MINUTES))
            .unwrap();
        world
            .display()
            .held(&held("h2", &["B1"], "2026-12-01T12:20:00Z"))
            .unwrap();
        world.place("r1", &["C1"]);
        assert_eq!(world.seat_map(), ["A1", "B1", "C1"]);
        world.clock.set("2026-12-01T12:15:00Z");
        assert_eq!(world.seat_map(), ["B1", "C1"]);
        world.display().released(&released("h2")).unwrap();
        assert_eq!(world.seat_map(), ["C1"]);
    }
}
