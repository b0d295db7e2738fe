//! The API's shapes (`GET /movies`, `GET /movies/{id}`), built from documents.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::documents::{MovieDoc, Price, Prices, ScreeningSummary};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScreeningView {
    pub screening_id: String,
    pub hall_id: String,
    pub hall_name: String,
    pub starts_at: String,
    pub seats_total: u32,
    pub seats_left: u32,
    /// The adult price.
    pub price: Price,
    /// Ticket type → price.
    pub prices: Prices,
    /// Seat kind → surcharge per seat.
    pub seat_surcharges: Prices,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovieView {
    pub movie_id: String,
    pub title: String,
    pub runtime_min: u32,
    pub age_rating: String,
    pub genre: Option<String>,
    pub synopsis: Option<String>,
    pub screenings: Vec<ScreeningView>,
}

/// A movie with its screenings in start order. Screenings whose `ScreeningScheduled` has not
/// been projected yet (only seat events seen) are left out.
pub fn movie_view(movie: &MovieDoc, screenings: &[ScreeningSummary]) -> MovieView {
    let mut views: Vec<(Option<DateTime<Utc>>, ScreeningView)> = screenings
        .iter()
        .filter(|s| movie.screening_ids.contains(&s.screening_id))
        .filter_map(|s| {
            let details = s.details.as_ref()?;
            let view = ScreeningView {
                screening_id: s.screening_id.clone(),
                hall_id: details.hall_id.clone(),
                hall_name: details.hall_name.clone(),
                starts_at: details.starts_at.clone(),
                seats_total: details.seats_total,
                seats_left: s.seats_left?,
                price: details.price.clone(),
                prices: details.ticket_prices(),
                seat_surcharges: details.seat_surcharges.clone(),
            };
            Some((instant(&details.starts_at), view))
        })
        .collect();
    // By instant (offsets may differ), then id; unparsable times last.
    views.sort_by(|(a_at, a), (b_at, b)| {
        (a_at.is_none(), a_at, &a.starts_at, &a.screening_id).cmp(&(
            b_at.is_none(),
            b_at,
            &b.starts_at,
            &b.screening_id,
        ))
    });
    MovieView {
        movie_id: movie.movie_id.clone(),
        title: movie.title.clone(),
        runtime_min: movie.runtime_min,
        age_rating: movie.age_rating().to_string(),
        genre: movie.genre.clone(),
        synopsis: movie.synopsis.clone(),
        screenings: views.into_iter().map(|(_, v)| v).collect(),
    }
}

/// Sorts a listing by title, then movie id.
pub fn sort_listing(movies: &mut [MovieView]) {
    movies.sort_by(|a, b| (&a.title, &a.movie_id).cmp(&(&b.title, &b.movie_id)));
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::documents::{ScreeningDetails, ScreeningDoc};

    fn movie(id: &str, title: &str, screenings: &[&str]) -> MovieDoc {
        MovieDoc {
            movie_id: id.into(),
            title: title.into(),
            runtime_min: 100,
            price: None,
            registered: true,
            screening_ids: screenings.iter().map(|s| (*s).to_string()).collect(),
            age_rating: None,
            genre: None,
            synopsis: None,
        }
    }

    fn screening(id: &str, starts_at: &str) -> ScreeningSummary {
        ScreeningSummary::from(&ScreeningDoc {
            screening_id: id.into(),
            details: Some(ScreeningDetails {
                movie_id: "m1".into(),
                hall_id: "h1".into(),
                hall_name: "Hall 1".into(),
                starts_at: starts_at.into(),
                seats_total: 10,
                price: Price::krw(12_000),
                prices: None,
                seat_surcharges: Prices::new(),
            }),
            allocations: BTreeMap::from([("r1".to_string(), BTreeSet::from(["A1".to_string()]))]),
            released: BTreeSet::new(),
            version: 1,
        })
    }

    #[test]
    fn screenings_are_listed_by_start_instant_with_seats_left() {
        let view = movie_view(
            &movie("m1", "Dune", &["late", "early", "utc"]),
            &[
                screening("late", "2026-12-01T20:00:00Z"),
                screening("early", "2026-12-01T10:00:00Z"),
                // 18:00+09:00 is 09:00Z: earliest
                screening("utc", "2026-12-01T18:00:00+09:00"),
            ],
        );
        let ids: Vec<&str> = view
            .screenings
            .iter()
            .map(|s| s.screening_id.as_str())
            .collect();
        assert_eq!(ids, ["utc", "early", "late"]);
        assert_eq!(view.screenings[0].seats_left, 9);
        assert_eq!(view.screenings[0].seats_total, 10);
    }

    #[test]
    fn a_screening_known_only_from_seat_events_is_not_listed() {
        let mut pending = screening("s2", "2026-12-01T10:00:00Z");
        pending.details = None;
        let view = movie_view(
            &movie("m1", "Dune", &["s1", "s2"]),
            &[screening("s1", "2026-12-01T10:00:00Z"), pending],
        );
        assert_eq!(view.screenings.len(), 1);
    }

    #[test]
    fn movies_are_sorted_by_title_then_id() {
        let mut movies = vec![
            movie_view(&movie("m2", "Dune", &[]), &[]),
            movie_view(&movie("m3", "Alien", &[]), &[]),
            movie_view(&movie("m1", "Dune", &[]), &[]),
        ];
        sort_listing(&mut movies);
        let ids: Vec<&str> = movies.iter().map(|m| m.movie_id.as_str()).collect();
        assert_eq!(ids, ["m3", "m1", "m2"]);
    }

    #[test]
    fn the_view_has_the_api_field_names() {
        let json = serde_json::to_value(movie_view(
            &movie("m1", "Dune", &["s1"]),
            &[screening("s1", "2026-12-01T10:00:00Z")],
        ))
        .unwrap();
        let s = &json["screenings"][0];
        for field in [
            "screening_id",
            "hall_id",
            "starts_at",
            "seats_total",
            "seats_left",
            "price",
            "prices",
            "seat_surcharges",
            "hall_name",
        ] {
            assert!(s.get(field).is_some(), "{field} missing in {s}");
        }
        for field in [
            "movie_id",
            "title",
            "runtime_min",
            "screenings",
            "age_rating",
            "genre",
            "synopsis",
        ] {
            assert!(json.get(field).is_some(), "{field} missing");
        }
        assert_eq!(s["price"]["amount"], 12_000);
    }

    #[test]
    fn a_movie_from_before_ratings_is_all_ages_and_its_screening_sells_adult_tickets_at_its_price()
    {
        let json = serde_json::to_value(movie_view(
            &movie("m1", "Dune", &["s1"]),
            &[screening("s1", "2026-12-01T10:00:00Z")],
        ))
        .unwrap();
        assert_eq!(json["age_rating"], "ALL");
        assert_eq!(json["genre"], serde_json::Value::Null);
        let s = &json["screenings"][0];
        assert_eq!(
            s["prices"],
            serde_json::json!({"adult": {"amount": 12_000, "currency": "KRW"}})
        );
        assert_eq!(s["seat_surcharges"], serde_json::json!({}));
    }

    #[test]
    fn documents_written_before_issue_15_still_read() {
        let movie: MovieDoc = serde_json::from_str(
            r#"{"movie_id": "m1", "title": "Dune", "runtime_min": 155, "price": null,
                "registered": true, "screening_ids": ["s1"]}"#,
        )
        .unwrap();
        assert_eq!(movie.age_rating(), "ALL");
        let doc: ScreeningDoc = serde_json::from_str(
            r#"{"screening_id": "s1", "allocations": {}, "released": [],
                "details": {"movie_id": "m1", "hall_id": "h1", "hall_name": "1관",
                  "starts_at": "2026-12-01T10:00:00Z", "seats_total": 10,
                  "price": {"amount": 12000, "currency": "KRW"}}}"#,
        )
        .unwrap();
        let details = doc.details.unwrap();
        assert_eq!(details.ticket_prices().len(), 1);
        assert!(details.seat_surcharges.is_empty());
    }
}
