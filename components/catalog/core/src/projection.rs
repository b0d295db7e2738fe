//! The projection: pure, idempotent functions from (event, document) to document.
//!
//! Every function can be applied any number of times and in any order relative to the others
//! and still reach the same documents (given the theater's rules: a reservation is allocated at
//! most once and a released reservation is never allocated again):
//! - `MovieRegistered` sets the movie's facts; `ScreeningScheduled` adds the screening to its
//!   movie (creating the movie from the event's title and runtime if it came first);
//! - `SeatsAllocated` puts the reservation's seats in the screening's allocation map, unless
//!   the reservation was already released; `SeatsReleased` removes it and remembers the release.
//! - reservation and refund events change the booking they are about (see [`crate::sales`]);
//!   the service then folds the booking into its screening's sales.

use std::collections::BTreeSet;

use cinema_events::EventData;

use crate::documents::{
    MovieDoc, MovieIndex, Price, ScreeningDetails, ScreeningDoc, prices_of, surcharges_of,
};

/// A document an event changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Screening(String),
    Movie(String),
    Index,
    /// A booking (by reservation id), then its screening's sales once the screening is known.
    Booking(String),
}

/// The documents `event` changes, in the order to write them: screening, then movie, then the
/// index — so a reader that finds an id also finds its document.
pub fn targets(event: &EventData) -> Vec<Target> {
    match event {
        EventData::MovieRegistered(e) => vec![Target::Movie(e.movie_id.clone()), Target::Index],
        EventData::ScreeningScheduled(e) => vec![
            Target::Screening(e.screening_id.clone()),
            Target::Movie(e.movie_id.clone()),
            Target::Index,
        ],
        EventData::SeatsAllocated(e) => vec![Target::Screening(e.screening_id.clone())],
        EventData::SeatsReleased(e) => vec![Target::Screening(e.screening_id.clone())],
        EventData::ReservationPlaced(e) => vec![Target::Booking(e.reservation_id.clone())],
        EventData::ReservationConfirmed(e) => vec![Target::Booking(e.reservation_id.clone())],
        EventData::ReservationRejected(e) => vec![Target::Booking(e.reservation_id.clone())],
        EventData::ReservationCancelled(e) => vec![Target::Booking(e.reservation_id.clone())],
        EventData::PaymentRefunded(e) => vec![Target::Booking(e.reservation_id.clone())],
        _ => Vec::new(),
    }
}

pub fn apply_to_index(event: &EventData, index: Option<MovieIndex>) -> Option<MovieIndex> {
    let movie_id = match event {
        EventData::MovieRegistered(e) => &e.movie_id,
        EventData::ScreeningScheduled(e) => &e.movie_id,
        _ => return index,
    };
    let mut index = index.unwrap_or_default();
    index.movie_ids.insert(movie_id.clone());
    Some(index)
}

pub fn apply_to_movie(event: &EventData, movie: Option<MovieDoc>) -> Option<MovieDoc> {
    match event {
        EventData::MovieRegistered(e) => {
            let screening_ids = movie.map(|m| m.screening_ids).unwrap_or_default();
            Some(MovieDoc {
                movie_id: e.movie_id.clone(),
                title: e.title.clone(),
                runtime_min: e.runtime_min,
                price: Some(Price::from(&e.price)),
                registered: true,
                screening_ids,
                age_rating: e.age_rating.clone(),
                genre: e.genre.clone(),
                synopsis: e.synopsis.clone(),
            })
        }
        EventData::ScreeningScheduled(e) => {
            let mut movie = movie.unwrap_or_else(|| MovieDoc {
                movie_id: e.movie_id.clone(),
                title: e.movie_title.clone(),
                runtime_min: e.runtime_min,
                price: None,
                registered: false,
                screening_ids: BTreeSet::new(),
                age_rating: None,
                genre: None,
                synopsis: None,
            });
            // Until the movie's own event arrives, its screenings tell the rating.
            if !movie.registered && movie.age_rating.is_none() {
                movie.age_rating.clone_from(&e.age_rating);
            }
            movie.screening_ids.insert(e.screening_id.clone());
            Some(movie)
        }
        _ => movie,
    }
}

pub fn apply_to_screening(
    event: &EventData,
    screening: Option<ScreeningDoc>,
) -> Option<ScreeningDoc> {
    let before = screening.clone();
    let mut after = apply_unversioned(event, screening)?;
    if before.as_ref() != Some(&after) {
        after.version = before.map_or(0, |doc| doc.version) + 1;
    }
    Some(after)
}

fn apply_unversioned(event: &EventData, screening: Option<ScreeningDoc>) -> Option<ScreeningDoc> {
    match event {
        EventData::ScreeningScheduled(e) => {
            let mut doc = screening.unwrap_or_else(|| ScreeningDoc::new(&e.screening_id));
            doc.details = Some(ScreeningDetails {
                movie_id: e.movie_id.clone(),
                hall_id: e.hall_id.clone(),
                hall_name: e.hall_name.clone(),
                starts_at: e.starts_at.clone(),
                seats_total: e.layout.as_ref().map_or_else(
                    || e.rows.saturating_mul(e.seats_per_row),
                    cinema_events::HallLayout::seat_count,
                ),
                price: Price::from(&e.price),
                prices: e.prices.as_deref().map(prices_of),
                seat_surcharges: e
                    .seat_surcharges
                    .as_deref()
                    .map(surcharges_of)
                    .unwrap_or_default(),
            });
            Some(doc)
        }
        EventData::SeatsAllocated(e) => {
            let mut doc = screening.unwrap_or_else(|| ScreeningDoc::new(&e.screening_id));
            if !doc.released.contains(&e.reservation_id) {
                doc.allocations
                    .insert(e.reservation_id.clone(), e.seats.iter().cloned().collect());
            }
            Some(doc)
        }
        EventData::SeatsReleased(e) => {
            let mut doc = screening.unwrap_or_else(|| ScreeningDoc::new(&e.screening_id));
            doc.allocations.remove(&e.reservation_id);
            doc.released.insert(e.reservation_id.clone());
            Some(doc)
        }
        _ => screening,
    }
}

#[cfg(test)]
mod tests;
