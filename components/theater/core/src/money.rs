//! Ticket prices in integer minor units.

use crate::ValidationError;

/// The one currency prices are set in.
pub const CURRENCY: &str = "KRW";
/// The most a ticket or a surcharge may cost.
pub const MAX_PRICE: i64 = 10_000_000;

/// A non-negative amount in minor units (KRW has none: 12000 = ₩12,000) of an ISO 4217-style
/// currency code (three uppercase letters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    amount: i64,
    currency: String,
}

impl Money {
    /// Any stored amount (rows from before the KRW and ₩1 rules); new prices use [`Self::ticket`]
    /// and [`Self::surcharge`].
    ///
    /// # Errors
    /// A negative amount, or a currency that is not three uppercase letters.
    pub fn new(amount: i64, currency: &str) -> Result<Self, ValidationError> {
        if amount < 0 {
            return Err(ValidationError::new(format!(
                "price amount must not be negative (got {amount})"
            )));
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ValidationError::new(format!(
                "price currency must be three uppercase letters such as KRW (got {currency:?})"
            )));
        }
        Ok(Self {
            amount,
            currency: currency.to_string(),
        })
    }

    /// A ticket price: KRW, ₩1 to [`MAX_PRICE`] (payment refuses ₩0, and the bound keeps any
    /// total far from overflowing). `what` names the field in the message.
    ///
    /// # Errors
    /// Not KRW, below ₩1 or above the bound.
    pub fn ticket(what: &str, amount: i64, currency: &str) -> Result<Self, ValidationError> {
        if amount < 1 {
            return Err(ValidationError::new(format!(
                "{what}: a free screening cannot be sold: payment needs an amount of at least ₩1 (got {amount})"
            )));
        }
        Self::bounded(what, amount, currency)
    }

    /// A seat surcharge: KRW, ₩0 to [`MAX_PRICE`].
    ///
    /// # Errors
    /// Not KRW, negative or above the bound.
    pub fn surcharge(what: &str, amount: i64, currency: &str) -> Result<Self, ValidationError> {
        if amount < 0 {
            return Err(ValidationError::new(format!(
                "{what}: a surcharge must not be negative (got {amount})"
            )));
        }
        Self::bounded(what, amount, currency)
    }

    fn bounded(what: &str, amount: i64, currency: &str) -> Result<Self, ValidationError> {
        if currency != CURRENCY {
            return Err(ValidationError::new(format!(
                "{what}: the currency must be {CURRENCY} (got {currency:?})"
            )));
        }
        if amount > MAX_PRICE {
            return Err(ValidationError::new(format!(
                "{what}: at most ₩{MAX_PRICE} per ticket (got {amount})"
            )));
        }
        Ok(Self {
            amount,
            currency: CURRENCY.to_string(),
        })
    }

    pub fn amount(&self) -> i64 {
        self.amount
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The contract's form.
    pub fn to_event(&self) -> cinema_events::Money {
        cinema_events::Money {
            amount: self.amount,
            currency: self.currency.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_is_a_non_negative_amount_in_a_three_letter_currency() {
        assert!(Money::new(12_000, "KRW").is_ok());
        assert!(Money::new(0, "USD").is_ok());
        assert!(Money::new(-1, "KRW").is_err());
        assert!(Money::new(1, "krw").is_err());
        assert!(Money::new(1, "KR").is_err());
        assert!(Money::new(1, "KRWW").is_err());
        assert!(Money::new(1, "").is_err());
    }

    #[test]
    fn a_ticket_price_is_at_least_one_won_and_at_most_ten_million_in_krw() {
        assert_eq!(Money::ticket("price", 1, "KRW").unwrap().amount(), 1);
        assert!(Money::ticket("price", MAX_PRICE, "KRW").is_ok());
        let zero = Money::ticket("price", 0, "KRW").unwrap_err();
        assert!(zero.message().contains("at least ₩1"), "{zero}");
        assert!(Money::ticket("price", -5, "KRW").is_err());
        let over = Money::ticket("prices.youth", MAX_PRICE + 1, "KRW").unwrap_err();
        assert!(over.message().starts_with("prices.youth:"), "{over}");
        assert!(Money::ticket("price", i64::MAX, "KRW").is_err());
        assert!(Money::ticket("price", 12_000, "USD").is_err());
    }

    #[test]
    fn a_surcharge_may_be_zero_but_not_negative_or_unbounded() {
        assert!(Money::surcharge("s", 0, "KRW").is_ok());
        assert!(Money::surcharge("s", -1, "KRW").is_err());
        assert!(Money::surcharge("s", MAX_PRICE + 1, "KRW").is_err());
        assert!(Money::surcharge("s", 1, "EUR").is_err());
    }
}
