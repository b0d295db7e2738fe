//! `POST /movies` (a movie with its first screenings) and `POST /movies/{id}/screenings`.

use cinema_eventing::{Meta, outbox};
use cinema_http::{ApiError, Level, RequestContext, json, parse_json};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;
use theater_core::ValidationError;
use theater_core::ids::HallId;
use theater_core::money::Money;
use theater_core::movie::{Runtime, Title};
use theater_core::screening::Screening;
use theater_core::services::scheduling::{RegisterMovie, Scheduling, Showing};
use theater_core::showtime::Showtime;

use super::{HttpResult, ToApiError, open_db};
use crate::config::Config;
use crate::outbound::{OutboxPublisher, SystemClock, UuidIds};
use crate::store::{SqliteTheater, in_transaction};

#[derive(Deserialize)]
struct ShowingBody {
    hall_id: String,
    starts_at: String,
}

#[derive(Deserialize)]
struct PriceBody {
    amount: i64,
    currency: String,
}

#[derive(Deserialize)]
struct RegisterMovieBody {
    title: String,
    runtime_min: i64,
    screenings: Vec<ShowingBody>,
    price: PriceBody,
}

#[derive(Serialize)]
struct PriceView<'a> {
    amount: i64,
    currency: &'a str,
}

#[derive(Serialize)]
struct ScreeningView {
    screening_id: String,
    movie_id: String,
    hall_id: String,
    starts_at: String,
    ends_at: String,
    seats_total: u32,
}

impl From<&Screening> for ScreeningView {
    fn from(s: &Screening) -> Self {
        Self {
            screening_id: s.id.to_string(),
            movie_id: s.movie_id.to_string(),
            hall_id: s.hall_id.to_string(),
            starts_at: s.starts_at.to_rfc3339(),
            ends_at: Showtime::from_utc(s.ends_at()).to_rfc3339(),
            seats_total: s.layout.seats_total(),
        }
    }
}

#[derive(Serialize)]
struct MovieView<'a> {
    movie_id: &'a str,
    title: &'a str,
    runtime_min: u32,
    price: PriceView<'a>,
    screenings: Vec<ScreeningView>,
}

/// Names the offending field: `screenings[1].starts_at …`.
fn showing(index: Option<usize>, body: &ShowingBody) -> Result<Showing, ApiError> {
    let at = |e: ValidationError| match index {
        Some(i) => ApiError::validation(format!("screenings[{i}]: {}", e.message())),
        None => e.to_api_error(),
    };
    Ok(Showing {
        hall_id: HallId::parse(body.hall_id.clone()).map_err(at)?,
        starts_at: Showtime::parse(&body.starts_at).map_err(at)?,
    })
}

fn command(body: &RegisterMovieBody) -> Result<RegisterMovie, ApiError> {
    let title = Title::parse(&body.title).map_err(ToApiError::to_api_error)?;
    let runtime = Runtime::minutes(body.runtime_min).map_err(ToApiError::to_api_error)?;
    let price =
        Money::new(body.price.amount, &body.price.currency).map_err(ToApiError::to_api_error)?;
    let showings = body
        .screenings
        .iter()
        .enumerate()
        .map(|(i, s)| showing(Some(i), s))
        .collect::<Result<Vec<_>, _>>()?;
    RegisterMovie::new(title, runtime, price, showings).map_err(ToApiError::to_api_error)
}

pub fn register(req: &Request, ctx: &RequestContext) -> HttpResult {
    let body: RegisterMovieBody = parse_json(req)?;
    let command = command(&body)?;
    let config = Config::load();
    let conn = open_db()?;
    let registered = in_transaction(&conn, |tx| {
        let store = SqliteTheater::new(tx);
        let events = OutboxPublisher {
            conn: tx,
            meta: Meta::new(&ctx.correlation_id),
        };
        scheduling(&store, &events, &config).register_movie(command)
    })
    .map_err(ToApiError::to_api_error)?;
    outbox::relay_best_effort(
        &conn,
        &config.redis_address,
        crate::CONTEXT,
        &ctx.correlation_id,
    );
    let movie = &registered.movie;
    cinema_http::log(
        crate::CONTEXT,
        Level::Info,
        &format!(
            "movie registered with {} screening(s)",
            registered.screenings.len()
        ),
        &[
            ("correlation_id", &ctx.correlation_id),
            ("movie_id", movie.id.as_str()),
        ],
    );
    Ok(json(
        201,
        &MovieView {
            movie_id: movie.id.as_str(),
            title: movie.title.as_str(),
            runtime_min: movie.runtime.as_minutes(),
            price: PriceView {
                amount: movie.price.amount(),
                currency: movie.price.currency(),
            },
            screenings: registered
                .screenings
                .iter()
                .map(ScreeningView::from)
                .collect(),
        },
    ))
}

pub fn schedule(req: &Request, ctx: &RequestContext, movie_id: &str) -> HttpResult {
    let body: ShowingBody = parse_json(req)?;
    let showing = showing(None, &body)?;
    let config = Config::load();
    let conn = open_db()?;
    let screening = in_transaction(&conn, |tx| {
        let store = SqliteTheater::new(tx);
        let events = OutboxPublisher {
            conn: tx,
            meta: Meta::new(&ctx.correlation_id),
        };
        scheduling(&store, &events, &config).schedule_screening(movie_id, showing)
    })
    .map_err(ToApiError::to_api_error)?;
    outbox::relay_best_effort(
        &conn,
        &config.redis_address,
        crate::CONTEXT,
        &ctx.correlation_id,
    );
    cinema_http::log(
        crate::CONTEXT,
        Level::Info,
        "screening scheduled",
        &[
            ("correlation_id", &ctx.correlation_id),
            ("screening_id", screening.id.as_str()),
        ],
    );
    Ok(json(201, &ScreeningView::from(&screening)))
}

fn scheduling<'a>(
    store: &'a SqliteTheater<'a>,
    events: &'a OutboxPublisher<'a>,
    config: &Config,
) -> Scheduling<'a> {
    Scheduling {
        halls: store,
        movies: store,
        screenings: store,
        events,
        clock: &SystemClock,
        ids: &UuidIds,
        cleaning_gap: config.cleaning_gap,
    }
}
