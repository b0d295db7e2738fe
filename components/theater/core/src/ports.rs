//! Ports: what the use cases need from the outside world. The Spin component implements them
//! on one SQLite connection inside one transaction, so everything a use case writes — state and
//! outgoing events — commits or rolls back together.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use cinema_events::EventData;

use crate::StoreError;
use crate::allocation::ReservationRecord;
use crate::hall::{Hall, Layout};
use crate::hold::{KnownHold, SeatHold};
use crate::ids::{HallId, HoldId, MovieId, ReservationId, ScreeningId};
use crate::movie::Movie;
use crate::screening::Screening;
use crate::seat::SeatLabel;
use crate::showtime::Interval;

pub trait HallRepository {
    /// # Errors
    /// Storage failure.
    fn add_hall(&self, hall: &Hall) -> Result<(), StoreError>;
    /// # Errors
    /// Storage failure.
    fn hall(&self, id: &HallId) -> Result<Option<Hall>, StoreError>;
    /// Every hall, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    fn halls(&self) -> Result<Vec<Hall>, StoreError>;
}

pub trait MovieRepository {
    /// # Errors
    /// Storage failure.
    fn add_movie(&self, movie: &Movie) -> Result<(), StoreError>;
    /// # Errors
    /// Storage failure.
    fn movie(&self, id: &MovieId) -> Result<Option<Movie>, StoreError>;
}

pub trait ScreeningRepository {
    /// # Errors
    /// Storage failure.
    fn add_screening(&self, screening: &Screening) -> Result<(), StoreError>;
    /// # Errors
    /// Storage failure.
    fn screening(&self, id: &ScreeningId) -> Result<Option<Screening>, StoreError>;
    /// The screenings of `hall` whose running time `[starts_at, ends_at)` intersects `window`.
    ///
    /// # Errors
    /// Storage failure.
    fn screenings_in_hall_during(
        &self,
        hall: &HallId,
        window: Interval,
    ) -> Result<Vec<Screening>, StoreError>;
}

/// An allocated seat and who has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub seat: SeatLabel,
    pub reservation_id: ReservationId,
    /// `None` for allocations from before booking numbers.
    pub booking_number: Option<String>,
}

/// The seats held per screening. Implementations must make `(screening, seat)` unique, so a
/// seat can never be held twice even if two writers race past the decision.
pub trait SeatInventory {
    /// # Errors
    /// Storage failure.
    fn taken_seats(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
    ) -> Result<BTreeSet<SeatLabel>, StoreError>;
    /// The seats among `seats` (valid labels of `layout`) that are held: all a placement needs,
    /// so its cost does not grow with the seats already sold.
    ///
    /// # Errors
    /// Storage failure.
    fn taken_among(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
        seats: &[SeatLabel],
    ) -> Result<BTreeSet<SeatLabel>, StoreError> {
        let mut taken = self.taken_seats(screening, layout)?;
        taken.retain(|seat| seats.contains(seat));
        Ok(taken)
    }
    /// Every allocated seat of `screening` with its reservation, in no particular order.
    ///
    /// # Errors
    /// Storage failure.
    fn allocations(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
    ) -> Result<Vec<Allocation>, StoreError>;
    /// Holds every seat for the reservation, or none.
    ///
    /// # Errors
    /// Storage failure, or a seat already held (a uniqueness violation).
    fn hold(
        &self,
        screening: &ScreeningId,
        reservation: &ReservationId,
        seats: &[SeatLabel],
    ) -> Result<(), StoreError>;
    /// Frees every seat the reservation holds.
    ///
    /// # Errors
    /// Storage failure.
    fn release(&self, reservation: &ReservationId) -> Result<(), StoreError>;
}

/// The seat holds the seat maps show (display only: an allocation never consults them), and
/// the holds known to be released.
pub trait HoldBoard {
    /// What the theater remembers of the hold (released wins over shown).
    ///
    /// # Errors
    /// Storage failure.
    fn known_hold(&self, hold: &HoldId) -> Result<Option<KnownHold>, StoreError>;
    /// Shows the hold's seats until its expiry.
    ///
    /// # Errors
    /// Storage failure.
    fn show_hold(&self, hold: &SeatHold) -> Result<(), StoreError>;
    /// Stops showing the hold's seats (if any) and remembers it released, so a `SeatsHeld`
    /// arriving after this shows nothing.
    ///
    /// # Errors
    /// Storage failure.
    fn release_hold(&self, hold: &HoldId) -> Result<(), StoreError>;
    /// The seats of `screening` held by a hold that expires after `now`.
    ///
    /// # Errors
    /// Storage failure.
    fn held_seats(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
        now: DateTime<Utc>,
    ) -> Result<BTreeSet<SeatLabel>, StoreError>;
}

/// The theater's memory of each reservation it has seen (answers and tombstones).
pub trait ReservationLedger {
    /// # Errors
    /// Storage failure.
    fn reservation(&self, id: &ReservationId) -> Result<Option<ReservationRecord>, StoreError>;
    /// Inserts or replaces the record.
    ///
    /// # Errors
    /// Storage failure.
    fn save(&self, record: &ReservationRecord) -> Result<(), StoreError>;
}

/// Publishes integration events. The adapter appends them to the outbox in the use case's
/// transaction, wrapped in an envelope carrying the causal metadata.
pub trait EventPublisher {
    /// # Errors
    /// Storage failure.
    fn publish(&self, event: EventData) -> Result<(), StoreError>;
}

pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

pub trait IdGenerator {
    fn new_id(&self) -> String;
}
