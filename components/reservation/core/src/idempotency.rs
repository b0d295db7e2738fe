//! `Idempotency-Key` for booking requests: scoped to the customer; the same key with the same
//! request replays the first accepted answer; the same key with a different request is refused.
//! Only accepted (202) requests are remembered, so a 402/503 may be retried with the same key.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pricing::Tickets;

/// The parts of a booking request that must match for a replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fingerprint {
    pub screening_id: String,
    pub seats: Vec<String>,
    pub card_token: String,
    /// Set when the request names a hold (then `screening_id` and `seats` are empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_id: Option<String>,
    /// The tickets by type, unless they are one adult per seat: a request without `tickets`
    /// and one naming exactly those mean the same (and keys stored before ticket types match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tickets: Option<BTreeMap<&'static str, u32>>,
}

impl Fingerprint {
    pub fn of_seats(
        screening_id: &str,
        seats: &[String],
        tickets: Option<&Tickets>,
        card_token: &str,
    ) -> Self {
        Self {
            screening_id: screening_id.to_string(),
            seats: seats.to_vec(),
            card_token: card_token.to_string(),
            hold_id: None,
            tickets: tickets
                .filter(|t| !t.all_adult(seats.len()))
                .map(Tickets::by_name),
        }
    }

    pub fn of_hold(hold_id: &str, card_token: &str) -> Self {
        Self {
            screening_id: String::new(),
            seats: Vec::new(),
            card_token: card_token.to_string(),
            hold_id: Some(hold_id.to_string()),
            tickets: None,
        }
    }

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
        let seats: Vec<String> = seats.iter().map(|s| s.to_string()).collect();
        Fingerprint::of_seats("s1", &seats, None, "tok_visa")
    }

    fn tickets(counts: &[(&str, i64)]) -> Tickets {
        let request = counts.iter().map(|(t, n)| (t.to_string(), *n)).collect();
        Tickets::parse(&request).unwrap()
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

    #[test]
    fn a_booking_by_seats_keeps_the_fingerprint_form_keys_were_stored_with() {
        assert_eq!(
            request(&["A1"]).canonical(),
            r#"{"screening_id":"s1","seats":["A1"],"card_token":"tok_visa"}"#
        );
        let by_hold = Fingerprint::of_hold("h1", "tok_visa");
        assert_ne!(
            check(Some((&by_hold.canonical(), "r1")), &request(&["A1"])),
            Replay::Fresh
        );
        assert_eq!(
            check(Some((&by_hold.canonical(), "r1")), &request(&["A1"])),
            Replay::Conflict
        );
    }

    #[test]
    fn the_same_seats_with_other_tickets_are_a_different_request() {
        let seats = vec!["A1".to_string(), "A2".to_string()];
        let first = Fingerprint::of_seats(
            "s1",
            &seats,
            Some(&tickets(&[("adult", 1), ("youth", 1)])),
            "tok_visa",
        );
        let other =
            Fingerprint::of_seats("s1", &seats, Some(&tickets(&[("adult", 2)])), "tok_visa");
        assert_eq!(
            check(Some((&first.canonical(), "r1")), &other),
            Replay::Conflict
        );
        assert_eq!(
            check(Some((&first.canonical(), "r1")), &first),
            Replay::Same {
                reservation_id: "r1".into()
            }
        );
    }

    #[test]
    fn all_adult_tickets_are_the_same_request_as_none_and_as_keys_stored_before_tickets() {
        let seats = vec!["A1".to_string(), "A2".to_string()];
        let stored_before = r#"{"screening_id":"s1","seats":["A1","A2"],"card_token":"tok_visa"}"#;
        let adults =
            Fingerprint::of_seats("s1", &seats, Some(&tickets(&[("adult", 2)])), "tok_visa");
        assert_eq!(adults.canonical(), stored_before);
        assert_eq!(
            Fingerprint::of_seats("s1", &seats, None, "tok_visa").canonical(),
            stored_before
        );
    }
}
