//! The staff programme (`GET /admin/programme`): the screenings of a time window with their
//! sales, grouped by movie — all from the catalog's own documents.

use chrono::{DateTime, Duration, Utc};
use serde::{Serialize, Serializer};

use crate::StoreError;
use crate::documents::{MovieDoc, Price, ScreeningDetails};
use crate::ports::CatalogReader;
use crate::sales::SalesFigures;

/// The start instants shown: `from` ≤ starts_at < `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgrammeWindow {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("{0} must be an RFC 3339 instant with an offset, e.g. 2026-12-06T10:00:00+09:00")]
    NotAnInstant(&'static str),
    #[error("to must be later than from")]
    Empty,
}

impl ProgrammeWindow {
    /// How far back `from` reaches by default.
    pub const LOOK_BACK: Duration = Duration::days(1);
    /// How long the window is when `to` is not given.
    pub const LENGTH: Duration = Duration::days(14);

    /// `from` defaults to `now` − 1 day, `to` to `from` + 14 days.
    ///
    /// # Errors
    /// A bound that is not an RFC 3339 instant with an offset, or `to` not after `from`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self, WindowError> {
        let from = match from {
            Some(text) => instant(text).ok_or(WindowError::NotAnInstant("from"))?,
            None => now - Self::LOOK_BACK,
        };
        let to = match to {
            Some(text) => instant(text).ok_or(WindowError::NotAnInstant("to"))?,
            None => from + Self::LENGTH,
        };
        if to <= from {
            return Err(WindowError::Empty);
        }
        Ok(Self { from, to })
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A percentage with one decimal, kept in tenths (serialised as a number: `33.3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent {
    tenths: u64,
}

impl Percent {
    /// `part` / `whole` × 100, rounded half up to one decimal; 0 of nothing is 0.
    pub fn of(part: u32, whole: u32) -> Self {
        let (part, whole) = (u64::from(part), u64::from(whole));
        let tenths = if whole == 0 {
            0
        } else {
            (part * 2000 + whole) / (2 * whole)
        };
        Self { tenths }
    }

    pub fn tenths(self) -> u64 {
        self.tenths
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Exact for any count of seats a hall can have.
        #[allow(clippy::cast_precision_loss)]
        serializer.serialize_f64(self.tenths as f64 / 10.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeScreening {
    pub screening_id: String,
    pub hall_id: String,
    pub hall_name: String,
    pub starts_at: String,
    pub seats_total: u32,
    pub seats_sold: u32,
    pub seats_held: u32,
    pub occupancy_pct: Percent,
    pub takings: Price,
    pub refunds: Price,
    pub bookings: u32,
}

impl ProgrammeScreening {
    fn new(screening_id: &str, details: &ScreeningDetails, sales: &SalesFigures) -> Self {
        Self {
            screening_id: screening_id.to_string(),
            hall_id: details.hall_id.clone(),
            hall_name: details.hall_name.clone(),
            starts_at: details.starts_at.clone(),
            seats_total: details.seats_total,
            seats_sold: sales.seats_sold,
            seats_held: sales.seats_held,
            occupancy_pct: Percent::of(sales.seats_sold, details.seats_total),
            takings: Price::krw(sales.takings),
            refunds: Price::krw(sales.refunds),
            bookings: sales.bookings,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeMovie {
    pub movie_id: String,
    pub title: String,
    pub age_rating: String,
    pub screenings: Vec<ProgrammeScreening>,
}

pub struct ProgrammeQuery<'a> {
    pub reader: &'a dyn CatalogReader,
}

impl ProgrammeQuery<'_> {
    /// The movies with a screening starting in `window`, each with those screenings by start
    /// instant (then id); movies by their first such screening, then title, then id.
    ///
    /// # Errors
    /// Storage failure.
    pub fn programme(&self, window: &ProgrammeWindow) -> Result<Vec<ProgrammeMovie>, StoreError> {
        let index = self.reader.movie_index()?.unwrap_or_default();
        let mut movies = Vec::new();
        for movie_id in &index.movie_ids {
            let Some(movie) = self.reader.movie(movie_id)? else {
                continue;
            };
            let screenings = self.screenings(&movie, window)?;
            if let Some((first, _)) = screenings.first() {
                movies.push((*first, programme_movie(&movie, screenings)));
            }
        }
        movies.sort_by(|(a_at, a), (b_at, b)| {
            (a_at, &a.title, &a.movie_id).cmp(&(b_at, &b.title, &b.movie_id))
        });
        Ok(movies.into_iter().map(|(_, m)| m).collect())
    }

    /// The movie's screenings in the window, sorted, with their start instants.
    fn screenings(
        &self,
        movie: &MovieDoc,
        window: &ProgrammeWindow,
    ) -> Result<Vec<(DateTime<Utc>, ProgrammeScreening)>, StoreError> {
        let mut found = Vec::new();
        for id in &movie.screening_ids {
            let Some(summary) = self.reader.screening_summary(id)? else {
                continue;
            };
            let Some(details) = &summary.details else {
                continue;
            };
            let Some(at) = instant(&details.starts_at).filter(|at| window.contains(*at)) else {
                continue;
            };
            let sales = self
                .reader
                .sales(id)?
                .map(|s| s.figures())
                .unwrap_or_default();
            found.push((at, ProgrammeScreening::new(id, details, &sales)));
        }
        found.sort_by(|(a_at, a), (b_at, b)| (a_at, &a.screening_id).cmp(&(b_at, &b.screening_id)));
        Ok(found)
    }
}

fn programme_movie(
    movie: &MovieDoc,
    screenings: Vec<(DateTime<Utc>, ProgrammeScreening)>,
) -> ProgrammeMovie {
    ProgrammeMovie {
        movie_id: movie.movie_id.clone(),
        title: movie.title.clone(),
        age_rating: movie.age_rating().to_string(),
        screenings: screenings.into_iter().map(|(_, s)| s).collect(),
    }
}

#[cfg(test)]
mod tests;
