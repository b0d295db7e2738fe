//! Halls, movies and screenings on SQLite. Layouts, prices and surcharges are stored as the
//! API's JSON forms ([`crate::forms`]) and read back through the same validating constructors;
//! rows from before them (`NULL`) read as a rectangular all-standard layout and adult tickets
//! only at the movie's `price`.

use cinema_eventing::sql::{int, opt_text, text};
use spin_sdk::sqlite3::Row;
use theater_core::StoreError;
use theater_core::hall::{Hall, HallName, Layout};
use theater_core::ids::{HallId, MovieId, ScreeningId};
use theater_core::money::Money;
use theater_core::movie::{
    AgeRating, Blurb, MAX_GENRE_CHARS, MAX_SYNOPSIS_CHARS, Movie, MovieDetails, Runtime, Title,
};
use theater_core::ports::{HallRepository, MovieRepository, ScreeningRepository};
use theater_core::pricing::{SeatSurcharges, TicketPrices};
use theater_core::screening::Screening;
use theater_core::showtime::{Interval, Showtime};

use super::repos::{SqliteTheater, corrupt};
use crate::forms::{layout as layout_json, prices as prices_json};

fn stored(e: impl std::fmt::Display) -> StoreError {
    StoreError::new(e)
}

/// The layout of a `halls` or `screenings` row: its `layout` JSON, else (older rows) the
/// rectangle of `rows_count` × `seats_per_row`.
fn layout_from(row: &Row<'_>) -> Result<Layout, StoreError> {
    if let Some(json) = row.get::<&str>("layout") {
        return layout_json::from_json(json).map_err(stored);
    }
    let rows = row
        .get::<i64>("rows_count")
        .ok_or_else(|| corrupt("layout"))?;
    let seats = row
        .get::<i64>("seats_per_row")
        .ok_or_else(|| corrupt("layout"))?;
    Layout::rectangular(rows, seats).map_err(stored)
}

fn layout_to(layout: &Layout) -> Result<spin_sdk::sqlite3::Value, StoreError> {
    layout_json::to_json(layout).map(text).map_err(stored)
}

fn hall_from(row: &Row<'_>) -> Result<Hall, StoreError> {
    let id = row.get::<&str>("hall_id").ok_or_else(|| corrupt("hall"))?;
    Ok(Hall {
        id: HallId::parse(id).map_err(stored)?,
        name: HallName::parse(row.get::<&str>("name").ok_or_else(|| corrupt("hall"))?)
            .map_err(stored)?,
        layout: layout_from(row)?,
    })
}

/// `prices` + `seat_surcharges` of a row, with the movie's `price_amount` / `price_currency`.
fn prices_from(row: &Row<'_>) -> Result<(TicketPrices, SeatSurcharges), StoreError> {
    let bad = || corrupt("prices");
    let price = Money::new(
        row.get::<i64>("price_amount").ok_or_else(bad)?,
        row.get::<&str>("price_currency").ok_or_else(bad)?,
    )
    .map_err(stored)?;
    Ok((
        prices_json::prices_from_json(row.get::<&str>("prices"), price).map_err(stored)?,
        prices_json::surcharges_from_json(row.get::<&str>("seat_surcharges")).map_err(stored)?,
    ))
}

fn prices_to(
    prices: &TicketPrices,
    surcharges: &SeatSurcharges,
) -> Result<[spin_sdk::sqlite3::Value; 2], StoreError> {
    Ok([
        text(serde_json::to_string(&prices_json::prices_view(prices)).map_err(stored)?),
        text(serde_json::to_string(&prices_json::surcharges_view(surcharges)).map_err(stored)?),
    ])
}

const SCREENING_COLUMNS: &str = "s.screening_id, s.movie_id, s.hall_id, s.starts_at, s.runtime_min,
    s.rows_count, s.seats_per_row, s.layout, s.prices, s.seat_surcharges,
    m.price_amount, m.price_currency";

/// Screenings with their movie's price (for rows from before prices were copied).
const SCREENINGS: &str = "screenings s JOIN movies m ON m.movie_id = s.movie_id";

fn screening_from(row: &Row<'_>) -> Result<Screening, StoreError> {
    let field = |name| row.get::<&str>(name).ok_or_else(|| corrupt("screening"));
    let (prices, surcharges) = prices_from(row)?;
    Ok(Screening {
        id: ScreeningId::parse(field("screening_id")?).map_err(stored)?,
        movie_id: MovieId::parse(field("movie_id")?).map_err(stored)?,
        hall_id: HallId::parse(field("hall_id")?).map_err(stored)?,
        starts_at: Showtime::parse(field("starts_at")?).map_err(stored)?,
        runtime: Runtime::minutes(
            row.get::<i64>("runtime_min")
                .ok_or_else(|| corrupt("screening"))?,
        )
        .map_err(stored)?,
        layout: layout_from(row)?,
        prices,
        surcharges,
    })
}

const HALL_COLUMNS: &str = "hall_id, name, rows_count, seats_per_row, layout";

impl HallRepository for SqliteTheater<'_> {
    fn add_hall(&self, hall: &Hall) -> Result<(), StoreError> {
        self.query(
            "INSERT INTO halls (hall_id, name, rows_count, seats_per_row, layout, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                text(hall.id.as_str()),
                text(hall.name.as_str()),
                int(i64::from(hall.layout.rows())),
                int(i64::from(hall.layout.seats_per_row())),
                layout_to(&hall.layout)?,
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn hall(&self, id: &HallId) -> Result<Option<Hall>, StoreError> {
        let result = self.query(
            &format!("SELECT {HALL_COLUMNS} FROM halls WHERE hall_id = ?"),
            &[text(id.as_str())],
        )?;
        result.rows().next().map(|row| hall_from(&row)).transpose()
    }

    fn halls(&self) -> Result<Vec<Hall>, StoreError> {
        let result = self.query(
            &format!("SELECT {HALL_COLUMNS} FROM halls ORDER BY rowid"),
            &[],
        )?;
        result.rows().map(|row| hall_from(&row)).collect()
    }
}

impl MovieRepository for SqliteTheater<'_> {
    fn add_movie(&self, movie: &Movie) -> Result<(), StoreError> {
        let [prices, surcharges] = prices_to(&movie.prices, &movie.surcharges)?;
        let details = &movie.details;
        self.query(
            "INSERT INTO movies (movie_id, title, runtime_min, price_amount, price_currency, prices,
                                 seat_surcharges, age_rating, genre, synopsis, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                text(movie.id.as_str()),
                text(movie.title.as_str()),
                int(i64::from(movie.runtime.as_minutes())),
                int(movie.prices.adult().amount()),
                text(movie.prices.adult().currency()),
                prices,
                surcharges,
                text(details.age_rating.as_str()),
                opt_text(details.genre.as_ref().map(Blurb::as_str)),
                opt_text(details.synopsis.as_ref().map(Blurb::as_str)),
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn movie(&self, id: &MovieId) -> Result<Option<Movie>, StoreError> {
        let result = self.query(
            "SELECT movie_id, title, runtime_min, price_amount, price_currency, prices,
                    seat_surcharges, age_rating, genre, synopsis
             FROM movies WHERE movie_id = ?",
            &[text(id.as_str())],
        )?;
        let Some(row) = result.rows().next() else {
            return Ok(None);
        };
        let bad = || corrupt("movie");
        let (prices, surcharges) = prices_from(&row)?;
        let blurb = |field, max| {
            row.get::<&str>(field)
                .map(|t| Blurb::parse(field, t, max))
                .transpose()
                .map(Option::flatten)
                .map_err(stored)
        };
        Ok(Some(Movie {
            id: id.clone(),
            title: Title::parse(row.get::<&str>("title").ok_or_else(bad)?).map_err(stored)?,
            runtime: Runtime::minutes(row.get::<i64>("runtime_min").ok_or_else(bad)?)
                .map_err(stored)?,
            prices,
            surcharges,
            details: MovieDetails {
                // Movies from before ratings were never rated: all ages.
                age_rating: row
                    .get::<&str>("age_rating")
                    .map(AgeRating::parse)
                    .transpose()
                    .map_err(stored)?
                    .unwrap_or_default(),
                genre: blurb("genre", MAX_GENRE_CHARS)?,
                synopsis: blurb("synopsis", MAX_SYNOPSIS_CHARS)?,
            },
        }))
    }
}

impl ScreeningRepository for SqliteTheater<'_> {
    fn add_screening(&self, screening: &Screening) -> Result<(), StoreError> {
        let [prices, surcharges] = prices_to(&screening.prices, &screening.surcharges)?;
        self.query(
            "INSERT INTO screenings (screening_id, movie_id, hall_id, starts_at, starts_ms, ends_ms, runtime_min,
                                     rows_count, seats_per_row, layout, prices, seat_surcharges, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                text(screening.id.as_str()),
                text(screening.movie_id.as_str()),
                text(screening.hall_id.as_str()),
                text(screening.starts_at.to_rfc3339()),
                int(screening.starts_at.instant().timestamp_millis()),
                int(screening.ends_at().timestamp_millis()),
                int(i64::from(screening.runtime.as_minutes())),
                int(i64::from(screening.layout.rows())),
                int(i64::from(screening.layout.seats_per_row())),
                layout_to(&screening.layout)?,
                prices,
                surcharges,
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn screening(&self, id: &ScreeningId) -> Result<Option<Screening>, StoreError> {
        let result = self.query(
            &format!("SELECT {SCREENING_COLUMNS} FROM {SCREENINGS} WHERE s.screening_id = ?"),
            &[text(id.as_str())],
        )?;
        result
            .rows()
            .next()
            .map(|row| screening_from(&row))
            .transpose()
    }

    fn screenings_in_hall_during(
        &self,
        hall: &HallId,
        window: Interval,
    ) -> Result<Vec<Screening>, StoreError> {
        // Milliseconds round sub-millisecond times: widen by one on each side; the core decides
        // on exact instants.
        let result = self.query(
            &format!(
                "SELECT {SCREENING_COLUMNS} FROM {SCREENINGS}
                 WHERE s.hall_id = ? AND s.starts_ms < ? AND s.ends_ms > ? ORDER BY s.starts_ms"
            ),
            &[
                text(hall.as_str()),
                int(window.end.timestamp_millis() + 1),
                int(window.start.timestamp_millis() - 1),
            ],
        )?;
        result.rows().map(|row| screening_from(&row)).collect()
    }
}
