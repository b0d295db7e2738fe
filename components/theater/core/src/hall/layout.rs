//! A hall's seats as a cinema draws them: rows front (screen side) first, each with its own
//! length, aisles, an optional cross aisle in front, and seat kinds.

use crate::ValidationError;
use crate::seat::SeatLabel;

/// Rows are lettered `A`–`Z`.
pub const MAX_ROWS: u32 = 26;
pub const MAX_SEATS_PER_ROW: u32 = 50;

/// What a seat is; `Standard` unless the layout says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeatKind {
    Standard,
    Premium,
    /// A space for a wheelchair.
    Wheelchair,
    /// Next to a wheelchair space, for the person accompanying.
    Companion,
    /// Half of a two-person seat: in each row the couple seats pair up in number order.
    Couple,
}

impl SeatKind {
    pub const ALL: [Self; 5] = [
        Self::Standard,
        Self::Premium,
        Self::Wheelchair,
        Self::Companion,
        Self::Couple,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Premium => "premium",
            Self::Wheelchair => "wheelchair",
            Self::Companion => "companion",
            Self::Couple => "couple",
        }
    }

    /// # Errors
    /// Not one of the five names.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "unknown seat kind {text:?} (standard, premium, wheelchair, companion, couple)"
                ))
            })
    }

    pub fn to_event(self) -> cinema_events::SeatKind {
        use cinema_events::SeatKind as E;
        match self {
            Self::Standard => E::Standard,
            Self::Premium => E::Premium,
            Self::Wheelchair => E::Wheelchair,
            Self::Companion => E::Companion,
            Self::Couple => E::Couple,
        }
    }
}

/// One row as requested, before validation (numbers as the client sent them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSpec {
    pub seats: i64,
    pub aisles_after: Vec<i64>,
    pub space_before: bool,
    pub kinds: Vec<(SeatKind, Vec<i64>)>,
}

/// One valid row: 1–50 seats, aisles between seats, kinds of seats inside the row, couple seats
/// in adjacent pairs with no aisle between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    seats: u32,
    /// Ascending, each in `1..seats`.
    aisles_after: Vec<u32>,
    space_before: bool,
    /// The kind of seat `n` at `n - 1` (a vector rather than a map: smaller components).
    kinds: Vec<SeatKind>,
}

impl Row {
    pub fn seats(&self) -> u32 {
        self.seats
    }

    pub fn aisles_after(&self) -> &[u32] {
        &self.aisles_after
    }

    pub fn space_before(&self) -> bool {
        self.space_before
    }

    pub fn kind_of(&self, number: u32) -> SeatKind {
        usize::try_from(number)
            .ok()
            .and_then(|n| self.kinds.get(n.checked_sub(1)?))
            .copied()
            .unwrap_or(SeatKind::Standard)
    }

    /// The numbers of this row's seats of `kind`, ascending (empty for `Standard`).
    pub fn numbers_of(&self, kind: SeatKind) -> Vec<u32> {
        if kind == SeatKind::Standard {
            return Vec::new();
        }
        (1..=self.seats)
            .filter(|&n| self.kind_of(n) == kind)
            .collect()
    }

    /// The other half of couple seat `number` (pairs in number order: 1st–2nd, 3rd–4th, …).
    pub fn couple_partner(&self, number: u32) -> Option<u32> {
        let couples = self.numbers_of(SeatKind::Couple);
        let at = couples.iter().position(|&n| n == number)?;
        couples.get(at ^ 1).copied()
    }

    /// Columns the row takes in a drawing: its seats and its aisles.
    pub(crate) fn width(&self) -> u32 {
        self.seats + u32::try_from(self.aisles_after.len()).unwrap_or(0)
    }

    fn parse(index: usize, spec: &RowSpec) -> Result<Self, ValidationError> {
        let letter = SeatLabel::row_letter(u32::try_from(index + 1).unwrap_or(0));
        let fail = |m: String| Err(ValidationError::new(format!("row {letter}: {m}")));
        let Some(seats) = u32::try_from(spec.seats)
            .ok()
            .filter(|s| (1..=MAX_SEATS_PER_ROW).contains(s))
        else {
            return fail(format!(
                "seats must be between 1 and {MAX_SEATS_PER_ROW} (got {})",
                spec.seats
            ));
        };
        if index == 0 && spec.space_before {
            return fail(
                "space_before is not allowed on the first row: nothing is in front of it".into(),
            );
        }
        let mut aisles_after = Vec::with_capacity(spec.aisles_after.len());
        for &n in &spec.aisles_after {
            let Some(n) = u32::try_from(n).ok().filter(|n| (1..seats).contains(n)) else {
                return fail(format!(
                    "aisles_after {n} is not between 1 and {} (an aisle goes between two seats of the row)",
                    seats - 1
                ));
            };
            // Kept sorted by inserting in place: a sort would grow the wasm components.
            match aisles_after.binary_search(&n) {
                Ok(_) => return fail(format!("the aisle after seat {n} is listed twice")),
                Err(at) => aisles_after.insert(at, n),
            }
        }
        let mut named: Vec<Option<SeatKind>> = vec![None; seats as usize];
        for (kind, numbers) in &spec.kinds {
            for &n in numbers {
                let Some(n) = u32::try_from(n).ok().filter(|n| (1..=seats).contains(n)) else {
                    return fail(format!(
                        "{} seat {letter}{n} is not in the row (seats {letter}1-{letter}{seats})",
                        kind.as_str()
                    ));
                };
                if let Some(first) = named[(n - 1) as usize].replace(*kind) {
                    return fail(if first == *kind {
                        format!("seat {letter}{n} is listed twice as {}", kind.as_str())
                    } else {
                        format!(
                            "seat {letter}{n} is named twice in kinds ({} and {})",
                            first.as_str(),
                            kind.as_str()
                        )
                    });
                }
            }
        }
        let row = Self {
            seats,
            aisles_after,
            space_before: spec.space_before,
            kinds: named
                .into_iter()
                .map(|k| k.unwrap_or(SeatKind::Standard))
                .collect(),
        };
        row.check_couples(letter)?;
        Ok(row)
    }

    fn check_couples(&self, letter: char) -> Result<(), ValidationError> {
        let couples = self.numbers_of(SeatKind::Couple);
        for pair in couples.chunks(2) {
            let fail = |m: String| Err(ValidationError::new(format!("row {letter}: {m}")));
            match *pair {
                [single] => {
                    return fail(format!(
                        "couple seats pair up in number order and {letter}{single} has no partner \
                         (a row needs an even number of couple seats)"
                    ));
                }
                [a, b] if b != a + 1 => {
                    return fail(format!(
                        "couple seats pair up in number order and {letter}{a} and {letter}{b} are not next to each other"
                    ));
                }
                [a, b] if self.aisles_after.contains(&a) => {
                    return fail(format!(
                        "couple seats {letter}{a} and {letter}{b} are split by an aisle"
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A hall's layout: 1–26 rows lettered from `A`, front first. Seats are labelled row letter +
/// number (`A1` …); aisles do not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    rows: Vec<Row>,
}

impl Layout {
    /// `rows` rows of `seats_per_row` standard seats, no aisles (the old hall body).
    ///
    /// # Errors
    /// Rows outside 1–26 or seats per row outside 1–50.
    pub fn rectangular(rows: i64, seats_per_row: i64) -> Result<Self, ValidationError> {
        let count = u32::try_from(rows)
            .ok()
            .filter(|r| (1..=MAX_ROWS).contains(r))
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "rows must be between 1 and {MAX_ROWS} (got {rows})"
                ))
            })?;
        if u32::try_from(seats_per_row)
            .ok()
            .filter(|s| (1..=MAX_SEATS_PER_ROW).contains(s))
            .is_none()
        {
            return Err(ValidationError::new(format!(
                "seats_per_row must be between 1 and {MAX_SEATS_PER_ROW} (got {seats_per_row})"
            )));
        }
        let spec = RowSpec {
            seats: seats_per_row,
            ..RowSpec::default()
        };
        Self::from_rows(&vec![spec; count as usize])
    }

    /// # Errors
    /// No rows or more than 26, or a row that breaks a rule of [`Row`]; the message names the
    /// row and the seats.
    pub fn from_rows(specs: &[RowSpec]) -> Result<Self, ValidationError> {
        if specs.is_empty() || specs.len() > MAX_ROWS as usize {
            return Err(ValidationError::new(format!(
                "layout.rows must list 1 to {MAX_ROWS} rows (got {})",
                specs.len()
            )));
        }
        let rows = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| Row::parse(i, spec))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { rows })
    }

    /// How many rows.
    pub fn rows(&self) -> u32 {
        u32::try_from(self.rows.len()).unwrap_or(MAX_ROWS)
    }

    /// Every row with its letter, front first.
    pub fn each_row(&self) -> impl Iterator<Item = (char, &Row)> + '_ {
        self.rows.iter().enumerate().map(|(i, row)| {
            (
                SeatLabel::row_letter(u32::try_from(i + 1).unwrap_or(0)),
                row,
            )
        })
    }

    /// The row numbered `row` (1 = `A`).
    pub fn row(&self, row: u32) -> Option<&Row> {
        self.rows.get(usize::try_from(row).ok()?.checked_sub(1)?)
    }

    /// The longest row's seats.
    pub fn seats_per_row(&self) -> u32 {
        self.rows.iter().map(Row::seats).max().unwrap_or(0)
    }

    pub fn seats_total(&self) -> u32 {
        self.rows.iter().map(Row::seats).sum()
    }

    /// Every seat, row by row, front first: `A1, A2, …, B1, …`.
    pub fn seats(&self) -> impl Iterator<Item = SeatLabel> + '_ {
        (1..=self.rows()).flat_map(move |r| {
            let seats = self.row(r).map_or(0, Row::seats);
            (1..=seats).map(move |n| SeatLabel::at(r, n))
        })
    }

    /// The letter of the last row (`A` for one row).
    pub fn last_row_letter(&self) -> char {
        SeatLabel::row_letter(self.rows())
    }

    pub fn kind_of(&self, seat: SeatLabel) -> SeatKind {
        self.row(seat.row())
            .map_or(SeatKind::Standard, |r| r.kind_of(seat.number()))
    }

    /// The other half of a couple seat.
    pub fn couple_partner(&self, seat: SeatLabel) -> Option<SeatLabel> {
        let partner = self.row(seat.row())?.couple_partner(seat.number())?;
        Some(SeatLabel::at(seat.row(), partner))
    }

    /// The contract's form.
    pub fn to_event(&self) -> cinema_events::HallLayout {
        cinema_events::HallLayout {
            rows: self
                .each_row()
                .map(|(letter, row)| cinema_events::LayoutRow {
                    label: letter.to_string(),
                    seats: row.seats,
                    aisles_after: row.aisles_after.clone(),
                    space_before: row.space_before,
                    kinds: SeatKind::ALL
                        .into_iter()
                        .map(|kind| (kind, row.numbers_of(kind)))
                        .filter(|(kind, numbers)| {
                            *kind != SeatKind::Standard && !numbers.is_empty()
                        })
                        .map(|(kind, numbers)| cinema_events::SeatsOfKind {
                            kind: kind.to_event(),
                            numbers,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
