//! The authoritative seat map of a screening.

use crate::StoreError;
use crate::ids::ScreeningId;
use crate::ports::{ScreeningRepository, SeatInventory};
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
    screening_id: &str,
) -> Result<SeatMap, SeatMapError> {
    let unknown = || SeatMapError::UnknownScreening(screening_id.to_string());
    let id = ScreeningId::parse(screening_id).map_err(|_| unknown())?;
    let screening = screenings.screening(&id)?.ok_or_else(unknown)?;
    let taken = seats.taken_seats(&screening.id, &screening.layout)?;
    Ok(SeatMap::new(screening, taken))
}
