//! Seat holds as the theater shows them — pure decisions.
//!
//! A hold lives in the reservation context, which alone decides who may book a seat. The theater
//! only *shows* held seats `taken` in its seat maps, until the hold is released or its expiry
//! passes (checked when a map is read: no event announces an expiry). A hold never blocks an
//! allocation: the theater stays the authority on allocations, and the reservation side enforces
//! holds before anyone pays.
//!
//! Events can arrive twice and out of order, so the theater remembers the holds it has seen
//! ([`KnownHold`]):
//! - a second `SeatsHeld` for a hold already shown changes nothing;
//! - a `HoldReleased` that overtakes its `SeatsHeld` is remembered as released, and the late
//!   `SeatsHeld` then shows nothing (otherwise the seats would look taken until the expiry);
//! - a `SeatsHeld` that arrives after its expiry shows nothing either.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::ids::HoldId;
use crate::screening::Screening;
use crate::seat::SeatLabel;

/// What the theater remembers of a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownHold {
    /// Its seats are shown held (until its expiry).
    Shown,
    /// It was released (perhaps before its `SeatsHeld` arrived): nothing is shown for it.
    Released,
}

/// A hold the seat maps show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatHold {
    pub hold_id: HoldId,
    pub screening: Screening,
    /// Distinct, row-major.
    pub seats: Vec<SeatLabel>,
    pub expires_at: DateTime<Utc>,
}

/// A `SeatsHeld`, as far as the theater cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRequest {
    pub hold_id: HoldId,
    pub seats: Vec<String>,
    /// RFC 3339, as the reservation side sent it.
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldDecision {
    /// Show these seats held until the expiry.
    Show(Box<SeatHold>),
    /// Shown before (a redelivery): nothing changes.
    AlreadyShown,
    /// Its release came first: nothing is shown.
    ReleasedBefore,
    /// It expired before it arrived: nothing is shown.
    Expired,
    /// Not a hold the theater can show (unknown screening, seat or expiry); nothing is shown.
    Ignored(String),
}

/// Decides what a `SeatsHeld` shows. `screening` is `None` when the screening is unknown.
pub fn decide_held(
    request: &HeldRequest,
    prior: Option<KnownHold>,
    screening: Option<&Screening>,
    now: DateTime<Utc>,
) -> HeldDecision {
    match prior {
        Some(KnownHold::Shown) => return HeldDecision::AlreadyShown,
        Some(KnownHold::Released) => return HeldDecision::ReleasedBefore,
        None => {}
    }
    let Ok(expires_at) = DateTime::parse_from_rfc3339(request.expires_at.trim()) else {
        return HeldDecision::Ignored(format!(
            "expires_at {:?} is not an RFC 3339 time",
            request.expires_at
        ));
    };
    let expires_at = expires_at.with_timezone(&Utc);
    if expires_at <= now {
        return HeldDecision::Expired;
    }
    let Some(screening) = screening else {
        return HeldDecision::Ignored("unknown screening".into());
    };
    let mut seats = BTreeSet::new();
    for text in &request.seats {
        match SeatLabel::parse(text, &screening.layout) {
            Ok(seat) => {
                seats.insert(seat);
            }
            Err(e) => return HeldDecision::Ignored(e.to_string()),
        }
    }
    if seats.is_empty() {
        return HeldDecision::Ignored("no seats".into());
    }
    HeldDecision::Show(Box::new(SeatHold {
        hold_id: request.hold_id.clone(),
        screening: screening.clone(),
        seats: seats.into_iter().collect(),
        expires_at,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleasedDecision {
    /// Stop showing the hold's seats and remember it released.
    Hide,
    /// Its `SeatsHeld` has not arrived yet: remember it released, so the late one shows nothing.
    ReleaseBeforeHeld,
    /// Released before (a redelivery): nothing changes.
    AlreadyReleased,
}

/// Decides what a `HoldReleased` does, from what the theater remembers of the hold.
pub fn decide_released(prior: Option<KnownHold>) -> ReleasedDecision {
    match prior {
        Some(KnownHold::Shown) => ReleasedDecision::Hide,
        None => ReleasedDecision::ReleaseBeforeHeld,
        Some(KnownHold::Released) => ReleasedDecision::AlreadyReleased,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, screening_at};

    const NOW: &str = "2026-12-01T12:00:00Z";

    fn held(seats: &[&str], expires_at: &str) -> HeldRequest {
        HeldRequest {
            hold_id: HoldId::parse("h1").unwrap(),
            seats: seats.iter().map(|s| (*s).to_string()).collect(),
            expires_at: expires_at.into(),
        }
    }

    fn screening() -> Screening {
        screening_at("s1", "2026-12-01T18:00:00Z")
    }

    fn labels(hold: &SeatHold) -> Vec<String> {
        hold.seats.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_new_hold_shows_its_seats_until_its_expiry() {
        // Given a hold the theater has not seen, When it arrives before its expiry
        let decision = decide_held(
            &held(&["B2", "A1", "B2"], "2026-12-01T21:10:00+09:00"),
            None,
            Some(&screening()),
            at(NOW),
        );
        // Then its distinct seats are shown, row-major, until the expiry (kept in UTC)
        let HeldDecision::Show(hold) = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(labels(&hold), ["A1", "B2"]);
        assert_eq!(hold.expires_at, at("2026-12-01T12:10:00Z"));
        assert_eq!(hold.hold_id.as_str(), "h1");
    }

    #[test]
    fn a_hold_that_arrives_expired_shows_nothing() {
        let decision = decide_held(&held(&["A1"], NOW), None, Some(&screening()), at(NOW));
        assert_eq!(decision, HeldDecision::Expired);
    }

    #[test]
    fn a_hold_shown_before_changes_nothing_when_it_arrives_again() {
        let decision = decide_held(
            &held(&["A1"], "2026-12-01T12:10:00Z"),
            Some(KnownHold::Shown),
            Some(&screening()),
            at(NOW),
        );
        assert_eq!(decision, HeldDecision::AlreadyShown);
    }

    #[test]
    fn a_hold_whose_release_came_first_shows_nothing() {
        // Given the release overtook the hold
        assert_eq!(decide_released(None), ReleasedDecision::ReleaseBeforeHeld);
        // When the hold arrives
        let decision = decide_held(
            &held(&["A1"], "2026-12-01T12:10:00Z"),
            Some(KnownHold::Released),
            Some(&screening()),
            at(NOW),
        );
        // Then it never shows
        assert_eq!(decision, HeldDecision::ReleasedBefore);
    }

    #[test]
    fn a_hold_the_theater_cannot_place_is_ignored() {
        let later = "2026-12-01T12:10:00Z";
        for (request, screening) in [
            (held(&["A1"], later), None),
            (held(&["A1", "Q1"], later), Some(screening())),
            (held(&[], later), Some(screening())),
            (held(&["A1"], "soon"), Some(screening())),
            (held(&["A1"], "2026-12-01T12:10:00"), Some(screening())),
        ] {
            let decision = decide_held(&request, None, screening.as_ref(), at(NOW));
            assert!(
                matches!(decision, HeldDecision::Ignored(_)),
                "{request:?} → {decision:?}"
            );
        }
    }

    #[test]
    fn releasing_a_shown_hold_hides_it_and_a_second_release_changes_nothing() {
        assert_eq!(
            decide_released(Some(KnownHold::Shown)),
            ReleasedDecision::Hide
        );
        assert_eq!(
            decide_released(Some(KnownHold::Released)),
            ReleasedDecision::AlreadyReleased
        );
    }
}
