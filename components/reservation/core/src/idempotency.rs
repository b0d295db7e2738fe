//! `Idempotency-Key` for booking requests: scoped to the customer; the same key with the same
//! request replays the first accepted answer; the same key with a different request is refused.
//! Only accepted (202) requests are remembered, so a 402/503 may be retried with the same key.

use serde::Serialize;

/// The parts of a booking request that must match for a replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fingerprint {
    pub screening_id: String,
    pub seats: Vec<String>,
    pub card_token: String,
}

impl Fingerprint {
    /// A canonical text form, stored with the key.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("a fingerprint always serialises")
    }
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Replay {
    /// Never seen: process it.
    Fresh,
    /// Seen with the same request: answer with the stored reservation.
    Same { reservation_id: String },
    /// Seen with a different request.
    Conflict,
}

/// # Errors
/// Empty, over 255 characters, or not visible ASCII.
pub fn validate_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("Idempotency-Key must be 1-255 visible ASCII characters".into());
    }
    Ok(())
}

/// Compares a stored `(fingerprint, reservation id)` for the key with the new request.
pub fn check(stored: Option<(&str, &str)>, request: &Fingerprint) -> Replay {
    match stored {
        None => Replay::Fresh,
        Some((fp, id)) if fp == request.canonical() => Replay::Same {
            reservation_id: id.to_string(),
        },
        Some(_) => Replay::Conflict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(seats: &[&str]) -> Fingerprint {
        Fingerprint {
            screening_id: "s1".into(),
            seats: seats.iter().map(|s| s.to_string()).collect(),
            card_token: "tok_visa".into(),
        }
    }

    #[test]
    fn a_new_key_is_fresh() {
        assert_eq!(check(None, &request(&["A1"])), Replay::Fresh);
    }

    #[test]
    fn the_same_request_replays_the_first_reservation() {
        let first = request(&["A1"]).canonical();
        assert_eq!(
            check(Some((&first, "r1")), &request(&["A1"])),
            Replay::Same {
                reservation_id: "r1".into()
            }
        );
    }

    #[test]
    fn a_different_request_with_the_same_key_conflicts() {
        let first = request(&["A1"]).canonical();
        assert_eq!(
            check(Some((&first, "r1")), &request(&["A2"])),
            Replay::Conflict
        );
    }

    #[test]
    fn keys_are_bounded_visible_ascii() {
        assert!(validate_key("order-123").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("has space").is_err());
        assert!(validate_key(&"k".repeat(256)).is_err());
    }
}
