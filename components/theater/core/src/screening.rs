//! Screenings and the rule that keeps them from double-booking a hall.

use chrono::{DateTime, TimeDelta, Utc};

use crate::hall::Layout;
use crate::ids::{HallId, MovieId, ScreeningId};
use crate::movie::Runtime;
use crate::pricing::{SeatSurcharges, TicketPrices};
use crate::showtime::{CleaningGap, Interval, Showtime};

/// One showing of a movie in a hall. It copies the hall's layout (halls never change) and the
/// movie's prices when it is scheduled, so seat decisions and seat maps need nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub id: ScreeningId,
    pub movie_id: MovieId,
    pub hall_id: HallId,
    pub starts_at: Showtime,
    pub runtime: Runtime,
    pub layout: Layout,
    pub prices: TicketPrices,
    pub surcharges: SeatSurcharges,
}

impl Screening {
    /// When the movie ends.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at.instant() + TimeDelta::minutes(i64::from(self.runtime.as_minutes()))
    }

    /// When the movie is on screen: `[starts_at, ends_at)`.
    pub fn running(&self) -> Interval {
        Interval::new(self.starts_at.instant(), self.ends_at())
    }

    /// The time the screening blocks its hall: from `starts_at` for the runtime plus the
    /// cleaning gap.
    pub fn occupancy(&self, gap: CleaningGap) -> Interval {
        Interval::new(self.starts_at.instant(), self.ends_at() + gap.duration())
    }

    /// Whether the two screenings cannot both take place: same hall and overlapping occupancy.
    pub fn conflicts_with(&self, other: &Screening, gap: CleaningGap) -> bool {
        self.hall_id == other.hall_id && self.occupancy(gap).overlaps(&other.occupancy(gap))
    }
}

/// The window of running times that could conflict with a screening occupying `occupancy`:
/// another screening conflicts iff its running interval intersects this window (its own
/// occupancy adds the same gap at its end). Repositories use it to fetch candidates.
pub fn conflict_window(running: Interval, gap: CleaningGap) -> Interval {
    Interval::new(running.start - gap.duration(), running.end + gap.duration())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screening(id: &str, hall: &str, starts_at: &str, runtime_min: i64) -> Screening {
        Screening {
            id: ScreeningId::parse(id).unwrap(),
            movie_id: MovieId::parse("m").unwrap(),
            hall_id: HallId::parse(hall).unwrap(),
            starts_at: Showtime::parse(starts_at).unwrap(),
            runtime: Runtime::minutes(runtime_min).unwrap(),
            layout: Layout::rectangular(5, 5).unwrap(),
            prices: TicketPrices::adult_only(crate::money::Money::ticket("p", 1, "KRW").unwrap()),
            surcharges: SeatSurcharges::default(),
        }
    }

    const GAP: fn() -> CleaningGap = CleaningGap::default;

    #[test]
    fn a_screening_starting_during_another_in_the_same_hall_conflicts() {
        let a = screening("a", "h", "2026-12-01T10:00:00Z", 120);
        let b = screening("b", "h", "2026-12-01T11:00:00Z", 90);
        assert!(a.conflicts_with(&b, GAP()));
        assert!(b.conflicts_with(&a, GAP()));
    }

    #[test]
    fn the_cleaning_gap_blocks_the_hall_after_the_movie_ends() {
        // a runs 10:00–12:00, then cleaning until 12:15.
        let a = screening("a", "h", "2026-12-01T10:00:00Z", 120);
        let during_cleaning = screening("b", "h", "2026-12-01T12:10:00Z", 60);
        let right_after_cleaning = screening("c", "h", "2026-12-01T12:15:00Z", 60);
        assert!(a.conflicts_with(&during_cleaning, GAP()));
        assert!(!a.conflicts_with(&right_after_cleaning, GAP()));
    }

    #[test]
    fn the_gap_also_applies_to_a_screening_that_ends_just_before_another_starts() {
        // b runs 08:50–09:50 and cleans until 10:05, so a at 10:00 conflicts.
        let a = screening("a", "h", "2026-12-01T10:00:00Z", 120);
        let b = screening("b", "h", "2026-12-01T08:50:00Z", 60);
        assert!(a.conflicts_with(&b, GAP()));
        let b_earlier = screening("b", "h", "2026-12-01T08:45:00Z", 60);
        assert!(!a.conflicts_with(&b_earlier, GAP()));
    }

    #[test]
    fn a_zero_gap_lets_screenings_follow_back_to_back() {
        let a = screening("a", "h", "2026-12-01T10:00:00Z", 120);
        let b = screening("b", "h", "2026-12-01T12:00:00Z", 60);
        assert!(!a.conflicts_with(&b, CleaningGap::minutes(0).unwrap()));
    }

    #[test]
    fn screenings_in_different_halls_never_conflict() {
        let a = screening("a", "h1", "2026-12-01T10:00:00Z", 120);
        let b = screening("b", "h2", "2026-12-01T10:00:00Z", 120);
        assert!(!a.conflicts_with(&b, GAP()));
    }

    #[test]
    fn offsets_are_compared_as_instants() {
        let a = screening("a", "h", "2026-12-01T10:00:00Z", 60);
        let same_instant = screening("b", "h", "2026-12-01T19:00:00+09:00", 60);
        assert!(a.conflicts_with(&same_instant, GAP()));
    }

    #[test]
    fn the_conflict_window_contains_every_conflicting_running_interval() {
        let a = screening("a", "h", "2026-12-01T10:00:00Z", 120);
        let window = conflict_window(a.running(), GAP());
        for (start, runtime, conflicts) in [
            ("08:50", 60, true),
            ("08:45", 60, false),
            ("12:10", 30, true),
            ("12:15", 30, false),
        ] {
            let b = screening("b", "h", &format!("2026-12-01T{start}:00Z"), runtime);
            assert_eq!(a.conflicts_with(&b, GAP()), conflicts, "{start}");
            assert_eq!(b.running().overlaps(&window), conflicts, "{start} window");
        }
    }
}
