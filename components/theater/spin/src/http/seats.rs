//! `GET /screenings/{id}/seats`: the seat map (public). `taken` is allocated, or held by a hold
//! that has not expired or been released.

use cinema_http::json;
use serde::Serialize;
use theater_core::services::seat_maps::seat_map;

use super::{HttpResult, ToApiError, open_db};
use crate::outbound::SystemClock;
use crate::store::SqliteTheater;

#[derive(Serialize)]
struct SeatView {
    label: String,
    status: &'static str,
}

#[derive(Serialize)]
struct SeatMapView<'a> {
    screening_id: &'a str,
    movie_id: &'a str,
    hall_id: &'a str,
    starts_at: String,
    rows: u32,
    seats_per_row: u32,
    seats: Vec<SeatView>,
}

pub fn get(screening_id: &str) -> HttpResult {
    let conn = open_db()?;
    let store = SqliteTheater::new(&conn);
    let map = seat_map(&store, &store, &store, &SystemClock, screening_id)
        .map_err(ToApiError::to_api_error)?;
    let screening = &map.screening;
    Ok(json(
        200,
        &SeatMapView {
            screening_id: screening.id.as_str(),
            movie_id: screening.movie_id.as_str(),
            hall_id: screening.hall_id.as_str(),
            starts_at: screening.starts_at.to_rfc3339(),
            rows: screening.layout.rows(),
            seats_per_row: screening.layout.seats_per_row(),
            seats: map
                .seats()
                .into_iter()
                .map(|(label, status)| SeatView {
                    label: label.to_string(),
                    status: status.as_str(),
                })
                .collect(),
        },
    ))
}
