//! Identifiers: opaque strings chosen by the context that creates the entity (UUIDv7 here, any
//! non-empty token from other contexts).

use std::fmt;

use crate::ValidationError;

/// Longest accepted identifier.
pub const MAX_ID_LEN: usize = 128;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// # Errors
            /// Empty, longer than [`MAX_ID_LEN`], or containing whitespace, control characters
            /// or `/` (ids appear in URL paths).
            pub fn parse(text: impl Into<String>) -> Result<Self, ValidationError> {
                let text = text.into();
                if text.is_empty() {
                    return Err(ValidationError::new(concat!($what, " is empty")));
                }
                if text.len() > MAX_ID_LEN
                    || text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/')
                {
                    return Err(ValidationError::new(format!(concat!($what, " {:?} is not a valid id"), text)));
                }
                Ok(Self(text))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A screening hall.
    HallId,
    "hall_id"
);
id_type!(
    /// A registered movie.
    MovieId,
    "movie_id"
);
id_type!(
    /// One showing of a movie in a hall.
    ScreeningId,
    "screening_id"
);
id_type!(
    /// A reservation (owned by the reservation context).
    ReservationId,
    "reservation_id"
);
id_type!(
    /// A seat hold (owned by the reservation context).
    HoldId,
    "hold_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_must_be_a_non_empty_token_without_slashes() {
        assert!(HallId::parse("h-1").is_ok());
        assert!(HallId::parse("").is_err());
        assert!(HallId::parse("a/b").is_err());
        assert!(HallId::parse("a b").is_err());
        assert!(HallId::parse("x".repeat(MAX_ID_LEN + 1)).is_err());
    }
}
