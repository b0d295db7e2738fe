//! Where each seat is drawn: a grid of cells, 0-based. Aisles are empty columns, a row's
//! `space_before` an empty grid row, and every row is centred on the widest row (when the
//! difference is odd the extra empty column goes to the right).

use super::layout::{Layout, SeatKind};
use crate::seat::SeatLabel;

/// The size of the drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub rows: u32,
    pub columns: u32,
}

/// One seat of the drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatCell {
    pub seat: SeatLabel,
    pub kind: SeatKind,
    /// The other half of a couple seat.
    pub pair: Option<SeatLabel>,
    pub grid_row: u32,
    pub grid_column: u32,
}

impl Layout {
    pub fn grid(&self) -> Grid {
        let spaces = self.each_row().filter(|(_, r)| r.space_before()).count();
        Grid {
            rows: self.rows() + u32::try_from(spaces).unwrap_or(0),
            columns: self.each_row().map(|(_, r)| r.width()).max().unwrap_or(0),
        }
    }

    /// Every seat with its kind and cell, row by row, front first.
    pub fn cells(&self) -> Vec<SeatCell> {
        let columns = self.grid().columns;
        let mut cells = Vec::with_capacity(self.seats_total() as usize);
        let mut grid_row = 0;
        for (index, (_, row)) in (1..).zip(self.each_row()) {
            if row.space_before() {
                grid_row += 1;
            }
            let offset = (columns - row.width()) / 2;
            let mut aisles = 0;
            for number in 1..=row.seats() {
                let seat = SeatLabel::at(index, number);
                cells.push(SeatCell {
                    seat,
                    kind: row.kind_of(number),
                    pair: self.couple_partner(seat),
                    grid_row,
                    grid_column: offset + number - 1 + aisles,
                });
                if row.aisles_after().contains(&number) {
                    aisles += 1;
                }
            }
            grid_row += 1;
        }
        cells
    }
}
