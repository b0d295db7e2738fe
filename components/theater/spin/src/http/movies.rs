//! `POST /movies` (a movie with its first screenings) and `POST /movies/{id}/screenings`.

use cinema_eventing::{Meta, outbox};
use cinema_http::{ApiError, Level, RequestContext, json, parse_json};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;
use theater_core::ValidationError;
use theater_core::ids::HallId;
use theater_core::money::Money;
use theater_core::movie::{
    AgeRating, Blurb, MAX_GENRE_CHARS, MAX_SYNOPSIS_CHARS, Movie, MovieDetails, Runtime, Title,
};
use theater_core::pricing::{SeatSurcharges, TicketPrices};
use theater_core::screening::Screening;
use theater_core::services::scheduling::{RegisterMovie, Scheduling, Showing};
use theater_core::showtime::Showtime;

use super::{HttpResult, ToApiError, open_db};
use crate::config::Config;
use crate::forms::prices::{
    MoneyBody, PricesBody, SurchargesBody, prices_view, seat_surcharges, surcharges_view,
    ticket_prices,
};
use crate::outbound::{OutboxPublisher, SystemClock, UuidIds};
use crate::store::{SqliteTheater, in_transaction};

#[derive(Deserialize)]
struct ShowingBody {
    hall_id: String,
    starts_at: String,
}

#[derive(Deserialize)]
struct RegisterMovieBody {
    title: String,
    runtime_min: i64,
    screenings: Vec<ShowingBody>,
    /// The adult price; may be left out when `prices` has `adult`.
    price: Option<MoneyBody>,
    prices: Option<PricesBody>,
    seat_surcharges: Option<SurchargesBody>,
    age_rating: Option<String>,
    genre: Option<String>,
    synopsis: Option<String>,
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
    price: MoneyBody,
    prices: PricesBody,
    seat_surcharges: SurchargesBody,
    age_rating: &'static str,
    genre: Option<&'a str>,
    synopsis: Option<&'a str>,
    screenings: Vec<ScreeningView>,
}

impl<'a> MovieView<'a> {
    fn new(movie: &'a Movie, screenings: &[Screening]) -> Self {
        Self {
            movie_id: movie.id.as_str(),
            title: movie.title.as_str(),
            runtime_min: movie.runtime.as_minutes(),
            price: MoneyBody::from(movie.prices.adult()),
            prices: prices_view(&movie.prices),
            seat_surcharges: surcharges_view(&movie.surcharges),
            age_rating: movie.details.age_rating.as_str(),
            genre: movie.details.genre.as_ref().map(Blurb::as_str),
            synopsis: movie.details.synopsis.as_ref().map(Blurb::as_str),
            screenings: screenings.iter().map(ScreeningView::from).collect(),
        }
    }
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
    let showings = body
        .screenings
        .iter()
        .enumerate()
        .map(|(i, s)| showing(Some(i), s))
        .collect::<Result<Vec<_>, _>>()?;
    let (prices, surcharges, details) = pricing(body).map_err(ToApiError::to_api_error)?;
    Ok(RegisterMovie::new(title, runtime, prices, showings)
        .map_err(ToApiError::to_api_error)?
        .with_surcharges(surcharges)
        .with_details(details))
}

fn pricing(
    body: &RegisterMovieBody,
) -> Result<(TicketPrices, SeatSurcharges, MovieDetails), ValidationError> {
    let price = body
        .price
        .as_ref()
        .map(|p| Money::ticket("price", p.amount, &p.currency))
        .transpose()?;
    let prices = body.prices.as_ref().map(ticket_prices).transpose()?;
    let prices = TicketPrices::resolve(price, prices)?;
    let surcharges = body
        .seat_surcharges
        .as_ref()
        .map(seat_surcharges)
        .transpose()?
        .unwrap_or_default();
    let blurb = |field, text: &Option<String>, max| {
        text.as_deref()
            .map(|t| Blurb::parse(field, t, max))
            .transpose()
            .map(Option::flatten)
    };
    let details = MovieDetails {
        age_rating: body
            .age_rating
            .as_deref()
            .map(AgeRating::parse)
            .transpose()?
            .unwrap_or_default(),
        genre: blurb("genre", &body.genre, MAX_GENRE_CHARS)?,
        synopsis: blurb("synopsis", &body.synopsis, MAX_SYNOPSIS_CHARS)?,
    };
    Ok((prices, surcharges, details))
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
    Ok(json(201, &MovieView::new(movie, &registered.screenings)))
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
