//! Configuration from Spin variables.

use theater_core::showtime::CleaningGap;

pub struct Config {
    pub redis_address: String,
    pub cleaning_gap: CleaningGap,
}

impl Config {
    pub fn load() -> Self {
        let raw_gap = cinema_http::variable_or("cleaning_gap_min", "15");
        let cleaning_gap = raw_gap
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|m| CleaningGap::minutes(m).ok())
            .unwrap_or_else(|| {
                cinema_http::log(
                    crate::CONTEXT,
                    cinema_http::Level::Warn,
                    &format!(
                        "cleaning_gap_min {raw_gap:?} is not 0-1440 minutes; using the default"
                    ),
                    &[],
                );
                CleaningGap::default()
            });
        Self {
            redis_address: cinema_http::redis_address(),
            cleaning_gap,
        }
    }
}
