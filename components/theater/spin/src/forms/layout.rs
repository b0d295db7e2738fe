//! A hall layout in JSON: `{"rows": [{"seats", "aisles_after", "space_before", "kinds"}]}` in,
//! the normalized form (with each row's `label`) out.

use serde::{Deserialize, Serialize};
use theater_core::ValidationError;
use theater_core::hall::{Layout, Row, RowSpec, SeatKind};
use theater_core::seat::SeatLabel;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutBody {
    rows: Vec<RowBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowBody {
    /// Optional, so a layout read from the API can be sent back; it must be the row's letter.
    #[serde(default)]
    label: Option<String>,
    seats: i64,
    #[serde(default)]
    aisles_after: Vec<i64>,
    #[serde(default)]
    space_before: bool,
    #[serde(default)]
    kinds: KindsBody<i64>,
}

/// A row's seat kinds, in and out (out: only the non-standard kinds that have seats). Structs
/// rather than maps in these forms: smaller components.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct KindsBody<N> {
    #[serde(skip_serializing_if = "Option::is_none")]
    standard: Option<Vec<N>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    premium: Option<Vec<N>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wheelchair: Option<Vec<N>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    companion: Option<Vec<N>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    couple: Option<Vec<N>>,
}

impl LayoutBody {
    /// # Errors
    /// A label that is not the row's letter, or what [`Layout::from_rows`] refuses.
    pub fn to_layout(&self) -> Result<Layout, ValidationError> {
        let mut specs = Vec::with_capacity(self.rows.len());
        for (i, row) in self.rows.iter().enumerate() {
            let letter = SeatLabel::row_letter(u32::try_from(i + 1).unwrap_or(0)).to_string();
            if let Some(label) = &row.label
                && *label != letter
            {
                return Err(ValidationError::new(format!(
                    "layout.rows[{i}].label must be {letter:?} (rows are lettered in order), got {label:?}"
                )));
            }
            let k = &row.kinds;
            let kinds = [
                (SeatKind::Standard, &k.standard),
                (SeatKind::Premium, &k.premium),
                (SeatKind::Wheelchair, &k.wheelchair),
                (SeatKind::Companion, &k.companion),
                (SeatKind::Couple, &k.couple),
            ]
            .into_iter()
            .filter_map(|(kind, numbers)| numbers.clone().map(|n| (kind, n)))
            .collect();
            specs.push(RowSpec {
                seats: row.seats,
                aisles_after: row.aisles_after.clone(),
                space_before: row.space_before,
                kinds,
            });
        }
        Layout::from_rows(&specs)
    }
}

#[derive(Serialize)]
pub struct LayoutView {
    rows: Vec<RowView>,
}

#[derive(Serialize)]
struct RowView {
    label: String,
    seats: u32,
    aisles_after: Vec<u32>,
    space_before: bool,
    kinds: KindsBody<u32>,
}

impl From<&Layout> for LayoutView {
    fn from(layout: &Layout) -> Self {
        Self {
            rows: layout
                .each_row()
                .map(|(letter, row)| RowView {
                    label: letter.to_string(),
                    seats: row.seats(),
                    aisles_after: row.aisles_after().to_vec(),
                    space_before: row.space_before(),
                    kinds: kinds_of(row),
                })
                .collect(),
        }
    }
}

/// The non-standard kinds that have seats, numbers ascending.
fn kinds_of(row: &Row) -> KindsBody<u32> {
    let of = |kind| Some(row.numbers_of(kind)).filter(|n| !n.is_empty());
    KindsBody {
        standard: None,
        premium: of(SeatKind::Premium),
        wheelchair: of(SeatKind::Wheelchair),
        companion: of(SeatKind::Companion),
        couple: of(SeatKind::Couple),
    }
}

/// The stored form (the normalized view).
///
/// # Errors
/// Serialisation failure (never, for these types).
pub fn to_json(layout: &Layout) -> Result<String, serde_json::Error> {
    serde_json::to_string(&LayoutView::from(layout))
}

/// Reads the stored form back.
///
/// # Errors
/// Not a valid layout (a corrupt row).
pub fn from_json(text: &str) -> Result<Layout, String> {
    let body: LayoutBody = serde_json::from_str(text).map_err(|e| e.to_string())?;
    body.to_layout().map_err(|e| e.to_string())
}
