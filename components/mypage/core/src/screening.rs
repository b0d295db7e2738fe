//! What my page shows about a screening, learned from `ScreeningScheduled`.

use cinema_events::ScreeningScheduled;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningInfo {
    pub screening_id: String,
    pub movie_id: String,
    pub movie_title: String,
    pub hall_id: String,
    pub hall_name: String,
    /// RFC 3339.
    pub starts_at: String,
}

impl From<&ScreeningScheduled> for ScreeningInfo {
    fn from(e: &ScreeningScheduled) -> Self {
        Self {
            screening_id: e.screening_id.clone(),
            movie_id: e.movie_id.clone(),
            movie_title: e.movie_title.clone(),
            hall_id: e.hall_id.clone(),
            hall_name: e.hall_name.clone(),
            starts_at: e.starts_at.clone(),
        }
    }
}
