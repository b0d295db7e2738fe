//! Value objects of the payment context: identifiers, money, card tokens. Each has a private
//! representation and a fallible constructor, so a value that exists is a valid one.

use std::fmt;

/// A rejected input: which field and why, in words a client can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: &'static str,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

fn identifier(field: &'static str, value: &str, max_len: usize) -> Result<String, Invalid> {
    if value.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if value.len() > max_len {
        return Err(Invalid::new(
            field,
            format!("must be at most {max_len} characters"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Err(Invalid::new(
            field,
            "may contain only letters, digits, '-', '_', '.' and ':'",
        ));
    }
    Ok(value.to_string())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// # Errors
            /// Empty, longer than 64 characters, or characters outside `[A-Za-z0-9-_.:]`.
            pub fn parse(value: &str) -> Result<Self, Invalid> {
                identifier($field, value, 64).map(Self)
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
    /// The reservation a payment is for; also the idempotency key of an authorization.
    ReservationId,
    "reservation_id"
);
id_type!(
    /// A payment (an approved charge).
    PaymentId,
    "payment_id"
);
id_type!(
    /// A refund of a payment.
    RefundId,
    "refund_id"
);
id_type!(
    /// A recorded authorization attempt that did not end in an approval.
    AttemptId,
    "attempt_id"
);

/// The paying customer: the token's `sub`, which may be an e-mail address or any printable text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerId(String);

impl CustomerId {
    /// # Errors
    /// Empty, longer than 128 characters, or containing whitespace or control characters.
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        if value.is_empty() {
            return Err(Invalid::new("customer_id", "must not be empty"));
        }
        if value.chars().count() > 128 {
            return Err(Invalid::new(
                "customer_id",
                "must be at most 128 characters",
            ));
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Invalid::new(
                "customer_id",
                "must not contain whitespace or control characters",
            ));
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 4217 currency code: three upper-case letters such as `KRW`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    /// # Errors
    /// Not three upper-case ASCII letters.
    pub fn parse(code: &str) -> Result<Self, Invalid> {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code.to_string()))
        } else {
            Err(Invalid::new(
                "amount.currency",
                "must be an ISO 4217 code such as \"KRW\"",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A positive amount of money in integer minor units (KRW has none: 12000 = ₩12,000).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// The largest amount one payment may carry (₩1,000,000,000,000): far above any booking, far
    /// below overflow.
    pub const MAX_MINOR: i64 = 1_000_000_000_000;

    /// # Errors
    /// The amount is not positive or over [`Money::MAX_MINOR`], or the currency is not a code.
    pub fn new(minor: i64, currency: &str) -> Result<Self, Invalid> {
        let currency = Currency::parse(currency)?;
        if minor <= 0 {
            return Err(Invalid::new(
                "amount.amount",
                "must be a positive number of minor units",
            ));
        }
        if minor > Self::MAX_MINOR {
            return Err(Invalid::new(
                "amount.amount",
                format!("must be at most {}", Self::MAX_MINOR),
            ));
        }
        Ok(Self { minor, currency })
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The contract's representation of this amount.
    pub fn to_event(&self) -> cinema_events::Money {
        cinema_events::Money {
            amount: self.minor,
            currency: self.currency.0.clone(),
        }
    }
}

/// A card token issued by the (simulated) card vault: `tok_` followed by 1–60 of `[A-Za-z0-9_-]`.
/// Raw card numbers never reach this context.
#[derive(Clone, PartialEq, Eq)]
pub struct CardToken(String);

impl CardToken {
    const PREFIX: &'static str = "tok_";
    /// The token the simulator always declines.
    pub const DECLINED: &'static str = "tok_declined";

    /// # Errors
    /// Not of the form `tok_<1–60 of [A-Za-z0-9_-]>`.
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let rest = value.strip_prefix(Self::PREFIX).ok_or_else(|| {
            Invalid::new("card_token", "must be a card token starting with \"tok_\"")
        })?;
        if rest.is_empty()
            || rest.len() > 60
            || !rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(Invalid::new(
                "card_token",
                "must be \"tok_\" followed by 1 to 60 letters, digits, '_' or '-'",
            ));
        }
        Ok(Self(value.to_string()))
    }

    /// Whether the issuer declines every charge on this card.
    pub fn is_declined_by_issuer(&self) -> bool {
        self.0 == Self::DECLINED
    }
}

/// Tokens are credentials: never print them whole.
impl fmt::Debug for CardToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardToken(tok_…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_must_be_positive() {
        assert!(Money::new(0, "KRW").is_err());
        assert!(Money::new(-1, "KRW").is_err());
        assert_eq!(Money::new(12_000, "KRW").unwrap().minor(), 12_000);
    }

    #[test]
    fn money_rejects_amounts_beyond_the_cap() {
        assert!(Money::new(Money::MAX_MINOR, "KRW").is_ok());
        assert!(Money::new(Money::MAX_MINOR + 1, "KRW").is_err());
    }

    #[test]
    fn a_currency_is_three_upper_case_letters() {
        assert!(Currency::parse("KRW").is_ok());
        for bad in ["krw", "KR", "KRWW", "", "K1W", "₩"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_card_token_starts_with_tok() {
        assert!(CardToken::parse("tok_visa").is_ok());
        assert!(CardToken::parse("tok_visa-debit_2").is_ok());
        for bad in [
            "visa",
            "tok_",
            "TOK_visa",
            "tok_ visa",
            "tok_visa!",
            "4111111111111111",
        ] {
            assert!(CardToken::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_tok_declined_is_declined_by_the_issuer() {
        assert!(
            CardToken::parse("tok_declined")
                .unwrap()
                .is_declined_by_issuer()
        );
        assert!(
            !CardToken::parse("tok_visa")
                .unwrap()
                .is_declined_by_issuer()
        );
    }

    #[test]
    fn a_card_token_is_not_printed_in_debug_output() {
        let token = CardToken::parse("tok_secret123").unwrap();
        assert!(!format!("{token:?}").contains("secret123"));
    }

    #[test]
    fn identifiers_reject_empty_and_odd_characters() {
        assert!(ReservationId::parse("0193a6f0-1c2d-7abc-8def-0123456789ab").is_ok());
        assert!(ReservationId::parse("").is_err());
        assert!(ReservationId::parse("a b").is_err());
        assert!(ReservationId::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn a_customer_id_may_be_an_email_but_not_contain_spaces() {
        assert!(CustomerId::parse("alice@example.com").is_ok());
        assert!(CustomerId::parse("alice smith").is_err());
        assert!(CustomerId::parse("").is_err());
    }
}
