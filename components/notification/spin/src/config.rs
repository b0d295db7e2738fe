//! The component's configuration, read from Spin variables only (`notification-events` and, for
//! `POST /admin/events/drain`, `notification` have them).

use crate::channels::{Kakao, LogChannel};
use notification_core::ports::ChatChannel;

pub struct Config {
    pub redis_address: String,
    /// The chat endpoint (`kakao_endpoint`); empty → messages go to the log.
    pub kakao_endpoint: String,
    /// Sent as `Authorization: Bearer <token>` (`kakao_token`, a secret).
    pub kakao_token: String,
}

impl Config {
    pub fn load() -> Self {
        Self {
            redis_address: cinema_http::variable_or("redis_address", "redis://127.0.0.1:6379"),
            kakao_endpoint: cinema_http::variable_or("kakao_endpoint", ""),
            kakao_token: cinema_http::variable_or("kakao_token", ""),
        }
    }

    /// The channel messages go through: the endpoint when one is configured, else the log.
    pub fn channel(&self) -> Box<dyn ChatChannel> {
        if self.kakao_endpoint.trim().is_empty() {
            Box::new(LogChannel)
        } else {
            Box::new(Kakao::new(self.kakao_endpoint.trim(), &self.kakao_token))
        }
    }
}
