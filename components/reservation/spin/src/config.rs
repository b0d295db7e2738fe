//! Configuration from Spin variables.

use cinema_http::variable_or;
use reservation_core::breaker::BreakerConfig;
use reservation_core::use_cases::Timing;

pub struct Config {
    pub redis_address: String,
    pub payment_url: String,
    pub timing: Timing,
    pub breaker: BreakerConfig,
}

impl Config {
    pub fn load() -> Self {
        let number = |name: &str, default: u64| {
            variable_or(name, &default.to_string())
                .trim()
                .parse()
                .unwrap_or(default)
        };
        // The API caps the payment timeout at 3 s.
        let payment_timeout_ms = number("payment_timeout_ms", 2000).clamp(1, 3000);
        // A hold lasts at least a few seconds and at most a day.
        let hold_ttl_s = number("hold_ttl_s", 600).clamp(1, 86_400);
        Self {
            redis_address: cinema_eventing::redis_address(),
            payment_url: variable_or("payment_url", "http://payment.spin.internal"),
            timing: Timing {
                hold_ttl: chrono::Duration::seconds(i64::try_from(hold_ttl_s).unwrap_or(600)),
                payment_timeout_ms,
            },
            breaker: BreakerConfig {
                failure_threshold: u32::try_from(number("payment_breaker_failures", 5))
                    .unwrap_or(5)
                    .max(1),
                open_for_ms: i64::try_from(number("payment_breaker_open_s", 10))
                    .unwrap_or(10)
                    .max(1)
                    * 1000,
                probe_timeout_ms: i64::try_from(payment_timeout_ms).unwrap_or(2000) * 2,
            },
        }
    }
}

/// The key tickets are signed with (`ticket_secret`, secret; no default). Read only by the ticket
/// and check-in routes.
///
/// # Errors
/// Unset or shorter than 32 bytes: what is wrong, for the log.
pub fn ticket_secret() -> Result<reservation_core::TicketSecret, String> {
    let value = spin_sdk::variables::get("ticket_secret").unwrap_or_default();
    if value.is_empty() {
        return Err("is not set".into());
    }
    reservation_core::TicketSecret::new(&value)
}
