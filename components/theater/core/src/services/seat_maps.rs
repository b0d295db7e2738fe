//! The seat map of a screening as customers see it: a seat is `taken` when it is allocated, or
//! held by a hold the reservation context announced and that has not expired or been released.
//! (Holds are display only: allocations consult the seat inventory alone.) Staff also see who
//! has each taken seat.

use crate::StoreError;
use crate::ids::{ReservationId, ScreeningId};
use crate::ports::{Clock, HoldBoard, ScreeningRepository, SeatInventory};
use crate::screening::Screening;
use crate::seat::SeatLabel;
use crate::seat_map::SeatMap;

#[derive(Debug, thiserror::Error)]
pub enum SeatMapError {
    #[error("screening {0} not found")]
    UnknownScreening(String),
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

/// Who has a taken seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// Allocated to a booking (`booking_number` is `None` for allocations from before numbers).
    Reservation {
        reservation_id: ReservationId,
        booking_number: Option<String>,
    },
    /// Held by a customer who is choosing or paying.
    Hold,
}

/// The seat map with the holder of every taken seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSeatMap {
    pub map: SeatMap,
    /// Every taken seat's holder (a vector rather than a map: smaller components).
    holders: Vec<(SeatLabel, Holder)>,
}

impl StaffSeatMap {
    /// Who has `seat` (`None` when it is free).
    pub fn holder(&self, seat: SeatLabel) -> Option<&Holder> {
        self.holders
            .iter()
            .find(|(s, _)| *s == seat)
            .map(|(_, h)| h)
    }
}

pub struct SeatMaps<'a> {
    pub screenings: &'a dyn ScreeningRepository,
    pub seats: &'a dyn SeatInventory,
    pub holds: &'a dyn HoldBoard,
    pub clock: &'a dyn Clock,
}

impl SeatMaps<'_> {
    /// # Errors
    /// Unknown screening (including a malformed id) or storage failure.
    pub fn public(&self, screening_id: &str) -> Result<SeatMap, SeatMapError> {
        let screening = self.screening(screening_id)?;
        let mut taken = self.seats.taken_seats(&screening.id, &screening.layout)?;
        taken.extend(self.held(&screening)?);
        Ok(SeatMap::new(screening, taken))
    }

    /// The map plus who has each taken seat; an allocation wins over a hold of the same seat
    /// (a booked hold's seats stay held until its release arrives).
    ///
    /// # Errors
    /// Unknown screening (including a malformed id) or storage failure.
    pub fn staff(&self, screening_id: &str) -> Result<StaffSeatMap, SeatMapError> {
        let screening = self.screening(screening_id)?;
        let allocations = self.seats.allocations(&screening.id, &screening.layout)?;
        let mut taken = self.held(&screening)?;
        let mut holders: Vec<(SeatLabel, Holder)> = taken
            .iter()
            .filter(|seat| !allocations.iter().any(|a| a.seat == **seat))
            .map(|seat| (*seat, Holder::Hold))
            .collect();
        for allocation in allocations {
            taken.insert(allocation.seat);
            holders.push((
                allocation.seat,
                Holder::Reservation {
                    reservation_id: allocation.reservation_id,
                    booking_number: allocation.booking_number,
                },
            ));
        }
        let map = SeatMap::new(screening, taken);
        Ok(StaffSeatMap { map, holders })
    }

    fn screening(&self, screening_id: &str) -> Result<Screening, SeatMapError> {
        let unknown = || SeatMapError::UnknownScreening(screening_id.to_string());
        let id = ScreeningId::parse(screening_id).map_err(|_| unknown())?;
        self.screenings.screening(&id)?.ok_or_else(unknown)
    }

    fn held(
        &self,
        screening: &Screening,
    ) -> Result<std::collections::BTreeSet<SeatLabel>, StoreError> {
        self.holds
            .held_seats(&screening.id, &screening.layout, self.clock.now())
    }
}

#[cfg(test)]
mod tests {
    use cinema_events::{EventData, Money, ReservationPlaced, SeatsHeld};

    use super::*;
    use crate::services::holds::HoldDisplay;
    use crate::services::reservations::SeatAllocation;
    use crate::testing::{FakeClock, InMemoryTheater, RecordingPublisher, screening_at};

    #[test]
    fn staff_see_the_booking_number_of_an_allocated_seat_and_a_hold_for_a_held_one() {
        // Given a screening with A1 booked and B2 held
        let store = InMemoryTheater::default();
        let events = RecordingPublisher::default();
        let clock = FakeClock::at("2026-12-01T12:00:00Z");
        crate::ports::ScreeningRepository::add_screening(
            &store,
            &screening_at("s1", "2026-12-01T18:00:00Z"),
        )
        .unwrap();
        SeatAllocation {
            screenings: &store,
            seats: &store,
            ledger: &store,
            events: &events,
            clock: &clock,
        }
        .place(&ReservationPlaced {
            reservation_id: "r1".into(),
            customer_id: "c".into(),
            screening_id: "s1".into(),
            seats: vec!["A1".into()],
            total: Money {
                amount: 12_000,
                currency: "KRW".into(),
            },
            payment_id: "p".into(),
            booking_number: Some("2612-0001-0002".into()),
            tickets: None,
        })
        .unwrap();
        HoldDisplay {
            screenings: &store,
            board: &store,
            clock: &clock,
        }
        .held(&SeatsHeld {
            hold_id: "h1".into(),
            customer_id: "c2".into(),
            screening_id: "s1".into(),
            seats: vec!["B2".into()],
            expires_at: "2026-12-01T12:10:00Z".into(),
        })
        .unwrap();
        let maps = SeatMaps {
            screenings: &store,
            seats: &store,
            holds: &store,
            clock: &clock,
        };
        // When staff read the map
        let staff = maps.staff("s1").unwrap();
        // Then both seats are taken, with their holders
        let holder = |label: &str| {
            let seat = crate::seat::SeatLabel::parse(label, &staff.map.screening.layout).unwrap();
            staff.holder(seat).cloned()
        };
        assert_eq!(
            holder("A1"),
            Some(Holder::Reservation {
                reservation_id: ReservationId::parse("r1").unwrap(),
                booking_number: Some("2612-0001-0002".into()),
            })
        );
        assert_eq!(holder("B2"), Some(Holder::Hold));
        assert_eq!(holder("A2"), None);
        assert_eq!(staff.map.seats_left(), 28);
        assert_eq!(maps.public("s1").unwrap(), staff.map);
        assert!(matches!(events.events()[0], EventData::SeatsAllocated(_)));
        assert!(matches!(
            maps.staff("nope"),
            Err(SeatMapError::UnknownScreening(_))
        ));
    }
}
