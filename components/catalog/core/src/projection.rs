//! The projection: pure, idempotent functions from (event, document) to document.
//!
//! Every function can be applied any number of times and in any order relative to the others
//! and still reach the same documents (given the theater's rules: a reservation is allocated at
//! most once and a released reservation is never allocated again):
//! - `MovieRegistered` sets the movie's facts; `ScreeningScheduled` adds the screening to its
//!   movie (creating the movie from the event's title and runtime if it came first);
//! - `SeatsAllocated` puts the reservation's seats in the screening's allocation map, unless
//!   the reservation was already released; `SeatsReleased` removes it and remembers the release.

use std::collections::BTreeSet;

use cinema_events::EventData;

use crate::documents::{MovieDoc, MovieIndex, Price, ScreeningDetails, ScreeningDoc};

/// A document an event changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Screening(String),
    Movie(String),
    Index,
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
            });
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
                seats_total: e.rows.saturating_mul(e.seats_per_row),
                price: Price::from(&e.price),
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
mod tests {
    use cinema_events::{
        Money, MovieRegistered, ScreeningScheduled, SeatsAllocated, SeatsReleased,
    };

    use super::*;

    fn scheduled(screening: &str, movie: &str, rows: u32, per_row: u32) -> EventData {
        EventData::ScreeningScheduled(ScreeningScheduled {
            screening_id: screening.into(),
            movie_id: movie.into(),
            movie_title: "Dune".into(),
            runtime_min: 155,
            hall_id: "h1".into(),
            hall_name: "Hall 1".into(),
            starts_at: "2026-12-01T10:00:00Z".into(),
            rows,
            seats_per_row: per_row,
            price: Money {
                amount: 12_000,
                currency: "KRW".into(),
            },
            layout: None,
            prices: None,
            seat_surcharges: None,
            age_rating: None,
        })
    }

    fn registered(movie: &str, title: &str) -> EventData {
        EventData::MovieRegistered(MovieRegistered {
            movie_id: movie.into(),
            title: title.into(),
            runtime_min: 155,
            price: Money {
                amount: 12_000,
                currency: "KRW".into(),
            },
            age_rating: None,
            genre: None,
            synopsis: None,
            prices: None,
            seat_surcharges: None,
        })
    }

    fn allocated(reservation: &str, seats: &[&str]) -> EventData {
        EventData::SeatsAllocated(SeatsAllocated {
            reservation_id: reservation.into(),
            screening_id: "s1".into(),
            seats: seats.iter().map(|s| (*s).to_string()).collect(),
        })
    }

    fn released(reservation: &str, seats: &[&str]) -> EventData {
        EventData::SeatsReleased(SeatsReleased {
            reservation_id: reservation.into(),
            screening_id: "s1".into(),
            seats: seats.iter().map(|s| (*s).to_string()).collect(),
        })
    }

    fn project_screening(events: &[&EventData]) -> ScreeningDoc {
        events
            .iter()
            .fold(None, |doc, e| apply_to_screening(e, doc))
            .expect("a screening document")
    }

    /// The document without its version (which counts the changes, so depends on the order).
    fn content(mut doc: ScreeningDoc) -> ScreeningDoc {
        doc.version = 0;
        doc
    }

    #[test]
    fn every_change_bumps_the_version_and_a_duplicate_does_not() {
        let s = scheduled("s1", "m1", 2, 3);
        let a = allocated("r1", &["A1"]);
        assert_eq!(project_screening(&[&s]).version, 1);
        assert_eq!(project_screening(&[&s, &a]).version, 2);
        assert_eq!(project_screening(&[&s, &a, &a, &s]).version, 2);
        assert_eq!(
            project_screening(&[&s, &a, &released("r1", &["A1"])]).version,
            3
        );
    }

    #[test]
    fn a_scheduled_screening_has_all_its_seats_left() {
        let doc = project_screening(&[&scheduled("s1", "m1", 2, 3)]);
        assert_eq!(doc.seats_left(), Some(6));
    }

    #[test]
    fn an_allocation_lowers_seats_left_and_a_duplicate_changes_nothing() {
        let s = scheduled("s1", "m1", 2, 3);
        let a = allocated("r1", &["A1", "A2"]);
        let once = project_screening(&[&s, &a]);
        let twice = project_screening(&[&s, &a, &a]);
        assert_eq!(once.seats_left(), Some(4));
        assert_eq!(once, twice);
    }

    #[test]
    fn a_release_restores_the_seats_and_a_duplicate_release_changes_nothing() {
        let s = scheduled("s1", "m1", 2, 3);
        let a = allocated("r1", &["A1", "A2"]);
        let r = released("r1", &["A1", "A2"]);
        let doc = project_screening(&[&s, &a, &r, &r]);
        assert_eq!(doc.seats_left(), Some(6));
        assert_eq!(doc, project_screening(&[&s, &a, &r]));
    }

    #[test]
    fn a_release_that_overtakes_its_allocation_keeps_the_seats_free() {
        let s = scheduled("s1", "m1", 2, 3);
        let a = allocated("r1", &["A1", "A2"]);
        let r = released("r1", &["A1", "A2"]);
        let doc = project_screening(&[&s, &r, &a]);
        assert_eq!(doc.seats_left(), Some(6));
        assert_eq!(content(doc), content(project_screening(&[&s, &a, &r])));
    }

    #[test]
    fn seat_events_before_the_screening_itself_are_kept_and_counted_once_it_arrives() {
        let s = scheduled("s1", "m1", 2, 3);
        let a = allocated("r1", &["A1"]);
        let early = project_screening(&[&a]);
        assert_eq!(early.seats_left(), None);
        let doc = project_screening(&[&a, &s]);
        assert_eq!(doc.seats_left(), Some(5));
        assert_eq!(content(doc), content(project_screening(&[&s, &a])));
    }

    #[test]
    fn every_order_of_the_same_events_gives_the_same_document() {
        let events = [
            scheduled("s1", "m1", 1, 4),
            allocated("r1", &["A1"]),
            allocated("r2", &["A2", "A3"]),
            released("r1", &["A1"]),
            allocated("r3", &["A1"]),
        ];
        let expected = content(project_screening(&events.iter().collect::<Vec<_>>()));
        assert_eq!(expected.seats_left(), Some(1));
        // All 120 orders, each event also delivered twice.
        let mut order: Vec<usize> = (0..events.len()).collect();
        for_each_permutation(&mut order, 0, &mut |perm| {
            let mut sequence: Vec<&EventData> = perm.iter().map(|i| &events[*i]).collect();
            sequence.extend(perm.iter().rev().map(|i| &events[*i]));
            assert_eq!(
                content(project_screening(&sequence)),
                expected,
                "order {perm:?}"
            );
        });
    }

    fn for_each_permutation(items: &mut Vec<usize>, k: usize, visit: &mut dyn FnMut(&[usize])) {
        if k == items.len() {
            visit(items);
            return;
        }
        for i in k..items.len() {
            items.swap(k, i);
            for_each_permutation(items, k + 1, visit);
            items.swap(k, i);
        }
    }

    #[test]
    fn seats_left_never_goes_below_zero_or_above_the_total() {
        let s = scheduled("s1", "m1", 1, 2);
        let doc = project_screening(&[
            &s,
            &allocated("r1", &["A1", "A2"]),
            &allocated("r2", &["A1", "A3"]),
        ]);
        assert_eq!(doc.seats_left(), Some(0));
        let doc = project_screening(&[&s, &released("r9", &["A1"])]);
        assert_eq!(doc.seats_left(), Some(2));
    }

    #[test]
    fn a_seat_held_twice_by_mistake_counts_once() {
        let s = scheduled("s1", "m1", 1, 4);
        let doc = project_screening(&[&s, &allocated("r1", &["A1"]), &allocated("r2", &["A1"])]);
        assert_eq!(doc.seats_left(), Some(3));
    }

    #[test]
    fn a_screening_that_arrives_before_its_movie_creates_the_movie_from_its_title() {
        let s = scheduled("s1", "m1", 2, 3);
        let movie = apply_to_movie(&s, None).unwrap();
        assert_eq!(movie.title, "Dune");
        assert!(!movie.registered);
        assert_eq!(movie.screening_ids.iter().collect::<Vec<_>>(), ["s1"]);
        let movie = apply_to_movie(&registered("m1", "Dune: Part Two"), Some(movie)).unwrap();
        assert!(movie.registered);
        assert_eq!(movie.title, "Dune: Part Two");
        assert_eq!(movie.screening_ids.len(), 1);
    }

    #[test]
    fn movie_events_are_idempotent_in_any_order() {
        let r = registered("m1", "Dune");
        let s1 = scheduled("s1", "m1", 2, 3);
        let s2 = scheduled("s2", "m1", 2, 3);
        let fold = |events: &[&EventData]| {
            events
                .iter()
                .fold(None, |doc, e| apply_to_movie(e, doc))
                .unwrap()
        };
        let expected = fold(&[&r, &s1, &s2]);
        assert_eq!(fold(&[&s2, &s1, &r]), expected);
        assert_eq!(fold(&[&s1, &r, &s1, &s2, &r]), expected);
    }

    #[test]
    fn the_index_collects_movie_ids_once() {
        let index = [
            registered("m1", "A"),
            scheduled("s1", "m1", 1, 1),
            scheduled("s2", "m2", 1, 1),
        ]
        .iter()
        .fold(None, |doc, e| apply_to_index(e, doc))
        .unwrap();
        assert_eq!(index.movie_ids.iter().collect::<Vec<_>>(), ["m1", "m2"]);
    }

    #[test]
    fn events_the_catalog_does_not_project_touch_nothing() {
        let other = EventData::ReservationConfirmed(cinema_events::ReservationConfirmed {
            reservation_id: "r".into(),
            customer_id: "c".into(),
            screening_id: "s1".into(),
            seats: vec![],
            booking_number: None,
        });
        assert!(targets(&other).is_empty());
        assert_eq!(apply_to_screening(&other, None), None);
        assert_eq!(apply_to_movie(&other, None), None);
        assert_eq!(apply_to_index(&other, None), None);
    }

    #[test]
    fn a_screening_is_written_before_its_movie_and_the_index() {
        assert_eq!(
            targets(&scheduled("s1", "m1", 1, 1)),
            [
                Target::Screening("s1".into()),
                Target::Movie("m1".into()),
                Target::Index
            ]
        );
    }
}
