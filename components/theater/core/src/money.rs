//! Ticket prices in integer minor units.

use crate::ValidationError;

/// A non-negative amount in minor units (KRW has none: 12000 = ₩12,000) of an ISO 4217-style
/// currency code (three uppercase letters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    amount: i64,
    currency: String,
}

impl Money {
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
}
