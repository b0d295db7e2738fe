//! The gateway's configuration: Spin variables only, read into a typed value per request
//! (variables are served from the host's memory; reading them is cheap).

use gateway_core::admission::Limits;
use gateway_core::capacity::Capacity;
use gateway_core::credentials::Settings;
use gateway_core::rate_limit::Limit;
use gateway_core::routes::Context;
use gateway_core::token::TokenRules;

pub struct Config {
    pub auth: Settings,
    /// Where the rate-limit counters live.
    pub redis_address: String,
    pub limits: Limits,
    /// The cap on forwarded requests in flight (`max_in_flight`, `in_flight_scope`).
    pub capacity: Capacity,
    /// Whether answers carry `Server-Timing` (`server_timing`): the gateway's own spans and the
    /// chain's behind them ([`cinema_http::timing`]). Off by default: they tell a client how long
    /// each internal step took.
    pub server_timing: bool,
}

impl Config {
    pub fn load() -> Self {
        let optional = |name: &str| {
            Some(cinema_http::variable_or(name, "").trim().to_string()).filter(|v| !v.is_empty())
        };
        Self {
            auth: Settings {
                jwt_secret: spin_sdk::variables::get("jwt_secret").unwrap_or_default(),
                dev_auth: cinema_http::variable_or("dev_auth", "false")
                    .trim()
                    .eq_ignore_ascii_case("true"),
                rules: TokenRules {
                    issuer: optional("jwt_issuer"),
                    audience: optional("jwt_audience"),
                    max_lifetime_s: optional("jwt_max_lifetime_s")
                        .and_then(|v| v.parse().ok())
                        .filter(|s: &i64| *s > 0)
                        .unwrap_or(TokenRules::DEFAULT_MAX_LIFETIME_S),
                },
                ops_token: spin_sdk::variables::get("ops_token").unwrap_or_default(),
            },
            redis_address: cinema_http::redis_address(),
            limits: Limits {
                per_customer: Limit::parse(
                    &cinema_http::variable_or("rate_limit_customer_per_s", ""),
                    Limits::DEFAULT_PER_CUSTOMER,
                ),
                per_address: Limit::parse(
                    &cinema_http::variable_or("rate_limit_address_per_s", ""),
                    Limits::DEFAULT_PER_ADDRESS,
                ),
            },
            capacity: Capacity::parse(
                &cinema_http::variable_or("max_in_flight", ""),
                &cinema_http::variable_or("in_flight_scope", ""),
            ),
            server_timing: cinema_http::variable_or("server_timing", "false")
                .trim()
                .eq_ignore_ascii_case("true"),
        }
    }
}

/// Where a context is reached. An undefined variable means the in-app default
/// (`http://<ctx>.spin.internal`); a variable set to an empty string means "not deployed with
/// this gateway" — answered with 503 instead of a service-chaining call that would trap.
pub fn context_url(context: Context) -> Option<String> {
    match spin_sdk::variables::get(context.url_variable()) {
        Ok(url) if url.trim().is_empty() => None,
        Ok(url) => Some(url.trim().to_string()),
        Err(_) => Some(context.default_url()),
    }
}
