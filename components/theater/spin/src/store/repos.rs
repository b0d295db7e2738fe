//! The core's repositories on one SQLite connection.

use std::collections::BTreeSet;

use cinema_eventing::sql::{exec, int, text};
use cinema_events::RejectionReason;
use spin_sdk::sqlite3::{Connection, QueryResult, Value};
use theater_core::StoreError;
use theater_core::allocation::{ReservationRecord, ReservationState};
use theater_core::hall::{Hall, HallName, Layout};
use theater_core::ids::{HallId, MovieId, ReservationId, ScreeningId};
use theater_core::money::Money;
use theater_core::movie::{Movie, Runtime, Title};
use theater_core::ports::{
    HallRepository, MovieRepository, ReservationLedger, ScreeningRepository, SeatInventory,
};
use theater_core::screening::Screening;
use theater_core::seat::SeatLabel;
use theater_core::showtime::{Interval, Showtime};

/// Every repository of the theater on one connection; inside a transaction when the caller
/// opened one.
pub struct SqliteTheater<'a> {
    conn: &'a Connection,
}

impl<'a> SqliteTheater<'a> {
    pub fn new(conn: &'a Connection) -> Self {
        Self { conn }
    }

    pub(super) fn query(&self, sql: &str, params: &[Value]) -> Result<QueryResult, StoreError> {
        exec(self.conn, sql, params).map_err(StoreError::new)
    }
}

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::new(format!("unreadable {what} row"))
}

fn hall_from(row: &spin_sdk::sqlite3::Row<'_>) -> Result<Hall, StoreError> {
    let id = row.get::<&str>("hall_id").ok_or_else(|| corrupt("hall"))?;
    Ok(Hall {
        id: HallId::parse(id).map_err(StoreError::new)?,
        name: HallName::parse(row.get::<&str>("name").ok_or_else(|| corrupt("hall"))?)
            .map_err(StoreError::new)?,
        layout: layout_from(row)?,
    })
}

fn layout_from(row: &spin_sdk::sqlite3::Row<'_>) -> Result<Layout, StoreError> {
    let rows = row
        .get::<i64>("rows_count")
        .ok_or_else(|| corrupt("layout"))?;
    let seats = row
        .get::<i64>("seats_per_row")
        .ok_or_else(|| corrupt("layout"))?;
    Layout::new(rows, seats).map_err(StoreError::new)
}

const SCREENING_COLUMNS: &str =
    "screening_id, movie_id, hall_id, starts_at, runtime_min, rows_count, seats_per_row";

fn screening_from(row: &spin_sdk::sqlite3::Row<'_>) -> Result<Screening, StoreError> {
    let field = |name| row.get::<&str>(name).ok_or_else(|| corrupt("screening"));
    Ok(Screening {
        id: ScreeningId::parse(field("screening_id")?).map_err(StoreError::new)?,
        movie_id: MovieId::parse(field("movie_id")?).map_err(StoreError::new)?,
        hall_id: HallId::parse(field("hall_id")?).map_err(StoreError::new)?,
        starts_at: Showtime::parse(field("starts_at")?).map_err(StoreError::new)?,
        runtime: Runtime::minutes(
            row.get::<i64>("runtime_min")
                .ok_or_else(|| corrupt("screening"))?,
        )
        .map_err(StoreError::new)?,
        layout: layout_from(row)?,
    })
}

impl HallRepository for SqliteTheater<'_> {
    fn add_hall(&self, hall: &Hall) -> Result<(), StoreError> {
        self.query(
            "INSERT INTO halls (hall_id, name, rows_count, seats_per_row, created_at) VALUES (?, ?, ?, ?, ?)",
            &[
                text(hall.id.as_str()),
                text(hall.name.as_str()),
                int(i64::from(hall.layout.rows())),
                int(i64::from(hall.layout.seats_per_row())),
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn hall(&self, id: &HallId) -> Result<Option<Hall>, StoreError> {
        let result = self.query(
            "SELECT hall_id, name, rows_count, seats_per_row FROM halls WHERE hall_id = ?",
            &[text(id.as_str())],
        )?;
        result.rows().next().map(|row| hall_from(&row)).transpose()
    }

    fn halls(&self) -> Result<Vec<Hall>, StoreError> {
        let result = self.query(
            "SELECT hall_id, name, rows_count, seats_per_row FROM halls ORDER BY rowid",
            &[],
        )?;
        result.rows().map(|row| hall_from(&row)).collect()
    }
}

impl MovieRepository for SqliteTheater<'_> {
    fn add_movie(&self, movie: &Movie) -> Result<(), StoreError> {
        self.query(
            "INSERT INTO movies (movie_id, title, runtime_min, price_amount, price_currency, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                text(movie.id.as_str()),
                text(movie.title.as_str()),
                int(i64::from(movie.runtime.as_minutes())),
                int(movie.price.amount()),
                text(movie.price.currency()),
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn movie(&self, id: &MovieId) -> Result<Option<Movie>, StoreError> {
        let result = self.query(
            "SELECT movie_id, title, runtime_min, price_amount, price_currency FROM movies WHERE movie_id = ?",
            &[text(id.as_str())],
        )?;
        let Some(row) = result.rows().next() else {
            return Ok(None);
        };
        let bad = || corrupt("movie");
        Ok(Some(Movie {
            id: id.clone(),
            title: Title::parse(row.get::<&str>("title").ok_or_else(bad)?)
                .map_err(StoreError::new)?,
            runtime: Runtime::minutes(row.get::<i64>("runtime_min").ok_or_else(bad)?)
                .map_err(StoreError::new)?,
            price: Money::new(
                row.get::<i64>("price_amount").ok_or_else(bad)?,
                row.get::<&str>("price_currency").ok_or_else(bad)?,
            )
            .map_err(StoreError::new)?,
        }))
    }
}

impl ScreeningRepository for SqliteTheater<'_> {
    fn add_screening(&self, screening: &Screening) -> Result<(), StoreError> {
        self.query(
            "INSERT INTO screenings (screening_id, movie_id, hall_id, starts_at, starts_ms, ends_ms, runtime_min,
                                     rows_count, seats_per_row, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn screening(&self, id: &ScreeningId) -> Result<Option<Screening>, StoreError> {
        let result = self.query(
            &format!("SELECT {SCREENING_COLUMNS} FROM screenings WHERE screening_id = ?"),
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
                "SELECT {SCREENING_COLUMNS} FROM screenings
                 WHERE hall_id = ? AND starts_ms < ? AND ends_ms > ? ORDER BY starts_ms"
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

/// The `seat` column of `result` as labels of `layout`. Inserted one by one: `collect` into a
/// set would sort first, linking a stable sort into the component.
fn seat_set(result: &QueryResult, layout: &Layout) -> Result<BTreeSet<SeatLabel>, StoreError> {
    let mut taken = BTreeSet::new();
    for row in result.rows() {
        let label = row
            .get::<&str>("seat")
            .ok_or_else(|| corrupt("seat allocation"))?;
        taken.insert(SeatLabel::parse(label, layout).map_err(StoreError::new)?);
    }
    Ok(taken)
}

impl SeatInventory for SqliteTheater<'_> {
    fn taken_seats(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
    ) -> Result<BTreeSet<SeatLabel>, StoreError> {
        let result = self.query(
            "SELECT seat FROM seat_allocations WHERE screening_id = ?",
            &[text(screening.as_str())],
        )?;
        seat_set(&result, layout)
    }

    fn taken_among(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
        seats: &[SeatLabel],
    ) -> Result<BTreeSet<SeatLabel>, StoreError> {
        if seats.is_empty() {
            return Ok(BTreeSet::new());
        }
        let placeholders = vec!["?"; seats.len()].join(", ");
        let mut params = vec![text(screening.as_str())];
        params.extend(seats.iter().map(|seat| text(seat.to_string())));
        let result = self.query(
            &format!(
                "SELECT seat FROM seat_allocations WHERE screening_id = ? AND seat IN ({placeholders})"
            ),
            &params,
        )?;
        seat_set(&result, layout)
    }

    fn hold(
        &self,
        screening: &ScreeningId,
        reservation: &ReservationId,
        seats: &[SeatLabel],
    ) -> Result<(), StoreError> {
        let now = cinema_http::now_rfc3339();
        for seat in seats {
            // The primary key refuses a seat already held, whatever the decision said.
            self.query(
                "INSERT INTO seat_allocations (screening_id, seat, reservation_id, allocated_at) VALUES (?, ?, ?, ?)",
                &[text(screening.as_str()), text(seat.to_string()), text(reservation.as_str()), text(now.as_str())],
            )?;
        }
        Ok(())
    }

    fn release(&self, reservation: &ReservationId) -> Result<(), StoreError> {
        self.query(
            "DELETE FROM seat_allocations WHERE reservation_id = ?",
            &[text(reservation.as_str())],
        )?;
        Ok(())
    }
}

impl ReservationLedger for SqliteTheater<'_> {
    fn reservation(&self, id: &ReservationId) -> Result<Option<ReservationRecord>, StoreError> {
        let result = self.query(
            "SELECT screening_id, seats, state, reason FROM reservations WHERE reservation_id = ?",
            &[text(id.as_str())],
        )?;
        let Some(row) = result.rows().next() else {
            return Ok(None);
        };
        let bad = || corrupt("reservation");
        let seats: Vec<String> =
            serde_json::from_slice(row.get::<&str>("seats").ok_or_else(bad)?.as_bytes())
                .map_err(|_| bad())?;
        let state = state_from(
            row.get::<&str>("state").ok_or_else(bad)?,
            row.get::<&str>("reason"),
        )
        .ok_or_else(bad)?;
        Ok(Some(ReservationRecord {
            reservation_id: id.clone(),
            screening_id: row.get::<&str>("screening_id").ok_or_else(bad)?.to_string(),
            seats,
            state,
        }))
    }

    fn save(&self, record: &ReservationRecord) -> Result<(), StoreError> {
        let (state, reason) = state_to(&record.state);
        let seats = serde_json::to_string(&record.seats).map_err(StoreError::new)?;
        self.query(
            "INSERT INTO reservations (reservation_id, screening_id, seats, state, reason, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (reservation_id) DO UPDATE SET
                screening_id = excluded.screening_id, seats = excluded.seats, state = excluded.state,
                reason = excluded.reason, updated_at = excluded.updated_at",
            &[
                text(record.reservation_id.as_str()),
                text(record.screening_id.as_str()),
                text(seats),
                text(state),
                reason.map_or(Value::Null, text),
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }
}

fn state_to(state: &ReservationState) -> (&'static str, Option<&'static str>) {
    match state {
        ReservationState::Allocated => ("allocated", None),
        ReservationState::Rejected(reason) => ("rejected", Some(reason_code(*reason))),
        ReservationState::Released => ("released", None),
        ReservationState::CancelledBeforePlacement => ("cancelled_before_placement", None),
    }
}

fn state_from(state: &str, reason: Option<&str>) -> Option<ReservationState> {
    Some(match state {
        "allocated" => ReservationState::Allocated,
        "rejected" => ReservationState::Rejected(reason_from(reason?)?),
        "released" => ReservationState::Released,
        "cancelled_before_placement" => ReservationState::CancelledBeforePlacement,
        _ => return None,
    })
}

fn reason_code(reason: RejectionReason) -> &'static str {
    match reason {
        RejectionReason::SeatsTaken => "seats-taken",
        RejectionReason::UnknownScreening => "unknown-screening",
        RejectionReason::ShowtimePassed => "showtime-passed",
        RejectionReason::UnknownSeat => "unknown-seat",
    }
}

fn reason_from(code: &str) -> Option<RejectionReason> {
    [
        RejectionReason::SeatsTaken,
        RejectionReason::UnknownScreening,
        RejectionReason::ShowtimePassed,
        RejectionReason::UnknownSeat,
    ]
    .into_iter()
    .find(|r| reason_code(*r) == code)
}
