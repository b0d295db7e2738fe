//! Movies as the theater registers them.

use crate::ValidationError;
use crate::ids::MovieId;
use crate::pricing::{SeatSurcharges, TicketPrices};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_GENRE_CHARS: usize = 50;
pub const MAX_SYNOPSIS_CHARS: usize = 2_000;
/// Longer than any feature film; guards against minutes/seconds mix-ups.
pub const MAX_RUNTIME_MIN: u32 = 600;

/// A movie title: trimmed, 1–200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// # Errors
    /// Empty after trimming, too long, or containing control characters.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let title = text.trim();
        if title.is_empty() {
            return Err(ValidationError::new("title must not be empty"));
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(ValidationError::new(format!(
                "title must be at most {MAX_TITLE_CHARS} characters"
            )));
        }
        if title.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "title must not contain control characters",
            ));
        }
        Ok(Self(title.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A movie's running time in whole minutes, 1–600.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime(u32);

impl Runtime {
    /// # Errors
    /// Not positive, or over 600 minutes.
    pub fn minutes(minutes: i64) -> Result<Self, ValidationError> {
        u32::try_from(minutes)
            .ok()
            .filter(|m| (1..=MAX_RUNTIME_MIN).contains(m))
            .map(Self)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "runtime_min must be between 1 and {MAX_RUNTIME_MIN} (got {minutes})"
                ))
            })
    }

    pub fn as_minutes(self) -> u32 {
        self.0
    }
}

/// Who may see the movie: 전체 (`ALL`), 12세, 15세, 청소년관람불가 (`18`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AgeRating {
    #[default]
    All,
    Twelve,
    Fifteen,
    Eighteen,
}

impl AgeRating {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Twelve => "12",
            Self::Fifteen => "15",
            Self::Eighteen => "18",
        }
    }

    /// # Errors
    /// Not `ALL`, `12`, `15` or `18` (after trimming).
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let text = text.trim();
        [Self::All, Self::Twelve, Self::Fifteen, Self::Eighteen]
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "age_rating must be \"ALL\", \"12\", \"15\" or \"18\" (got {text:?})"
                ))
            })
    }
}

/// Optional free text (genre, synopsis): trimmed, bounded, no control characters; empty → none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blurb(String);

impl Blurb {
    /// # Errors
    /// Longer than `max` characters, or containing control characters.
    pub fn parse(field: &str, text: &str, max: usize) -> Result<Option<Self>, ValidationError> {
        let text = text.trim();
        if text.chars().count() > max {
            return Err(ValidationError::new(format!(
                "{field} must be at most {max} characters"
            )));
        }
        if text.chars().any(char::is_control) {
            return Err(ValidationError::new(format!(
                "{field} must not contain control characters"
            )));
        }
        Ok((!text.is_empty()).then(|| Self(text.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the catalog shows about a movie besides its title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MovieDetails {
    pub age_rating: AgeRating,
    pub genre: Option<Blurb>,
    pub synopsis: Option<Blurb>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movie {
    pub id: MovieId,
    pub title: Title,
    pub runtime: Runtime,
    /// The ticket types sold at every screening of the movie (`adult` is the old `price`).
    pub prices: TicketPrices,
    pub surcharges: SeatSurcharges,
    pub details: MovieDetails,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_is_between_1_and_600_minutes() {
        assert_eq!(Runtime::minutes(120).unwrap().as_minutes(), 120);
        assert!(Runtime::minutes(600).is_ok());
        assert!(Runtime::minutes(0).is_err());
        assert!(Runtime::minutes(-5).is_err());
        assert!(Runtime::minutes(601).is_err());
    }

    #[test]
    fn a_title_is_trimmed_and_must_not_be_empty() {
        assert_eq!(Title::parse(" Dune ").unwrap().as_str(), "Dune");
        assert!(Title::parse("").is_err());
        assert!(Title::parse(" \t ").is_err());
        assert!(Title::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn an_age_rating_is_all_12_15_or_18() {
        assert_eq!(AgeRating::parse(" 15 ").unwrap(), AgeRating::Fifteen);
        assert_eq!(AgeRating::parse("ALL").unwrap(), AgeRating::All);
        assert_eq!(AgeRating::default().as_str(), "ALL");
        for bad in ["all", "19", "", "R"] {
            assert!(AgeRating::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn genre_and_synopsis_are_trimmed_bounded_and_free_of_control_characters() {
        let genre = Blurb::parse("genre", " 드라마 ", MAX_GENRE_CHARS).unwrap();
        assert_eq!(genre.unwrap().as_str(), "드라마");
        assert_eq!(Blurb::parse("genre", "  ", MAX_GENRE_CHARS).unwrap(), None);
        assert!(Blurb::parse("genre", &"x".repeat(51), MAX_GENRE_CHARS).is_err());
        assert!(Blurb::parse("synopsis", &"가".repeat(2_000), MAX_SYNOPSIS_CHARS).is_ok());
        let error = Blurb::parse("synopsis", "a\u{7}b", MAX_SYNOPSIS_CHARS).unwrap_err();
        assert!(error.message().starts_with("synopsis"), "{error}");
    }
}
