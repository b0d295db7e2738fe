//! Seat labels: a row letter and a seat number, `A1` … `Z50`.

use std::fmt;

use crate::hall::Layout;

/// A seat of a hall. Only canonical labels parse (`A1`, not `a1` or `A01`), so the same seat
/// always has the same text — the seat inventory's uniqueness relies on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeatLabel {
    /// 1-based: row 1 is `A`. Field order gives row-major ordering.
    row: u32,
    /// 1-based.
    number: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeatLabelError {
    #[error("a seat label is empty")]
    Empty,
    #[error("seat label {0:?} is not a row letter A-Z followed by a seat number")]
    Malformed(String),
    #[error("seat {label} is not in this hall ({hint})")]
    OutsideHall { label: String, hint: String },
}

impl SeatLabel {
    /// Parses a label against a hall's layout.
    ///
    /// # Errors
    /// Empty, not an uppercase letter followed by a number without leading zeros, or a seat the
    /// layout does not have.
    pub fn parse(text: &str, layout: &Layout) -> Result<Self, SeatLabelError> {
        let mut chars = text.chars();
        let letter = chars.next().ok_or(SeatLabelError::Empty)?;
        let digits = chars.as_str();
        let malformed = || SeatLabelError::Malformed(text.to_string());
        if !letter.is_ascii_uppercase()
            || digits.is_empty()
            || digits.len() > 4
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return Err(malformed());
        }
        let number: u32 = digits.parse().map_err(|_| malformed())?;
        let row = u32::from(letter) - u32::from('A') + 1;
        let outside = |hint: String| SeatLabelError::OutsideHall {
            label: text.to_string(),
            hint,
        };
        let Some(seats) = layout.row(row).map(crate::hall::Row::seats) else {
            return Err(outside(format!("rows A-{}", layout.last_row_letter())));
        };
        if number == 0 || number > seats {
            return Err(outside(format!("row {letter} has seats 1-{seats}")));
        }
        Ok(Self { row, number })
    }

    /// A seat known to be inside a layout (row 1–26, number ≥ 1); used when enumerating one.
    pub(crate) fn at(row: u32, number: u32) -> Self {
        debug_assert!((1..=crate::hall::MAX_ROWS).contains(&row) && number >= 1);
        Self { row, number }
    }

    /// 1-based: row 1 is `A`.
    pub fn row(&self) -> u32 {
        self.row
    }

    /// The row's letter: `A` for row 1.
    pub fn letter(&self) -> char {
        Self::row_letter(self.row)
    }

    /// 1-based.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The letter of row `row` (1 = `A`; `?` outside 1–26).
    pub fn row_letter(row: u32) -> char {
        if (1..=crate::hall::MAX_ROWS).contains(&row) {
            char::from_u32(u32::from('A') + row - 1).unwrap_or('?')
        } else {
            '?'
        }
    }
}

impl fmt::Display for SeatLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::row_letter(self.row), self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hall_10_by_50() -> Layout {
        Layout::rectangular(10, 50).unwrap()
    }

    #[test]
    fn a_canonical_label_inside_the_hall_parses_and_prints_back() {
        let layout = Layout::rectangular(26, 50).unwrap();
        for text in ["A1", "A50", "J12", "Z50", "Z1"] {
            assert_eq!(SeatLabel::parse(text, &layout).unwrap().to_string(), text);
        }
    }

    #[test]
    fn seat_zero_and_seat_51_are_outside_the_hall() {
        let layout = Layout::rectangular(26, 50).unwrap();
        assert!(matches!(
            SeatLabel::parse("A0", &layout),
            Err(SeatLabelError::OutsideHall { .. })
        ));
        assert!(matches!(
            SeatLabel::parse("A51", &layout),
            Err(SeatLabelError::OutsideHall { .. })
        ));
        assert!(matches!(
            SeatLabel::parse("A9999", &layout),
            Err(SeatLabelError::OutsideHall { .. })
        ));
    }

    #[test]
    fn a_row_beyond_the_halls_last_row_is_outside_the_hall() {
        let error = SeatLabel::parse("K1", &hall_10_by_50()).unwrap_err();
        assert_eq!(
            error,
            SeatLabelError::OutsideHall {
                label: "K1".into(),
                hint: "rows A-J".into()
            }
        );
    }

    #[test]
    fn two_letters_lowercase_leading_zeros_and_garbage_are_malformed() {
        let layout = hall_10_by_50();
        for text in [
            "AA1", "a1", "A01", "A", "1A", "A-1", "A 1", "A1 ", " A1", "A+1", "Ä1", "A١", "A99999",
        ] {
            assert!(
                matches!(
                    SeatLabel::parse(text, &layout),
                    Err(SeatLabelError::Malformed(_))
                ),
                "{text:?} should be malformed"
            );
        }
    }

    #[test]
    fn an_empty_label_is_rejected() {
        assert_eq!(
            SeatLabel::parse("", &hall_10_by_50()),
            Err(SeatLabelError::Empty)
        );
    }

    #[test]
    fn labels_order_row_major() {
        let layout = hall_10_by_50();
        let parse = |s| SeatLabel::parse(s, &layout).unwrap();
        assert!(parse("A2") < parse("A10"));
        assert!(parse("A50") < parse("B1"));
    }
}
