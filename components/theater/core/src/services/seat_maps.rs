//! The seat map of a screening as customers see it: a seat is `taken` when it is allocated, or
//! held by a hold the reservation context announced and that has not expired or been released.
//! (Holds are display only: allocations consult the seat inventory alone.)

use crate::StoreError;
use crate::ids::ScreeningId;
use crate::ports::{Clock, HoldBoard, ScreeningRepository, SeatInventory};
use crate::seat_map::SeatMap;

#[derive(Debug, thiserror::Error)]
pub enum SeatMapError {
    #[error("screening {0} not found")]
    UnknownScreening(String),
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

/// # Errors
/// Unknown screening (including a malformed id) or storage failure.
pub fn seat_map(
    screenings: &dyn ScreeningRepository,
    seats: &dyn SeatInventory,
    holds: &dyn HoldBoard,
    clock: &dyn Clock,
    screening_id: &str,
) -> Result<SeatMap, SeatMapError> {
    let unknown = || SeatMapError::UnknownScreening(screening_id.to_string());
    let id = ScreeningId::parse(screening_id).map_err(|_| unknown())?;
    let screening = screenings.screening(&id)?.ok_or_else(unknown)?;
    let mut taken = seats.taken_seats(&screening.id, &screening.layout)?;
    taken.extend(holds.held_seats(&screening.id, &screening.layout, clock.now())?);
    Ok(SeatMap::new(screening, taken))
}
