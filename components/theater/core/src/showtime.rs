//! Points and intervals in time, and the cleaning gap between screenings.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use crate::ValidationError;

/// The default minutes a hall needs between two screenings.
pub const DEFAULT_CLEANING_GAP_MIN: u32 = 15;
/// Upper bound for a configured gap (a day).
pub const MAX_CLEANING_GAP_MIN: u32 = 24 * 60;

/// An instant when a screening starts. Parsed from RFC 3339 *with* an offset (`Z` or `±hh:mm`):
/// a local time without one is ambiguous and rejected. Kept in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Showtime(DateTime<Utc>);

impl Showtime {
    /// # Errors
    /// Not an RFC 3339 date-time with an offset.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        DateTime::parse_from_rfc3339(text.trim()).map(|t| Self(t.with_timezone(&Utc))).map_err(|_| {
            ValidationError::new(format!(
                "starts_at {text:?} is not an RFC 3339 time with an offset (e.g. 2026-12-01T18:30:00+09:00)"
            ))
        })
    }

    pub fn from_utc(instant: DateTime<Utc>) -> Self {
        Self(instant)
    }

    pub fn instant(self) -> DateTime<Utc> {
        self.0
    }

    /// RFC 3339 in UTC (`2026-12-01T09:30:00Z`); fractional seconds only when present.
    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// Whether the showtime has begun (a screening that started can no longer be sold or
    /// scheduled).
    pub fn has_begun(self, now: DateTime<Utc>) -> bool {
        self.0 <= now
    }
}

/// A half-open interval `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    /// Whether the two intervals share an instant (touching ends do not overlap).
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Minutes a hall stays blocked after a screening ends (cleaning, entry and exit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleaningGap(u32);

impl CleaningGap {
    /// # Errors
    /// Over a day.
    pub fn minutes(minutes: u32) -> Result<Self, ValidationError> {
        if minutes > MAX_CLEANING_GAP_MIN {
            return Err(ValidationError::new(format!(
                "cleaning gap must be at most {MAX_CLEANING_GAP_MIN} minutes (got {minutes})"
            )));
        }
        Ok(Self(minutes))
    }

    pub fn as_minutes(self) -> u32 {
        self.0
    }

    pub fn duration(self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.0))
    }
}

impl Default for CleaningGap {
    fn default() -> Self {
        Self(DEFAULT_CLEANING_GAP_MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_showtime_needs_an_offset() {
        assert!(Showtime::parse("2026-12-01T18:00:00Z").is_ok());
        assert!(Showtime::parse("2026-12-01T18:00:00+09:00").is_ok());
        assert!(Showtime::parse("2026-12-01T18:00:00-05:30").is_ok());
        assert!(Showtime::parse("2026-12-01T18:00:00").is_err());
        assert!(Showtime::parse("2026-12-01").is_err());
        assert!(Showtime::parse("tomorrow").is_err());
        assert!(Showtime::parse("").is_err());
    }

    #[test]
    fn a_showtime_is_kept_in_utc() {
        let t = Showtime::parse("2026-12-01T18:00:00+09:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T09:00:00Z");
        assert_eq!(
            Showtime::parse("2026-12-01T09:00:00.250Z")
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T09:00:00.250Z"
        );
    }

    #[test]
    fn a_showtime_has_begun_at_its_start_instant() {
        let t = Showtime::parse("2026-12-01T18:00:00Z").unwrap();
        assert!(t.has_begun(t.instant()));
        assert!(!t.has_begun(t.instant() - TimeDelta::seconds(1)));
    }

    #[test]
    fn touching_intervals_do_not_overlap() {
        let at = |h| {
            Showtime::parse(&format!("2026-12-01T{h:02}:00:00Z"))
                .unwrap()
                .instant()
        };
        assert!(!Interval::new(at(10), at(12)).overlaps(&Interval::new(at(12), at(14))));
        assert!(Interval::new(at(10), at(13)).overlaps(&Interval::new(at(12), at(14))));
        assert!(Interval::new(at(12), at(13)).overlaps(&Interval::new(at(10), at(14))));
    }

    #[test]
    fn the_cleaning_gap_defaults_to_15_minutes_and_is_at_most_a_day() {
        assert_eq!(CleaningGap::default().as_minutes(), 15);
        assert!(CleaningGap::minutes(0).is_ok());
        assert!(CleaningGap::minutes(1441).is_err());
    }
}
