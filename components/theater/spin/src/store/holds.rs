//! The hold board on `seat_holds`: one row per hold the theater has heard of.

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use cinema_eventing::sql::text;
use theater_core::StoreError;
use theater_core::hall::Layout;
use theater_core::hold::{KnownHold, SeatHold};
use theater_core::ids::{HoldId, ScreeningId};
use theater_core::ports::HoldBoard;
use theater_core::seat::SeatLabel;

use super::repos::{SqliteTheater, corrupt};

/// The stored form of an instant: sorts like time, so SQLite compares it as text.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl HoldBoard for SqliteTheater<'_> {
    fn known_hold(&self, hold: &HoldId) -> Result<Option<KnownHold>, StoreError> {
        let result = self.query(
            "SELECT state FROM seat_holds WHERE hold_id = ?",
            &[text(hold.as_str())],
        )?;
        let Some(row) = result.rows().next() else {
            return Ok(None);
        };
        match row.get::<&str>("state") {
            Some("SHOWN") => Ok(Some(KnownHold::Shown)),
            Some("RELEASED") => Ok(Some(KnownHold::Released)),
            _ => Err(corrupt("seat hold")),
        }
    }

    fn show_hold(&self, hold: &SeatHold) -> Result<(), StoreError> {
        let seats: Vec<String> = hold.seats.iter().map(ToString::to_string).collect();
        let seats = serde_json::to_string(&seats).map_err(StoreError::new)?;
        // A row already there (released, or shown) wins: a release is never undone.
        self.query(
            "INSERT INTO seat_holds (hold_id, screening_id, seats, expires_at, state, updated_at)
             VALUES (?, ?, ?, ?, 'SHOWN', ?)
             ON CONFLICT (hold_id) DO NOTHING",
            &[
                text(hold.hold_id.as_str()),
                text(hold.screening.id.as_str()),
                text(seats),
                text(ts(hold.expires_at)),
                text(cinema_http::now_rfc3339()),
            ],
        )?;
        Ok(())
    }

    fn release_hold(&self, hold: &HoldId) -> Result<(), StoreError> {
        // A shown hold keeps its expiry, by which the retention rule prunes it.
        self.query(
            "INSERT INTO seat_holds (hold_id, state, updated_at) VALUES (?, 'RELEASED', ?)
             ON CONFLICT (hold_id) DO UPDATE SET state = 'RELEASED', updated_at = excluded.updated_at",
            &[text(hold.as_str()), text(cinema_http::now_rfc3339())],
        )?;
        Ok(())
    }

    fn held_seats(
        &self,
        screening: &ScreeningId,
        layout: &Layout,
        now: DateTime<Utc>,
    ) -> Result<BTreeSet<SeatLabel>, StoreError> {
        let result = self.query(
            "SELECT seats FROM seat_holds
             WHERE screening_id = ? AND state = 'SHOWN' AND expires_at > ?",
            &[text(screening.as_str()), text(ts(now))],
        )?;
        let mut held = BTreeSet::new();
        for row in result.rows() {
            let seats: Vec<String> = row
                .get::<&str>("seats")
                .and_then(|json| serde_json::from_slice(json.as_bytes()).ok())
                .ok_or_else(|| corrupt("seat hold"))?;
            for label in seats {
                held.insert(SeatLabel::parse(&label, layout).map_err(StoreError::new)?);
            }
        }
        Ok(held)
    }
}
