//! The JSON shapes of the payment API.

use chrono::SecondsFormat;
use payment_core::model::Money;
use payment_core::payment::Payment;
use payment_core::simulator::SimulatorSettings;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct MoneyBody {
    pub amount: i64,
    pub currency: String,
}

impl From<&Money> for MoneyBody {
    fn from(m: &Money) -> Self {
        Self {
            amount: m.minor(),
            currency: m.currency().as_str().to_string(),
        }
    }
}

#[derive(Serialize)]
pub struct RefundView {
    pub refund_id: String,
    pub amount: MoneyBody,
    pub reason: &'static str,
    pub created_at: String,
}

#[derive(Serialize)]
pub struct PaymentView {
    pub payment_id: String,
    pub reservation_id: String,
    pub customer_id: String,
    pub amount: MoneyBody,
    pub status: &'static str,
    pub created_at: String,
    pub refunds: Vec<RefundView>,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            payment_id: p.id().to_string(),
            reservation_id: p.reservation_id().to_string(),
            customer_id: p.customer_id().as_str().to_string(),
            amount: p.amount().into(),
            status: p.status().as_str(),
            created_at: p.created_at().to_rfc3339_opts(SecondsFormat::Millis, true),
            refunds: p
                .refund_record()
                .map(|r| RefundView {
                    refund_id: r.id.to_string(),
                    amount: (&r.amount).into(),
                    reason: r.reason.as_str(),
                    created_at: r.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                })
                .into_iter()
                .collect(),
        }
    }
}

/// `POST /payments` body.
#[derive(Deserialize)]
pub struct AuthorizeBody {
    pub reservation_id: String,
    pub customer_id: String,
    pub amount: MoneyBody,
    pub card_token: String,
}

/// `PUT /admin/payment-simulator` body and the settings' view.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorBody {
    pub latency_ms: u64,
    pub failure_rate: f64,
}

impl From<&SimulatorSettings> for SimulatorBody {
    fn from(s: &SimulatorSettings) -> Self {
        Self {
            latency_ms: s.latency_ms(),
            failure_rate: s.failure_rate(),
        }
    }
}
