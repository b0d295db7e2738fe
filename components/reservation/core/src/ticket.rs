//! Booking numbers and signed tickets.
//!
//! A **booking number** is what a person reads, says and types: `YYMM-NNNN-NNNN` (the booking's
//! month in UTC, then 8 random digits), e.g. `2612-0457-3921`. Random rather than sequential, so
//! a number says nothing about sales and a neighbour's number cannot be guessed from one's own;
//! the month keeps numbers short while spreading them over 10⁸ per month. The store makes them
//! unique (a unique index; it draws again on a clash).
//!
//! A **ticket code** is `<booking number>.<signature>`: the signature is HMAC-SHA256, keyed by the
//! `ticket_secret`, over the booking number and the reservation id, truncated to 80 bits and
//! written in RFC 4648 base32 (16 characters). Digits, upper-case letters, `-` and `.` are all in
//! QR's alphanumeric mode, so the whole code fits a small QR code (version 2). Binding the
//! reservation id means a ticket never fits another booking, even one that got the same number
//! in another database. 80 bits cannot be guessed online; verifying compares in constant time.

use std::fmt;

use chrono::{DateTime, Datelike, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::model::ReservationId;

/// `YYMM-NNNN-NNNN`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BookingNumber(String);

impl BookingNumber {
    /// How many serials a month has (8 digits).
    pub const SERIALS: u64 = 100_000_000;

    /// The number of a booking made at `at` with `serial` (taken modulo [`Self::SERIALS`]).
    pub fn new(at: DateTime<Utc>, serial: u64) -> Self {
        let serial = serial % Self::SERIALS;
        Self(format!(
            "{:02}{:02}-{:04}-{:04}",
            at.year().rem_euclid(100),
            at.month(),
            serial / 10_000,
            serial % 10_000
        ))
    }

    /// # Errors
    /// Not `YYMM-NNNN-NNNN` with a month 01–12.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bytes = text.as_bytes();
        let shape = bytes.len() == 14
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 9 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        let month = text.get(2..4).and_then(|m| m.parse::<u32>().ok());
        if shape && month.is_some_and(|m| (1..=12).contains(&m)) {
            Ok(Self(text.to_string()))
        } else {
            Err(format!("{text:?} is not a booking number (YYMM-NNNN-NNNN)"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BookingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key tickets are signed with (the `ticket_secret` variable): at least 32 bytes.
#[derive(Clone)]
pub struct TicketSecret(Vec<u8>);

impl TicketSecret {
    pub const MIN_LEN: usize = 32;

    /// # Errors
    /// Shorter than [`Self::MIN_LEN`] bytes (or empty: unset).
    pub fn new(value: &str) -> Result<Self, String> {
        if value.len() < Self::MIN_LEN {
            return Err(format!(
                "is {} bytes; at least {} random bytes are needed",
                value.len(),
                Self::MIN_LEN
            ));
        }
        Ok(Self(value.as_bytes().to_vec()))
    }

    fn mac(&self, number: &BookingNumber, reservation: &ReservationId) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"cinema-ticket-v1\n");
        mac.update(number.as_str().as_bytes());
        mac.update(b"\n");
        mac.update(reservation.as_str().as_bytes());
        mac
    }
}

impl fmt::Debug for TicketSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TicketSecret(…)")
    }
}

/// The signature's length: 80 bits, 16 base32 characters.
const SIGNATURE_BYTES: usize = 10;

/// `<booking number>.<signature>`, what the ticket's QR code holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCode {
    booking_number: BookingNumber,
    signature: [u8; SIGNATURE_BYTES],
}

impl TicketCode {
    /// The ticket of the booking `reservation` numbered `number`.
    pub fn issue(
        secret: &TicketSecret,
        number: &BookingNumber,
        reservation: &ReservationId,
    ) -> Self {
        let digest = secret.mac(number, reservation).finalize().into_bytes();
        let mut signature = [0; SIGNATURE_BYTES];
        signature.copy_from_slice(&digest[..SIGNATURE_BYTES]);
        Self {
            booking_number: number.clone(),
            signature,
        }
    }

    /// Reads a scanned or typed code (surrounding blanks ignored, letters in either case).
    ///
    /// # Errors
    /// Not a booking number, a dot and 16 base32 characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || "not a ticket code".to_string();
        let (number, signature) = text.trim().split_once('.').ok_or_else(bad)?;
        let booking_number = BookingNumber::parse(number).map_err(|_| bad())?;
        let signature = base32::decode(signature).ok_or_else(bad)?;
        Ok(Self {
            booking_number,
            signature,
        })
    }

    pub fn booking_number(&self) -> &BookingNumber {
        &self.booking_number
    }

    /// Whether this code was issued with `secret` for the booking `reservation` (constant time).
    pub fn verify(&self, secret: &TicketSecret, reservation: &ReservationId) -> bool {
        secret
            .mac(&self.booking_number, reservation)
            .verify_truncated_left(&self.signature)
            .is_ok()
    }
}

impl fmt::Display for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            self.booking_number,
            base32::encode(&self.signature)
        )
    }
}

/// RFC 4648 base32 of exactly [`SIGNATURE_BYTES`] (80 bits = 16 characters, no padding).
mod base32 {
    use super::SIGNATURE_BYTES;

    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const CHARS: usize = SIGNATURE_BYTES * 8 / 5;

    pub fn encode(bytes: &[u8; SIGNATURE_BYTES]) -> String {
        let bits = bytes
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
        (0..CHARS)
            .rev()
            .map(|i| char::from(ALPHABET[usize::try_from((bits >> (i * 5)) & 31).unwrap_or(0)]))
            .collect()
    }

    pub fn decode(text: &str) -> Option<[u8; SIGNATURE_BYTES]> {
        if text.len() != CHARS {
            return None;
        }
        let mut bits = 0u128;
        for c in text.bytes() {
            let c = c.to_ascii_uppercase();
            let value = ALPHABET.iter().position(|a| *a == c)?;
            bits = (bits << 5) | u128::try_from(value).ok()?;
        }
        let mut bytes = [0; SIGNATURE_BYTES];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::try_from((bits >> ((SIGNATURE_BYTES - 1 - i) * 8)) & 0xff).ok()?;
        }
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key(fill: char) -> TicketSecret {
        TicketSecret::new(&fill.to_string().repeat(40)).unwrap()
    }

    fn number() -> BookingNumber {
        BookingNumber::parse("2612-0457-3921").unwrap()
    }

    fn rid(id: &str) -> ReservationId {
        ReservationId::parse(id).unwrap()
    }

    #[test]
    fn a_booking_number_is_the_month_and_eight_digits() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap();
        assert_eq!(BookingNumber::new(at, 4_573_921).as_str(), "2612-0457-3921");
        assert_eq!(BookingNumber::new(at, 0).as_str(), "2612-0000-0000");
        assert_eq!(
            BookingNumber::new(at, BookingNumber::SERIALS + 7).as_str(),
            "2612-0000-0007"
        );
        let march = Utc.with_ymd_and_hms(2031, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(
            BookingNumber::new(march, 99_999_999).as_str(),
            "3103-9999-9999"
        );
    }

    #[test]
    fn only_the_booking_number_shape_parses() {
        assert!(BookingNumber::parse("2612-0457-3921").is_ok());
        for bad in [
            "",
            "2612-0457-392",
            "2612_0457_3921",
            "2613-0457-3921",
            "2600-0457-3921",
            "26120457-3921-",
            "2612-0457-392a",
        ] {
            assert!(BookingNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_secret_needs_thirty_two_bytes() {
        assert!(TicketSecret::new("").is_err());
        assert!(TicketSecret::new(&"k".repeat(31)).is_err());
        assert!(TicketSecret::new(&"k".repeat(32)).is_ok());
    }

    #[test]
    fn an_issued_code_is_short_alphanumeric_and_verifies() {
        let code = TicketCode::issue(&key('k'), &number(), &rid("r1"));
        let text = code.to_string();
        assert_eq!(text.len(), 14 + 1 + 16, "{text}");
        assert!(text.starts_with("2612-0457-3921."));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-' || b == b'.')
        );
        let read = TicketCode::parse(&text).unwrap();
        assert_eq!(read, code);
        assert!(read.verify(&key('k'), &rid("r1")));
        // Typed in lower case, with blanks around it.
        let typed = TicketCode::parse(&format!("  {}\n", text.to_lowercase())).unwrap();
        assert!(typed.verify(&key('k'), &rid("r1")));
    }

    #[test]
    fn a_forged_signature_another_secret_or_another_booking_does_not_verify() {
        let text = TicketCode::issue(&key('k'), &number(), &rid("r1")).to_string();
        let last = text.chars().last().unwrap();
        let flipped = format!(
            "{}{}",
            &text[..text.len() - 1],
            if last == 'A' { 'B' } else { 'A' }
        );
        assert!(
            !TicketCode::parse(&flipped)
                .unwrap()
                .verify(&key('k'), &rid("r1"))
        );
        let code = TicketCode::parse(&text).unwrap();
        assert!(!code.verify(&key('q'), &rid("r1")));
        assert!(!code.verify(&key('k'), &rid("r2")));
        // Another number with the same signature.
        let moved = text.replacen("2612-0457-3921", "2612-0457-3922", 1);
        assert!(
            !TicketCode::parse(&moved)
                .unwrap()
                .verify(&key('k'), &rid("r1"))
        );
    }

    #[test]
    fn malformed_codes_do_not_parse() {
        for bad in [
            "",
            "2612-0457-3921",
            "2612-0457-3921.",
            "2612-0457-3921.ABC",
            "x.AAAAAAAAAAAAAAAA",
            "2612-0457-3921.AAAAAAAAAAAAAAA1",
            "2612-0457-3921.AAAAAAAAAAAAAAAAA",
        ] {
            assert!(TicketCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base32_round_trips() {
        let bytes = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 42, 7, 9];
        assert_eq!(base32::decode(&base32::encode(&bytes)), Some(bytes));
        // RFC 4648's vector: BASE32("fooba") = "MZXW6YTB".
        assert_eq!(base32::encode(b"foobafooba"), "MZXW6YTBMZXW6YTB");
        assert_eq!(base32::encode(&[0; SIGNATURE_BYTES]), "AAAAAAAAAAAAAAAA");
        assert_eq!(base32::encode(&[0xff; SIGNATURE_BYTES]), "7777777777777777");
    }
}
