//! What this context's counters count (`GET /admin/metrics`): every authorization by its outcome
//! and every refund by its reason, each with its amount. The store counts them in the
//! transaction that records the payment, the attempt or the refund.

use crate::authorization::AttemptOutcome;

/// How an authorization ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorized {
    /// A new charge (a replayed one is not counted again).
    Approved,
    Declined,
    /// The provider failed or did not answer.
    Unavailable,
}

impl Authorized {
    pub const ALL: [Self; 3] = [Self::Approved, Self::Declined, Self::Unavailable];

    /// [`Authorized::ALL`] spelled out (the metric's label values).
    pub const LABELS: [&'static str; 3] = [
        Self::ALL[0].as_str(),
        Self::ALL[1].as_str(),
        Self::ALL[2].as_str(),
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Declined => "declined",
            Self::Unavailable => "unavailable",
        }
    }

    /// The outcome of an attempt that did not end in an approval.
    pub fn of_attempt(outcome: AttemptOutcome) -> Self {
        match outcome {
            AttemptOutcome::Declined => Self::Declined,
            AttemptOutcome::ProviderUnavailable => Self::Unavailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::RefundReason;

    #[test]
    fn attempts_are_counted_by_what_became_of_them() {
        assert_eq!(
            Authorized::of_attempt(AttemptOutcome::Declined),
            Authorized::Declined
        );
        assert_eq!(
            Authorized::of_attempt(AttemptOutcome::ProviderUnavailable),
            Authorized::Unavailable
        );
        assert_eq!(Authorized::LABELS, ["approved", "declined", "unavailable"]);
    }

    #[test]
    fn refund_reasons_are_labelled_as_the_contract_spells_them() {
        assert_eq!(
            RefundReason::LABELS.map(RefundReason::parse),
            RefundReason::ALL.map(Some)
        );
    }
}
