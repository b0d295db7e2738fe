//! Screening halls and their seat layouts ([`layout`]: rows, aisles, seat kinds; [`grid`]: where
//! each seat is drawn).

mod grid;
mod layout;
#[cfg(test)]
mod tests;

pub use grid::{Grid, SeatCell};
pub use layout::{Layout, MAX_ROWS, MAX_SEATS_PER_ROW, Row, RowSpec, SeatKind};

use crate::ValidationError;
use crate::ids::HallId;

pub const MAX_HALL_NAME_CHARS: usize = 100;

/// A hall's display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallName(String);

impl HallName {
    /// # Errors
    /// Empty after trimming, too long, or containing control characters.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(ValidationError::new("name must not be empty"));
        }
        if name.chars().count() > MAX_HALL_NAME_CHARS {
            return Err(ValidationError::new(format!(
                "name must be at most {MAX_HALL_NAME_CHARS} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name must not contain control characters",
            ));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A screening hall. Halls are immutable once created: screenings copy the layout they were
/// scheduled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hall {
    pub id: HallId,
    pub name: HallName,
    pub layout: Layout,
}
