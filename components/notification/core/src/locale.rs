//! What a message is rendered in: the customer's language and the venue's time zone.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The languages messages are written in. Korean unless the customer asked for English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ko,
    En,
}

/// A language code other than `ko` or `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("language must be \"ko\" or \"en\", not {0:?}")]
pub struct UnknownLanguage(pub String);

impl Language {
    /// # Errors
    /// Anything but `ko` or `en` (exactly: codes are lower case).
    pub fn parse(code: &str) -> Result<Self, UnknownLanguage> {
        match code {
            "ko" => Ok(Self::Ko),
            "en" => Ok(Self::En),
            other => Err(UnknownLanguage(other.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ko => "ko",
            Self::En => "en",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The venue's time zone (an IANA name such as `Asia/Seoul`): showtimes are told in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VenueZone(Tz);

/// A name that is not in the IANA time-zone database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA time zone name (e.g. Asia/Seoul)")]
pub struct UnknownZone(pub String);

impl VenueZone {
    /// The zone when none (or an unknown one) is configured.
    pub const DEFAULT_NAME: &'static str = "Asia/Seoul";

    /// # Errors
    /// A name the time-zone database does not know.
    pub fn parse(name: &str) -> Result<Self, UnknownZone> {
        name.trim()
            .parse::<Tz>()
            .map(Self)
            .map_err(|_| UnknownZone(name.to_string()))
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The wall-clock time at the venue.
    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<Tz> {
        instant.with_timezone(&self.0)
    }
}

impl Default for VenueZone {
    fn default() -> Self {
        Self(chrono_tz::Asia::Seoul)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_korean_and_english_are_languages() {
        assert_eq!(Language::parse("ko"), Ok(Language::Ko));
        assert_eq!(Language::parse("en"), Ok(Language::En));
        for bad in ["", "EN", "fr", "ko-KR", " en"] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn korean_is_the_default_language() {
        assert_eq!(Language::default(), Language::Ko);
    }

    #[test]
    fn the_default_venue_zone_is_seoul_and_iana_names_parse() {
        assert_eq!(VenueZone::default().name(), "Asia/Seoul");
        assert_eq!(
            VenueZone::parse("America/Los_Angeles").unwrap().name(),
            "America/Los_Angeles"
        );
        assert!(VenueZone::parse("Mars/Olympus_Mons").is_err());
        assert!(VenueZone::parse("").is_err());
    }
}
