//! Registering movies and scheduling their screenings. A movie is always registered with at
//! least one screening (it always gets a hall), and no two screenings may occupy one hall at
//! the same time (runtime plus cleaning gap). The checks read the hall's existing screenings,
//! so the adapter must run a use case inside one write transaction.

use std::collections::HashMap;

use cinema_events::{EventData, MovieRegistered, ScreeningScheduled};

use crate::hall::Hall;
use crate::ids::{HallId, MovieId, ScreeningId};
use crate::movie::{Movie, MovieDetails, Runtime, Title};
use crate::ports::{
    Clock, EventPublisher, HallRepository, IdGenerator, MovieRepository, ScreeningRepository,
};
use crate::pricing::{SeatSurcharges, TicketPrices};
use crate::screening::{Screening, conflict_window};
use crate::showtime::{CleaningGap, Showtime};
use crate::{StoreError, ValidationError};

/// Most screenings one registration may schedule.
pub const MAX_SHOWINGS_PER_REQUEST: usize = 100;

/// A requested screening: a hall and a start time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Showing {
    pub hall_id: HallId,
    pub starts_at: Showtime,
}

/// A movie to register with its first screenings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterMovie {
    title: Title,
    runtime: Runtime,
    prices: TicketPrices,
    surcharges: SeatSurcharges,
    details: MovieDetails,
    showings: Vec<Showing>,
}

impl RegisterMovie {
    /// # Errors
    /// No showings (a movie always gets a hall) or more than [`MAX_SHOWINGS_PER_REQUEST`].
    pub fn new(
        title: Title,
        runtime: Runtime,
        prices: TicketPrices,
        showings: Vec<Showing>,
    ) -> Result<Self, ValidationError> {
        if showings.is_empty() {
            return Err(ValidationError::new(
                "screenings must list at least one {hall_id, starts_at}: a movie always gets a hall",
            ));
        }
        if showings.len() > MAX_SHOWINGS_PER_REQUEST {
            return Err(ValidationError::new(format!(
                "at most {MAX_SHOWINGS_PER_REQUEST} screenings can be registered at once"
            )));
        }
        Ok(Self {
            title,
            runtime,
            prices,
            surcharges: SeatSurcharges::default(),
            details: MovieDetails::default(),
            showings,
        })
    }

    #[must_use]
    pub fn with_surcharges(mut self, surcharges: SeatSurcharges) -> Self {
        self.surcharges = surcharges;
        self
    }

    #[must_use]
    pub fn with_details(mut self, details: MovieDetails) -> Self {
        self.details = details;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredMovie {
    pub movie: Movie,
    pub screenings: Vec<Screening>,
}

/// What a new screening would collide with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub hall_id: HallId,
    pub starts_at: Showtime,
    /// The existing screening, or `None` for another screening of the same request.
    pub existing: Option<ScreeningId>,
    pub other_starts_at: Showtime,
    pub other_ends_at: String,
    pub cleaning_gap_min: u32,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let other = match &self.existing {
            Some(id) => format!("screening {id}"),
            None => "another screening in this request".to_string(),
        };
        write!(
            f,
            "the screening at {} overlaps {other} in hall {} ({} to {}, plus a {}-minute cleaning gap)",
            self.starts_at.to_rfc3339(),
            self.hall_id,
            self.other_starts_at.to_rfc3339(),
            self.other_ends_at,
            self.cleaning_gap_min
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterMovieError {
    #[error("hall {0} does not exist")]
    UnknownHall(HallId),
    #[error("the showtime {} is not in the future", .0.to_rfc3339())]
    ShowtimePassed(Showtime),
    #[error("{0}")]
    Overlap(Conflict),
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleScreeningError {
    #[error("movie {0} not found")]
    UnknownMovie(String),
    #[error("hall {0} does not exist")]
    UnknownHall(HallId),
    #[error("the showtime {} is not in the future", .0.to_rfc3339())]
    ShowtimePassed(Showtime),
    #[error("{0}")]
    Overlap(Conflict),
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

enum PlanError {
    UnknownHall(HallId),
    ShowtimePassed(Showtime),
    Overlap(Conflict),
    Store(StoreError),
}

impl From<StoreError> for PlanError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<PlanError> for RegisterMovieError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::UnknownHall(h) => Self::UnknownHall(h),
            PlanError::ShowtimePassed(t) => Self::ShowtimePassed(t),
            PlanError::Overlap(c) => Self::Overlap(c),
            PlanError::Store(s) => Self::Unexpected(s),
        }
    }
}

impl From<PlanError> for ScheduleScreeningError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::UnknownHall(h) => Self::UnknownHall(h),
            PlanError::ShowtimePassed(t) => Self::ShowtimePassed(t),
            PlanError::Overlap(c) => Self::Overlap(c),
            PlanError::Store(s) => Self::Unexpected(s),
        }
    }
}

pub struct Scheduling<'a> {
    pub halls: &'a dyn HallRepository,
    pub movies: &'a dyn MovieRepository,
    pub screenings: &'a dyn ScreeningRepository,
    pub events: &'a dyn EventPublisher,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGenerator,
    pub cleaning_gap: CleaningGap,
}

impl Scheduling<'_> {
    /// Registers the movie with its screenings and publishes `MovieRegistered` plus one
    /// `ScreeningScheduled` per screening; all or nothing.
    ///
    /// # Errors
    /// Unknown hall, a showtime not in the future, overlapping screenings, storage failure.
    pub fn register_movie(
        &self,
        command: RegisterMovie,
    ) -> Result<RegisteredMovie, RegisterMovieError> {
        let movie = Movie {
            id: MovieId::parse(self.ids.new_id()).map_err(id_error)?,
            title: command.title,
            runtime: command.runtime,
            prices: command.prices,
            surcharges: command.surcharges,
            details: command.details,
        };
        let planned = self.plan(&movie, &command.showings)?;
        self.movies.add_movie(&movie)?;
        self.events
            .publish(EventData::MovieRegistered(MovieRegistered {
                movie_id: movie.id.to_string(),
                title: movie.title.as_str().to_string(),
                runtime_min: movie.runtime.as_minutes(),
                price: movie.prices.adult().to_event(),
                age_rating: Some(movie.details.age_rating.as_str().to_string()),
                genre: movie.details.genre.as_ref().map(|g| g.as_str().to_string()),
                synopsis: movie
                    .details
                    .synopsis
                    .as_ref()
                    .map(|s| s.as_str().to_string()),
                prices: Some(movie.prices.to_event()),
                seat_surcharges: Some(movie.surcharges.to_event()),
            }))?;
        let mut screenings = Vec::with_capacity(planned.len());
        for (screening, hall) in planned {
            self.add_and_announce(&movie, &screening, &hall)?;
            screenings.push(screening);
        }
        Ok(RegisteredMovie { movie, screenings })
    }

    /// Adds a screening to a registered movie and publishes `ScreeningScheduled`.
    ///
    /// # Errors
    /// Unknown movie or hall, a showtime not in the future, an overlap, storage failure.
    pub fn schedule_screening(
        &self,
        movie_id: &str,
        showing: Showing,
    ) -> Result<Screening, ScheduleScreeningError> {
        let unknown = || ScheduleScreeningError::UnknownMovie(movie_id.to_string());
        let id = MovieId::parse(movie_id).map_err(|_| unknown())?;
        let movie = self.movies.movie(&id)?.ok_or_else(unknown)?;
        let (screening, hall) = self.plan(&movie, std::slice::from_ref(&showing))?.remove(0);
        self.add_and_announce(&movie, &screening, &hall)?;
        Ok(screening)
    }

    /// Checks every showing (hall exists, in the future, no overlap with the hall's screenings
    /// or with earlier showings of the same request) and builds the screenings.
    fn plan(
        &self,
        movie: &Movie,
        showings: &[Showing],
    ) -> Result<Vec<(Screening, Hall)>, PlanError> {
        let now = self.clock.now();
        let gap = self.cleaning_gap;
        let mut halls: HashMap<HallId, Hall> = HashMap::new();
        let mut planned: Vec<(Screening, Hall)> = Vec::with_capacity(showings.len());
        for showing in showings {
            let hall = match halls.get(&showing.hall_id) {
                Some(hall) => hall.clone(),
                None => {
                    let hall = self
                        .halls
                        .hall(&showing.hall_id)?
                        .ok_or_else(|| PlanError::UnknownHall(showing.hall_id.clone()))?;
                    halls.insert(hall.id.clone(), hall.clone());
                    hall
                }
            };
            if showing.starts_at.has_begun(now) {
                return Err(PlanError::ShowtimePassed(showing.starts_at));
            }
            let screening = Screening {
                id: ScreeningId::parse(self.ids.new_id()).map_err(id_error)?,
                movie_id: movie.id.clone(),
                hall_id: hall.id.clone(),
                starts_at: showing.starts_at,
                runtime: movie.runtime,
                layout: hall.layout.clone(),
                prices: movie.prices.clone(),
                surcharges: movie.surcharges.clone(),
            };
            let conflict = |other: &Screening, existing: bool| Conflict {
                hall_id: hall.id.clone(),
                starts_at: screening.starts_at,
                existing: existing.then(|| other.id.clone()),
                other_starts_at: other.starts_at,
                other_ends_at: Showtime::from_utc(other.ends_at()).to_rfc3339(),
                cleaning_gap_min: gap.as_minutes(),
            };
            if let Some((other, _)) = planned
                .iter()
                .find(|(p, _)| p.conflicts_with(&screening, gap))
            {
                return Err(PlanError::Overlap(conflict(other, false)));
            }
            let candidates = self
                .screenings
                .screenings_in_hall_during(&hall.id, conflict_window(screening.running(), gap))?;
            if let Some(other) = candidates
                .iter()
                .find(|c| c.conflicts_with(&screening, gap))
            {
                return Err(PlanError::Overlap(conflict(other, true)));
            }
            planned.push((screening, hall));
        }
        Ok(planned)
    }

    fn add_and_announce(
        &self,
        movie: &Movie,
        screening: &Screening,
        hall: &Hall,
    ) -> Result<(), StoreError> {
        self.screenings.add_screening(screening)?;
        self.events
            .publish(EventData::ScreeningScheduled(ScreeningScheduled {
                screening_id: screening.id.to_string(),
                movie_id: movie.id.to_string(),
                movie_title: movie.title.as_str().to_string(),
                runtime_min: movie.runtime.as_minutes(),
                hall_id: hall.id.to_string(),
                hall_name: hall.name.as_str().to_string(),
                starts_at: screening.starts_at.to_rfc3339(),
                rows: hall.layout.rows(),
                seats_per_row: hall.layout.seats_per_row(),
                price: screening.prices.adult().to_event(),
                layout: Some(screening.layout.to_event()),
                prices: Some(screening.prices.to_event()),
                seat_surcharges: Some(screening.surcharges.to_event()),
                age_rating: Some(movie.details.age_rating.as_str().to_string()),
            }))
    }
}

fn id_error(e: ValidationError) -> StoreError {
    StoreError::new(format!("id generator: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hall::{HallName, Layout};
    use crate::testing::{FakeClock, FakeIds, InMemoryTheater, RecordingPublisher};

    struct World {
        store: InMemoryTheater,
        events: RecordingPublisher,
        clock: FakeClock,
        ids: FakeIds,
    }

    impl World {
        fn new() -> Self {
            Self {
                store: InMemoryTheater::default(),
                events: RecordingPublisher::default(),
                clock: FakeClock::at("2026-12-01T00:00:00Z"),
                ids: FakeIds::default(),
            }
        }

        fn scheduling(&self) -> Scheduling<'_> {
            Scheduling {
                halls: &self.store,
                movies: &self.store,
                screenings: &self.store,
                events: &self.events,
                clock: &self.clock,
                ids: &self.ids,
                cleaning_gap: CleaningGap::default(),
            }
        }

        fn hall(&self, name: &str) -> HallId {
            let id = HallId::parse(format!("hall-{}", name.replace(' ', "-"))).unwrap();
            let hall = Hall {
                id: id.clone(),
                name: HallName::parse(name).unwrap(),
                layout: Layout::rectangular(10, 12).unwrap(),
            };
            crate::ports::HallRepository::add_hall(&self.store, &hall).unwrap();
            id
        }
    }

    fn command(runtime: i64, showings: &[(&HallId, &str)]) -> RegisterMovie {
        RegisterMovie::new(
            Title::parse("Dune").unwrap(),
            Runtime::minutes(runtime).unwrap(),
            TicketPrices::adult_only(crate::money::Money::ticket("price", 12_000, "KRW").unwrap()),
            showings
                .iter()
                .map(|(h, t)| Showing {
                    hall_id: (*h).clone(),
                    starts_at: Showtime::parse(t).unwrap(),
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn registering_a_movie_stores_it_with_its_screenings_and_announces_them() {
        let world = World::new();
        let hall = world.hall("Hall 1");
        let registered = world
            .scheduling()
            .register_movie(command(
                120,
                &[
                    (&hall, "2026-12-01T10:00:00Z"),
                    (&hall, "2026-12-01T12:15:00Z"),
                ],
            ))
            .unwrap();
        assert_eq!(registered.screenings.len(), 2);
        let events = world.events.events();
        assert_eq!(events.len(), 3);
        assert!(
            matches!(&events[0], EventData::MovieRegistered(m) if m.title == "Dune" && m.runtime_min == 120)
        );
        let EventData::ScreeningScheduled(s) = &events[1] else {
            panic!("{events:?}")
        };
        assert_eq!(s.hall_name, "Hall 1");
        assert_eq!((s.rows, s.seats_per_row), (10, 12));
        assert_eq!(s.price.amount, 12_000);
        assert_eq!(s.movie_title, "Dune");
        assert_eq!(s.starts_at, "2026-12-01T10:00:00Z");
        assert_eq!(s.layout.as_ref().map(|l| l.seat_count()), Some(120));
        assert_eq!(s.prices.as_ref().map(Vec::len), Some(1));
        assert_eq!(s.age_rating.as_deref(), Some("ALL"));
    }

    #[test]
    fn a_screening_announces_the_halls_layout_and_the_movies_prices_and_rating() {
        use crate::hall::{RowSpec, SeatKind};
        use crate::money::Money;
        use crate::movie::{AgeRating, MovieDetails};
        use crate::pricing::TicketType;
        let world = World::new();
        let hall = HallId::parse("couples").unwrap();
        let layout = Layout::from_rows(&[RowSpec {
            seats: 4,
            kinds: vec![(SeatKind::Couple, vec![1, 2])],
            ..RowSpec::default()
        }])
        .unwrap();
        crate::ports::HallRepository::add_hall(
            &world.store,
            &Hall {
                id: hall.clone(),
                name: HallName::parse("Couples").unwrap(),
                layout,
            },
        )
        .unwrap();
        let won = |a| Money::ticket("p", a, "KRW").unwrap();
        let prices = TicketPrices::resolve(
            None,
            Some(vec![
                (TicketType::Adult, won(14_000)),
                (TicketType::Youth, won(11_000)),
            ]),
        )
        .unwrap();
        let surcharges = SeatSurcharges::new(vec![(
            SeatKind::Couple,
            Money::surcharge("s", 2_000, "KRW").unwrap(),
        )])
        .unwrap();
        let command = RegisterMovie::new(
            Title::parse("Her").unwrap(),
            Runtime::minutes(120).unwrap(),
            prices,
            vec![Showing {
                hall_id: hall,
                starts_at: Showtime::parse("2026-12-02T10:00:00Z").unwrap(),
            }],
        )
        .unwrap()
        .with_surcharges(surcharges)
        .with_details(MovieDetails {
            age_rating: AgeRating::Fifteen,
            ..MovieDetails::default()
        });
        world.scheduling().register_movie(command).unwrap();
        let events = world.events.events();
        let EventData::MovieRegistered(m) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(m.price.amount, 14_000);
        assert_eq!(m.prices.as_ref().map(Vec::len), Some(2));
        assert_eq!(m.age_rating.as_deref(), Some("15"));
        let EventData::ScreeningScheduled(s) = &events[1] else {
            panic!("{events:?}")
        };
        let layout = s.layout.as_ref().unwrap();
        assert_eq!(layout.couple_partner("A1").as_deref(), Some("A2"));
        assert_eq!(s.price.amount, 14_000);
        let surcharges = s.seat_surcharges.as_ref().unwrap();
        assert_eq!(surcharges[0].amount.amount, 2_000);
        assert_eq!(s.age_rating.as_deref(), Some("15"));
    }

    #[test]
    fn a_movie_needs_at_least_one_screening() {
        let error = RegisterMovie::new(
            Title::parse("Dune").unwrap(),
            Runtime::minutes(100).unwrap(),
            TicketPrices::adult_only(crate::money::Money::ticket("price", 1, "KRW").unwrap()),
            vec![],
        )
        .unwrap_err();
        assert!(error.message().contains("at least one"));
    }

    #[test]
    fn an_unknown_hall_rejects_the_registration_and_stores_nothing() {
        let world = World::new();
        let hall = world.hall("Hall 1");
        let ghost = HallId::parse("ghost").unwrap();
        let result = world.scheduling().register_movie(command(
            100,
            &[
                (&hall, "2026-12-01T10:00:00Z"),
                (&ghost, "2026-12-01T10:00:00Z"),
            ],
        ));
        assert!(matches!(result, Err(RegisterMovieError::UnknownHall(h)) if h == ghost));
        assert!(world.events.events().is_empty());
        assert_eq!(world.store.movie_count(), 0);
        assert_eq!(world.store.screening_count(), 0);
    }

    #[test]
    fn a_showtime_that_is_not_in_the_future_is_rejected() {
        let world = World::new();
        let hall = world.hall("Hall 1");
        for t in [
            "2026-11-30T23:59:59Z",
            "2026-12-01T00:00:00Z",
            "2026-12-01T08:59:59+09:00",
        ] {
            let result = world
                .scheduling()
                .register_movie(command(100, &[(&hall, t)]));
            assert!(
                matches!(result, Err(RegisterMovieError::ShowtimePassed(_))),
                "{t}"
            );
        }
        assert_eq!(world.store.movie_count(), 0);
    }

    #[test]
    fn screenings_of_one_request_must_not_overlap_each_other_including_the_cleaning_gap() {
        let world = World::new();
        let hall = world.hall("Hall 1");
        // 10:00–12:00 then cleaning until 12:15; 12:10 is too early.
        let result = world.scheduling().register_movie(command(
            120,
            &[
                (&hall, "2026-12-01T10:00:00Z"),
                (&hall, "2026-12-01T12:10:00Z"),
            ],
        ));
        let Err(RegisterMovieError::Overlap(conflict)) = result else {
            panic!("{result:?}")
        };
        assert_eq!(conflict.existing, None);
        assert!(
            conflict.to_string().contains("15-minute cleaning gap"),
            "{conflict}"
        );
        assert_eq!(world.store.screening_count(), 0);
    }

    #[test]
    fn a_screening_must_not_overlap_an_existing_one_in_the_same_hall() {
        let world = World::new();
        let hall = world.hall("Hall 1");
        let other_hall = world.hall("Hall 2");
        let first = world
            .scheduling()
            .register_movie(command(120, &[(&hall, "2026-12-01T10:00:00Z")]))
            .unwrap();
        let result = world
            .scheduling()
            .register_movie(command(90, &[(&hall, "2026-12-01T09:00:00Z")]));
        let Err(RegisterMovieError::Overlap(conflict)) = result else {
            panic!("{result:?}")
        };
        assert_eq!(conflict.existing.as_ref(), Some(&first.screenings[0].id));
        // The same time in another hall is fine.
        assert!(
            world
                .scheduling()
                .register_movie(command(90, &[(&other_hall, "2026-12-01T09:00:00Z")]))
                .is_ok()
        );
        // And right after the first one's cleaning gap too.
        assert!(
            world
                .scheduling()
                .register_movie(command(90, &[(&hall, "2026-12-01T12:15:00Z")]))
                .is_ok()
        );
    }

    #[test]
    fn scheduling_another_screening_checks_the_same_rules_and_announces_it() {
        let world = World::new();
        let hall = world.hall("Hall 1");
        let registered = world
            .scheduling()
            .register_movie(command(120, &[(&hall, "2026-12-01T10:00:00Z")]))
            .unwrap();
        let movie_id = registered.movie.id.to_string();
        let showing = |t: &str| Showing {
            hall_id: hall.clone(),
            starts_at: Showtime::parse(t).unwrap(),
        };

        let overlap = world
            .scheduling()
            .schedule_screening(&movie_id, showing("2026-12-01T11:00:00Z"));
        assert!(matches!(overlap, Err(ScheduleScreeningError::Overlap(_))));
        let passed = world
            .scheduling()
            .schedule_screening(&movie_id, showing("2026-11-01T11:00:00Z"));
        assert!(matches!(
            passed,
            Err(ScheduleScreeningError::ShowtimePassed(_))
        ));
        let unknown = world
            .scheduling()
            .schedule_screening("nope", showing("2026-12-02T11:00:00Z"));
        assert!(matches!(
            unknown,
            Err(ScheduleScreeningError::UnknownMovie(_))
        ));

        let before = world.events.events().len();
        let screening = world
            .scheduling()
            .schedule_screening(&movie_id, showing("2026-12-02T11:00:00Z"))
            .unwrap();
        assert_eq!(screening.movie_id.as_str(), movie_id);
        let events = world.events.events();
        assert_eq!(events.len(), before + 1);
        assert!(
            matches!(&events[before], EventData::ScreeningScheduled(s) if s.screening_id == screening.id.as_str())
        );
    }
}
