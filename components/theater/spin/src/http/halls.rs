//! `POST /halls`, `GET /halls`, `GET /halls/{id}`.

use cinema_http::{Level, RequestContext, json, parse_json};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;
use theater_core::hall::{Hall, HallName, Layout};
use theater_core::services::halls::HallAdministration;

use super::{HttpResult, ToApiError, open_db};
use crate::outbound::UuidIds;
use crate::store::{SqliteTheater, in_transaction};

#[derive(Deserialize)]
struct NewHallBody {
    name: String,
    rows: i64,
    seats_per_row: i64,
}

#[derive(Serialize)]
pub struct HallView<'a> {
    hall_id: &'a str,
    name: &'a str,
    rows: u32,
    seats_per_row: u32,
    seats_total: u32,
}

impl<'a> From<&'a Hall> for HallView<'a> {
    fn from(hall: &'a Hall) -> Self {
        Self {
            hall_id: hall.id.as_str(),
            name: hall.name.as_str(),
            rows: hall.layout.rows(),
            seats_per_row: hall.layout.seats_per_row(),
            seats_total: hall.layout.seats_total(),
        }
    }
}

pub fn create(req: &Request, ctx: &RequestContext) -> HttpResult {
    let body: NewHallBody = parse_json(req)?;
    let name = HallName::parse(&body.name).map_err(ToApiError::to_api_error)?;
    let layout = Layout::new(body.rows, body.seats_per_row).map_err(ToApiError::to_api_error)?;
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
