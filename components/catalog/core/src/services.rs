//! Use cases: projecting an event, and answering the two catalog queries (the staff programme
//! is in [`crate::programme`]).

use cinema_events::Envelope;

use crate::StoreError;
use crate::ports::{CatalogReader, CatalogWriter, Inbox};
use crate::projection::{Target, apply_to_index, apply_to_movie, apply_to_screening, targets};
use crate::sales::{apply_to_booking, apply_to_sales};
use crate::views::{MovieView, movie_view, sort_listing};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projected {
    Applied,
    /// The inbox already had the event.
    AlreadyApplied,
    /// Not an event the catalog projects.
    NotProjected,
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

pub struct Projector<'a> {
    pub writer: &'a dyn CatalogWriter,
    pub inbox: &'a dyn Inbox,
}

impl Projector<'_> {
    /// Applies the event to every document it touches, then records it in the inbox. If a
    /// write fails midway the event is retried; the updates are idempotent, so the documents
    /// already written are unaffected by the retry.
    ///
    /// # Errors
    /// Storage failure (retry later).
    pub fn handle(&self, event: &Envelope) -> Result<Projected, ProjectionError> {
        let targets = targets(&event.data);
        if targets.is_empty() {
            return Ok(Projected::NotProjected);
        }
        if self.inbox.seen(&event.event_id)? {
            return Ok(Projected::AlreadyApplied);
        }
        let data = &event.data;
        for target in targets {
            match target {
                Target::Screening(id) => self
                    .writer
                    .update_screening(&id, &|doc| apply_to_screening(data, doc))?,
                Target::Movie(id) => self
                    .writer
                    .update_movie(&id, &|doc| apply_to_movie(data, doc))?,
                Target::Index => self.writer.update_index(&|doc| apply_to_index(data, doc))?,
                Target::Booking(id) => {
                    // The stored booking, not just this event: it may carry a refund that came
                    // before the screening was known.
                    let booking = self
                        .writer
                        .update_booking(&id, &|doc| apply_to_booking(event, doc))?;
                    if let Some(booking) = booking
                        && let Some(screening_id) = &booking.screening_id
                    {
                        self.writer
                            .update_sales(screening_id, &|doc| apply_to_sales(&booking, doc))?;
                    }
                }
            }
        }
        self.inbox.record(&event.event_id)?;
        Ok(Projected::Applied)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GetMovieError {
    #[error("movie {0} not found")]
    NotFound(String),
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

pub struct CatalogQueries<'a> {
    pub reader: &'a dyn CatalogReader,
}

impl CatalogQueries<'_> {
    /// Every movie, by title then id, each with its screenings by start time.
    ///
    /// # Errors
    /// Storage failure.
    pub fn list_movies(&self) -> Result<Vec<MovieView>, StoreError> {
        let index = self.reader.movie_index()?.unwrap_or_default();
        let mut movies = Vec::with_capacity(index.movie_ids.len());
        for movie_id in &index.movie_ids {
            if let Some(view) = self.view(movie_id)? {
                movies.push(view);
            }
        }
        sort_listing(&mut movies);
        Ok(movies)
    }

    /// # Errors
    /// Unknown movie or storage failure.
    pub fn movie(&self, movie_id: &str) -> Result<MovieView, GetMovieError> {
        self.view(movie_id)?
            .ok_or_else(|| GetMovieError::NotFound(movie_id.to_string()))
    }

    fn view(&self, movie_id: &str) -> Result<Option<MovieView>, StoreError> {
        let Some(movie) = self.reader.movie(movie_id)? else {
            return Ok(None);
        };
        let mut screenings = Vec::with_capacity(movie.screening_ids.len());
        for id in &movie.screening_ids {
            if let Some(summary) = self.reader.screening_summary(id)? {
                screenings.push(summary);
            }
        }
        Ok(Some(movie_view(&movie, &screenings)))
    }
}

#[cfg(test)]
mod tests {
    use cinema_events::{
        EventData, Money, MovieRegistered, ScreeningScheduled, SeatsAllocated, SeatsReleased,
    };

    use super::*;
    use crate::testing::InMemoryCatalog;

    fn envelope(id: &str, data: EventData) -> Envelope {
        Envelope {
            event_id: id.into(),
            type_: data.type_name().into(),
            version: 1,
            occurred_at: "2026-11-23T10:00:00Z".into(),
            correlation_id: "c1".into(),
            causation_id: None,
            reservation_id: None,
            reservation_version: None,
            source: "theater".into(),
            data,
        }
    }

    fn registered(id: &str, movie: &str, title: &str) -> Envelope {
        envelope(
            id,
            EventData::MovieRegistered(MovieRegistered {
                movie_id: movie.into(),
                title: title.into(),
                runtime_min: 120,
                price: Money {
                    amount: 12_000,
                    currency: "KRW".into(),
                },
                age_rating: None,
                genre: None,
                synopsis: None,
                prices: None,
                seat_surcharges: None,
            }),
        )
    }

    fn scheduled(id: &str, screening: &str, movie: &str, starts_at: &str) -> Envelope {
        envelope(
            id,
            EventData::ScreeningScheduled(ScreeningScheduled {
                screening_id: screening.into(),
                movie_id: movie.into(),
                movie_title: "Dune".into(),
                runtime_min: 120,
                hall_id: "h1".into(),
                hall_name: "Hall 1".into(),
                starts_at: starts_at.into(),
                rows: 2,
                seats_per_row: 5,
                price: Money {
                    amount: 12_000,
                    currency: "KRW".into(),
                },
                layout: None,
                prices: None,
                seat_surcharges: None,
                age_rating: None,
            }),
        )
    }

    fn allocated(id: &str, reservation: &str, seats: &[&str]) -> Envelope {
        envelope(
            id,
            EventData::SeatsAllocated(SeatsAllocated {
                reservation_id: reservation.into(),
                screening_id: "s1".into(),
                seats: seats.iter().map(|s| (*s).to_string()).collect(),
            }),
        )
    }

    fn released(id: &str, reservation: &str, seats: &[&str]) -> Envelope {
        envelope(
            id,
            EventData::SeatsReleased(SeatsReleased {
                reservation_id: reservation.into(),
                screening_id: "s1".into(),
                seats: seats.iter().map(|s| (*s).to_string()).collect(),
            }),
        )
    }

    fn seats_left(catalog: &InMemoryCatalog) -> u32 {
        CatalogQueries { reader: catalog }
            .movie("m1")
            .unwrap()
            .screenings[0]
            .seats_left
    }

    #[test]
    fn the_catalog_follows_registration_scheduling_allocation_and_release() {
        let catalog = InMemoryCatalog::default();
        let projector = Projector {
            writer: &catalog,
            inbox: &catalog,
        };
        projector.handle(&registered("e1", "m1", "Dune")).unwrap();
        projector
            .handle(&scheduled("e2", "s1", "m1", "2026-12-01T10:00:00Z"))
            .unwrap();
        assert_eq!(seats_left(&catalog), 10);
        projector
            .handle(&allocated("e3", "r1", &["A1", "A2"]))
            .unwrap();
        assert_eq!(seats_left(&catalog), 8);
        projector
            .handle(&released("e4", "r1", &["A1", "A2"]))
            .unwrap();
        assert_eq!(seats_left(&catalog), 10);
    }

    #[test]
    fn a_redelivered_event_is_skipped_by_the_inbox() {
        let catalog = InMemoryCatalog::default();
        let projector = Projector {
            writer: &catalog,
            inbox: &catalog,
        };
        projector
            .handle(&scheduled("e2", "s1", "m1", "2026-12-01T10:00:00Z"))
            .unwrap();
        assert_eq!(
            projector.handle(&allocated("e3", "r1", &["A1"])).unwrap(),
            Projected::Applied
        );
        assert_eq!(
            projector.handle(&allocated("e3", "r1", &["A1"])).unwrap(),
            Projected::AlreadyApplied
        );
        assert_eq!(seats_left(&catalog), 9);
    }

    #[test]
    fn the_same_allocation_republished_under_a_new_event_id_counts_once() {
        let catalog = InMemoryCatalog::default();
        let projector = Projector {
            writer: &catalog,
            inbox: &catalog,
        };
        projector
            .handle(&scheduled("e2", "s1", "m1", "2026-12-01T10:00:00Z"))
            .unwrap();
        projector.handle(&allocated("e3", "r1", &["A1"])).unwrap();
        projector
            .handle(&allocated("e3-again", "r1", &["A1"]))
            .unwrap();
        assert_eq!(seats_left(&catalog), 9);
    }

    #[test]
    fn a_movie_first_seen_through_its_screening_is_listed_with_it() {
        let catalog = InMemoryCatalog::default();
        let projector = Projector {
            writer: &catalog,
            inbox: &catalog,
        };
        projector
            .handle(&scheduled("e2", "s1", "m1", "2026-12-01T10:00:00Z"))
            .unwrap();
        let movies = CatalogQueries { reader: &catalog }.list_movies().unwrap();
        assert_eq!(movies.len(), 1);
        assert_eq!(movies[0].title, "Dune");
        assert_eq!(movies[0].screenings.len(), 1);
    }

    #[test]
    fn listing_sorts_by_title_and_an_unknown_movie_is_not_found() {
        let catalog = InMemoryCatalog::default();
        let projector = Projector {
            writer: &catalog,
            inbox: &catalog,
        };
        projector.handle(&registered("e1", "m2", "Zodiac")).unwrap();
        projector.handle(&registered("e2", "m1", "Alien")).unwrap();
        let queries = CatalogQueries { reader: &catalog };
        let titles: Vec<String> = queries
            .list_movies()
            .unwrap()
            .into_iter()
            .map(|m| m.title)
            .collect();
        assert_eq!(titles, ["Alien", "Zodiac"]);
        assert!(matches!(
            queries.movie("nope"),
            Err(GetMovieError::NotFound(_))
        ));
    }

    #[test]
    fn events_the_catalog_does_not_project_are_not_recorded() {
        let catalog = InMemoryCatalog::default();
        let projector = Projector {
            writer: &catalog,
            inbox: &catalog,
        };
        let other = envelope(
            "x",
            EventData::PaymentApproved(cinema_events::PaymentApproved {
                payment_id: "p".into(),
                reservation_id: "r".into(),
                customer_id: "c".into(),
                amount: cinema_events::Money {
                    amount: 1,
                    currency: "KRW".into(),
                },
            }),
        );
        assert_eq!(projector.handle(&other).unwrap(), Projected::NotProjected);
        assert!(!catalog.seen("x").unwrap());
    }
}
