//! Screening halls and their seat layouts.

use crate::ValidationError;
use crate::ids::HallId;
use crate::seat::SeatLabel;

/// Rows are lettered `A`–`Z`.
pub const MAX_ROWS: u32 = 26;
pub const MAX_SEATS_PER_ROW: u32 = 50;
pub const MAX_HALL_NAME_CHARS: usize = 100;

/// A rectangular seat layout: `rows` rows lettered from `A`, each with seats numbered from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    rows: u32,
    seats_per_row: u32,
}

impl Layout {
    /// # Errors
    /// Rows outside 1–26 or seats per row outside 1–50.
    pub fn new(rows: i64, seats_per_row: i64) -> Result<Self, ValidationError> {
        let rows = u32::try_from(rows)
            .ok()
            .filter(|r| (1..=MAX_ROWS).contains(r))
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "rows must be between 1 and {MAX_ROWS} (got {rows})"
                ))
            })?;
        let seats_per_row = u32::try_from(seats_per_row)
            .ok()
            .filter(|s| (1..=MAX_SEATS_PER_ROW).contains(s))
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "seats_per_row must be between 1 and {MAX_SEATS_PER_ROW} (got {seats_per_row})"
                ))
            })?;
        Ok(Self {
            rows,
            seats_per_row,
        })
    }

    pub fn rows(&self) -> u32 {
        self.rows
    }

    pub fn seats_per_row(&self) -> u32 {
        self.seats_per_row
    }

    pub fn seats_total(&self) -> u32 {
        self.rows * self.seats_per_row
    }

    /// Every seat, row-major: `A1, A2, …, B1, …`.
    pub fn seats(&self) -> impl Iterator<Item = SeatLabel> + '_ {
        (1..=self.rows)
            .flat_map(move |row| (1..=self.seats_per_row).map(move |n| SeatLabel::at(row, n)))
    }

    /// The letter of the last row (`A` for one row).
    pub fn last_row_letter(&self) -> char {
        SeatLabel::row_letter(self.rows)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layout_has_1_to_26_rows_and_1_to_50_seats_per_row() {
        assert!(Layout::new(1, 1).is_ok());
        assert!(Layout::new(26, 50).is_ok());
        assert!(Layout::new(0, 10).is_err());
        assert!(Layout::new(27, 10).is_err());
        assert!(Layout::new(10, 0).is_err());
        assert!(Layout::new(10, 51).is_err());
        assert!(Layout::new(-1, 10).is_err());
        assert!(Layout::new(i64::MAX, 10).is_err());
    }

    #[test]
    fn a_layout_lists_its_seats_row_major() {
        let layout = Layout::new(2, 3).unwrap();
        let labels: Vec<String> = layout.seats().map(|s| s.to_string()).collect();
        assert_eq!(labels, ["A1", "A2", "A3", "B1", "B2", "B3"]);
        assert_eq!(layout.seats_total(), 6);
        assert_eq!(layout.last_row_letter(), 'B');
    }

    #[test]
    fn a_hall_name_is_trimmed_and_must_not_be_empty_or_too_long() {
        assert_eq!(HallName::parse("  Hall 1 ").unwrap().as_str(), "Hall 1");
        assert!(HallName::parse("   ").is_err());
        assert!(HallName::parse(&"x".repeat(101)).is_err());
        assert!(HallName::parse(&"x".repeat(100)).is_ok());
        assert!(HallName::parse("a\nb").is_err());
    }
}
