//! In-memory fakes of every port, and fixtures, for tests of this crate and of adapters
//! (feature `testing`).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use cinema_events::EventData;

use crate::StoreError;
use crate::allocation::ReservationRecord;
use crate::hall::{Hall, Layout};
use crate::hold::{KnownHold, SeatHold};
use crate::ids::{HallId, HoldId, MovieId, ReservationId, ScreeningId};
use crate::money::Money;
use crate::movie::{Movie, Runtime};
use crate::ports::{
    Allocation, Clock, EventPublisher, HallRepository, HoldBoard, IdGenerator, MovieRepository,
    ReservationLedger, ScreeningRepository, SeatInventory,
};
use crate::pricing::{SeatSurcharges, TicketPrices};
use crate::screening::Screening;
use crate::seat::SeatLabel;
use crate::showtime::{Interval, Showtime};

/// Parses an RFC 3339 instant (panics on bad input: fixtures only).
pub fn at(text: &str) -> DateTime<Utc> {
    Showtime::parse(text).expect("fixture time").instant()
}

/// A 120-minute screening of movie `m1` in hall `h1` with 5 rows of 6 seats (`A1`–`E6`).
pub fn screening_at(id: &str, starts_at: &str) -> Screening {
    Screening {
        id: ScreeningId::parse(id).expect("fixture id"),
        movie_id: MovieId::parse("m1").expect("fixture id"),
        hall_id: HallId::parse("h1").expect("fixture id"),
        starts_at: Showtime::parse(starts_at).expect("fixture time"),
        runtime: Runtime::minutes(120).expect("fixture runtime"),
        layout: Layout::rectangular(5, 6).expect("fixture layout"),
        prices: TicketPrices::adult_only(Money::ticket("price", 12_000, "KRW").expect("fixture")),
        surcharges: SeatSurcharges::default(),
    }
}

/// Every repository in memory. Holding a seat twice fails like the SQLite primary key does.
#[derive(Default)]
pub struct InMemoryTheater {
    halls: RefCell<Vec<Hall>>,
    movies: RefCell<BTreeMap<MovieId, Movie>>,
    screenings: RefCell<BTreeMap<ScreeningId, Screening>>,
    /// (screening, seat) → reservation.
    held: RefCell<BTreeMap<(ScreeningId, SeatLabel), ReservationId>>,
    ledger: RefCell<BTreeMap<ReservationId, ReservationRecord>>,
    /// hold → what the board remembers, with the hold while it is shown (or was, before its
    /// release).
    holds: RefCell<BTreeMap<HoldId, (KnownHold, Option<SeatHold>)>>,
}

impl InMemoryTheater {
    pub fn movie_count(&self) -> usize {
        self.movies.borrow().len()
    }

    pub fn screening_count(&self) -> usize {
        self.screenings.borrow().len()
    }

    /// The seats held for a screening, row-major.
    pub fn held_seats(&self, screening: &str) -> Vec<String> {
        self.held
            .borrow()
            .keys()
            .filter(|(s, _)| s.as_str() == screening)
            .map(|(_, seat)| seat.to_string())
            .collect()
    }
}

impl HallRepository for InMemoryTheater {
    fn add_hall(&self, hall: &Hall) -> Result<(), StoreError> {
        self.halls.borrow_mut().push(hall.clone());
        Ok(())
    }

    fn hall(&self, id: &HallId) -> Result<Option<Hall>, StoreError> {
        Ok(self.halls.borrow().iter().find(|h| &h.id == id).cloned())
    }

    fn halls(&self) -> Result<Vec<Hall>, StoreError> {
        Ok(self.halls.borrow().clone())
    }
}

impl MovieRepository for InMemoryTheater {
    fn add_movie(&self, movie: &Movie) -> Result<(), StoreError> {
        self.movies
            .borrow_mut()
            .insert(movie.id.clone(), movie.clone());
        Ok(())
    }

    fn movie(&self, id: &MovieId) -> Result<Option<Movie>, StoreError> {
        Ok(self.movies.borrow().get(id).cloned())
    }
}

impl ScreeningRepository for InMemoryTheater {
    fn add_screening(&self, screening: &Screening) -> Result<(), StoreError> {
        self.screenings
            .borrow_mut()
            .insert(screening.id.clone(), screening.clone());
        Ok(())
    }

    fn screening(&self, id: &ScreeningId) -> Result<Option<Screening>, StoreError> {
        Ok(self.screenings.borrow().get(id).cloned())
    }

    fn screenings_in_hall_during(
        &self,
        hall: &HallId,
        window: Interval,
    ) -> Result<Vec<Screening>, StoreError> {
        Ok(self
            .screenings
            .borrow()
            .values()
            .filter(|s| &s.hall_id == hall && s.running().overlaps(&window))
            .cloned()
            .collect())
    }
}

impl SeatInventory for InMemoryTheater {
    fn taken_seats(
        &self,
        screening: &ScreeningId,
        _layout: &Layout,
    ) -> Result<BTreeSet<SeatLabel>, StoreError> {
        Ok(self
            .held
            .borrow()
            .keys()
            .filter(|(s, _)| s == screening)
            .map(|(_, seat)| *seat)
            .collect())
    }

    fn allocations(
        &self,
        screening: &ScreeningId,
        _layout: &Layout,
    ) -> Result<Vec<Allocation>, StoreError> {
        let ledger = self.ledger.borrow();
        Ok(self
            .held
            .borrow()
            .iter()
            .filter(|((s, _), _)| s == screening)
            .map(|((_, seat), reservation)| Allocation {
                seat: *seat,
                reservation_id: reservation.clone(),
                booking_number: ledger
                    .get(reservation)
                    .and_then(|r| r.booking_number.clone()),
            })
            .collect())
    }

    fn hold(
        &self,
        screening: &ScreeningId,
        reservation: &ReservationId,
        seats: &[SeatLabel],
    ) -> Result<(), StoreError> {
        let mut held = self.held.borrow_mut();
        if let Some(seat) = seats
            .iter()
            .find(|seat| held.contains_key(&(screening.clone(), **seat)))
        {
            return Err(StoreError::new(format!(
                "UNIQUE constraint failed: {screening} {seat}"
            )));
        }
        for seat in seats {
            held.insert((screening.clone(), *seat), reservation.clone());
        }
        Ok(())
    }

    fn release(&self, reservation: &ReservationId) -> Result<(), StoreError> {
        self.held.borrow_mut().retain(|_, r| r != reservation);
        Ok(())
    }
}

impl ReservationLedger for InMemoryTheater {
    fn reservation(&self, id: &ReservationId) -> Result<Option<ReservationRecord>, StoreError> {
        Ok(self.ledger.borrow().get(id).cloned())
    }

    fn save(&self, record: &ReservationRecord) -> Result<(), StoreError> {
        self.ledger
            .borrow_mut()
            .insert(record.reservation_id.clone(), record.clone());
        Ok(())
    }
}

impl HoldBoard for InMemoryTheater {
    fn known_hold(&self, hold: &HoldId) -> Result<Option<KnownHold>, StoreError> {
        Ok(self.holds.borrow().get(hold).map(|(known, _)| *known))
    }

    fn show_hold(&self, hold: &SeatHold) -> Result<(), StoreError> {
        // Released wins, as in the SQLite board.
        self.holds
            .borrow_mut()
            .entry(hold.hold_id.clone())
            .or_insert_with(|| (KnownHold::Shown, Some(hold.clone())));
        Ok(())
    }

    fn release_hold(&self, hold: &HoldId) -> Result<(), StoreError> {
        self.holds
            .borrow_mut()
            .entry(hold.clone())
            .or_insert((KnownHold::Released, None))
            .0 = KnownHold::Released;
        Ok(())
    }

    fn held_seats(
        &self,
        screening: &ScreeningId,
        _layout: &Layout,
        now: DateTime<Utc>,
    ) -> Result<BTreeSet<SeatLabel>, StoreError> {
        Ok(self
            .holds
            .borrow()
            .values()
            .filter(|(known, _)| *known == KnownHold::Shown)
            .filter_map(|(_, hold)| hold.as_ref())
            .filter(|hold| &hold.screening.id == screening && hold.expires_at > now)
            .flat_map(|hold| hold.seats.iter().copied())
            .collect())
    }
}

/// Remembers every published event, in order.
#[derive(Default)]
pub struct RecordingPublisher {
    events: RefCell<Vec<EventData>>,
}

impl RecordingPublisher {
    pub fn events(&self) -> Vec<EventData> {
        self.events.borrow().clone()
    }
}

impl EventPublisher for RecordingPublisher {
    fn publish(&self, event: EventData) -> Result<(), StoreError> {
        self.events.borrow_mut().push(event);
        Ok(())
    }
}

/// A clock that stands still until moved.
pub struct FakeClock {
    now: Cell<DateTime<Utc>>,
}

impl FakeClock {
    pub fn at(text: &str) -> Self {
        Self {
            now: Cell::new(at(text)),
        }
    }

    pub fn set(&self, text: &str) {
        self.now.set(at(text));
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.now.get()
    }
}

/// Ids `id-1`, `id-2`, …
#[derive(Default)]
pub struct FakeIds {
    next: Cell<u64>,
}

impl IdGenerator for FakeIds {
    fn new_id(&self) -> String {
        self.next.set(self.next.get() + 1);
        format!("id-{}", self.next.get())
    }
}
