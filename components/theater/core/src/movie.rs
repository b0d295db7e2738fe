//! Movies as the theater registers them.

use crate::ValidationError;
use crate::ids::MovieId;
use crate::money::Money;

pub const MAX_TITLE_CHARS: usize = 200;
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movie {
    pub id: MovieId,
    pub title: Title,
    pub runtime: Runtime,
    /// The ticket price of every screening of the movie.
    pub price: Money,
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
}
