//! `GET /screenings/{id}/seats` (public): the seat map — every seat with its status, kind, cell
//! in the drawing and price. `taken` is allocated, or held by a hold that has not expired or been
//! released. `GET /admin/screenings/{id}/seats` (admin): the same plus who has each taken seat.

use cinema_http::json;
use serde::Serialize;
use theater_core::seat_map::{SeatMap, SeatStatus};
use theater_core::services::seat_maps::{Holder, SeatMaps, StaffSeatMap};

use super::{HttpResult, ToApiError, open_db};
use crate::forms::layout::LayoutView;
use crate::forms::prices::{MoneyBody, PricesBody, SurchargesBody, prices_view, surcharges_view};
use crate::outbound::SystemClock;
use crate::store::SqliteTheater;

#[derive(Serialize)]
struct SeatView {
    label: String,
    status: &'static str,
    row: String,
    number: u32,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pair: Option<String>,
    grid_row: u32,
    grid_column: u32,
    /// The adult price plus the seat's surcharge.
    price: MoneyBody,
    /// Staff only: who has a taken seat (`null` for a free one).
    #[serde(skip_serializing_if = "Option::is_none")]
    holder: Option<Option<HolderView>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum HolderView {
    Reservation {
        reservation_id: String,
        booking_number: Option<String>,
    },
    Hold {
        hold: bool,
    },
}

impl From<&Holder> for HolderView {
    fn from(holder: &Holder) -> Self {
        match holder {
            Holder::Reservation {
                reservation_id,
                booking_number,
            } => Self::Reservation {
                reservation_id: reservation_id.to_string(),
                booking_number: booking_number.clone(),
            },
            Holder::Hold => Self::Hold { hold: true },
        }
    }
}

#[derive(Serialize)]
struct SeatMapView<'a> {
    screening_id: &'a str,
    movie_id: &'a str,
    hall_id: &'a str,
    starts_at: String,
    rows: u32,
    seats_per_row: u32,
    grid_rows: u32,
    grid_columns: u32,
    seats_left: u32,
    layout: LayoutView,
    prices: PricesBody,
    seat_surcharges: SurchargesBody,
    seats: Vec<SeatView>,
}

impl<'a> SeatMapView<'a> {
    fn new(map: &'a SeatMap, staff: Option<&StaffSeatMap>) -> Self {
        let screening = &map.screening;
        let layout = &screening.layout;
        let grid = layout.grid();
        let adult = screening.prices.adult();
        let seats = layout
            .cells()
            .into_iter()
            .map(|cell| {
                let status = if map.is_taken(cell.seat) {
                    SeatStatus::Taken
                } else {
                    SeatStatus::Free
                };
                let surcharge = screening.surcharges.amount_for(cell.kind);
                SeatView {
                    label: cell.seat.to_string(),
                    status: status.as_str(),
                    row: cell.seat.letter().to_string(),
                    number: cell.seat.number(),
                    kind: cell.kind.as_str(),
                    pair: cell.pair.map(|p| p.to_string()),
                    grid_row: cell.grid_row,
                    grid_column: cell.grid_column,
                    price: MoneyBody {
                        amount: adult.amount() + surcharge,
                        currency: adult.currency().to_string(),
                    },
                    holder: staff.map(|s| s.holder(cell.seat).map(HolderView::from)),
                }
            })
            .collect();
        Self {
            screening_id: screening.id.as_str(),
            movie_id: screening.movie_id.as_str(),
            hall_id: screening.hall_id.as_str(),
            starts_at: screening.starts_at.to_rfc3339(),
            rows: layout.rows(),
            seats_per_row: layout.seats_per_row(),
            grid_rows: grid.rows,
            grid_columns: grid.columns,
            seats_left: map.seats_left(),
            layout: LayoutView::from(layout),
            prices: prices_view(&screening.prices),
            seat_surcharges: surcharges_view(&screening.surcharges),
            seats,
        }
    }
}

fn seat_maps<'a>(store: &'a SqliteTheater<'a>) -> SeatMaps<'a> {
    SeatMaps {
        screenings: store,
        seats: store,
        holds: store,
        clock: &SystemClock,
    }
}

pub fn get(screening_id: &str) -> HttpResult {
    let conn = open_db()?;
    let store = SqliteTheater::new(&conn);
    let map = seat_maps(&store)
        .public(screening_id)
        .map_err(ToApiError::to_api_error)?;
    Ok(json(200, &SeatMapView::new(&map, None)))
}

pub fn get_for_staff(screening_id: &str) -> HttpResult {
    let conn = open_db()?;
    let store = SqliteTheater::new(&conn);
    let staff = seat_maps(&store)
        .staff(screening_id)
        .map_err(ToApiError::to_api_error)?;
    Ok(json(200, &SeatMapView::new(&staff.map, Some(&staff))))
}
