//! The core's repositories on one SQLite connection.

use std::collections::BTreeSet;

use cinema_eventing::sql::{exec, opt_text, text};
use cinema_events::RejectionReason;
use spin_sdk::sqlite3::{Connection, QueryResult, Value};
use theater_core::StoreError;
use theater_core::allocation::{ReservationRecord, ReservationState};
use theater_core::hall::Layout;
use theater_core::ids::{ReservationId, ScreeningId};
use theater_core::ports::{Allocation, ReservationLedger, SeatInventory};
use theater_core::seat::SeatLabel;

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

    fn allocations(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
    ) -> Result<Vec<Allocation>, StoreError> {
        let result = self.query(
            "SELECT a.seat, a.reservation_id, r.booking_number
             FROM seat_allocations a LEFT JOIN reservations r ON r.reservation_id = a.reservation_id
             WHERE a.screening_id = ?",
            &[text(screening.as_str())],
        )?;
        let bad = || corrupt("seat allocation");
        let mut allocations = Vec::new();
        for row in result.rows() {
            allocations.push(Allocation {
                seat: SeatLabel::parse(row.get::<&str>("seat").ok_or_else(bad)?, layout)
                    .map_err(StoreError::new)?,
                reservation_id: ReservationId::parse(
                    row.get::<&str>("reservation_id").ok_or_else(bad)?,
                )
                .map_err(StoreError::new)?,
                booking_number: row.get::<&str>("booking_number").map(str::to_string),
            });
        }
        Ok(allocations)
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
            "SELECT screening_id, seats, state, reason, booking_number FROM reservations
             WHERE reservation_id = ?",
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
            booking_number: row.get::<&str>("booking_number").map(str::to_string),
        }))
    }

    fn save(&self, record: &ReservationRecord) -> Result<(), StoreError> {
        let (state, reason) = state_to(&record.state);
        let seats = serde_json::to_string(&record.seats).map_err(StoreError::new)?;
        self.query(
            "INSERT INTO reservations (reservation_id, screening_id, seats, state, reason,
                                       booking_number, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (reservation_id) DO UPDATE SET
                screening_id = excluded.screening_id, seats = excluded.seats, state = excluded.state,
                reason = excluded.reason, booking_number = excluded.booking_number,
                updated_at = excluded.updated_at",
            &[
                text(record.reservation_id.as_str()),
                text(record.screening_id.as_str()),
                text(seats),
                text(state),
                reason.map_or(Value::Null, text),
                opt_text(record.booking_number.as_deref()),
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
