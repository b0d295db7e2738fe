//! `POST /halls`, `GET /halls`, `GET /halls/{id}`.

use cinema_http::{ApiError, Level, RequestContext, json, parse_json};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;
use theater_core::hall::{Hall, HallName, Layout};
use theater_core::services::halls::HallAdministration;

use super::{HttpResult, ToApiError, open_db};
use crate::forms::layout::{LayoutBody, LayoutView};
use crate::outbound::UuidIds;
use crate::store::{SqliteTheater, in_transaction};

/// `{"name", "layout"}`, or the old `{"name", "rows", "seats_per_row"}` (all standard).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewHallBody {
    name: String,
    rows: Option<i64>,
    seats_per_row: Option<i64>,
    layout: Option<LayoutBody>,
}

impl NewHallBody {
    fn layout(&self) -> Result<Layout, ApiError> {
        let layout = match (&self.layout, self.rows, self.seats_per_row) {
            (Some(layout), None, None) => layout.to_layout(),
            (Some(_), _, _) => {
                return Err(ApiError::validation(
                    "give either layout or rows and seats_per_row, not both",
                ));
            }
            (None, Some(rows), Some(seats_per_row)) => Layout::rectangular(rows, seats_per_row),
            (None, _, _) => {
                return Err(ApiError::validation(
                    "a hall needs a layout, or rows and seats_per_row",
                ));
            }
        };
        layout.map_err(ToApiError::to_api_error)
    }
}

#[derive(Serialize)]
pub struct HallView<'a> {
    hall_id: &'a str,
    name: &'a str,
    rows: u32,
    seats_per_row: u32,
    seats_total: u32,
    layout: LayoutView,
}

impl<'a> From<&'a Hall> for HallView<'a> {
    fn from(hall: &'a Hall) -> Self {
        Self {
            hall_id: hall.id.as_str(),
            name: hall.name.as_str(),
            rows: hall.layout.rows(),
            seats_per_row: hall.layout.seats_per_row(),
            seats_total: hall.layout.seats_total(),
            layout: LayoutView::from(&hall.layout),
        }
    }
}

pub fn create(req: &Request, ctx: &RequestContext) -> HttpResult {
    let body: NewHallBody = parse_json(req)?;
    let name = HallName::parse(&body.name).map_err(ToApiError::to_api_error)?;
    let layout = body.layout()?;
    let conn = open_db()?;
    let hall = in_transaction(&conn, |tx| {
        let store = SqliteTheater::new(tx);
        HallAdministration {
            halls: &store,
            ids: &UuidIds,
        }
        .create(name, layout)
    })
    .map_err(ToApiError::to_api_error)?;
    cinema_http::log(
        crate::CONTEXT,
        Level::Info,
        "hall created",
        &[
            ("correlation_id", &ctx.correlation_id),
            ("hall_id", hall.id.as_str()),
        ],
    );
    Ok(json(201, &HallView::from(&hall)))
}

pub fn list() -> HttpResult {
    let conn = open_db()?;
    let store = SqliteTheater::new(&conn);
    let halls = HallAdministration {
        halls: &store,
        ids: &UuidIds,
    }
    .list()
    .map_err(ToApiError::to_api_error)?;
    Ok(json(
        200,
        &halls.iter().map(HallView::from).collect::<Vec<_>>(),
    ))
}

pub fn get(id: &str) -> HttpResult {
    let conn = open_db()?;
    let store = SqliteTheater::new(&conn);
    let hall = HallAdministration {
        halls: &store,
        ids: &UuidIds,
    }
    .get(id)
    .map_err(ToApiError::to_api_error)?;
    Ok(json(200, &HallView::from(&hall)))
}
