//! The component's configuration, read from Spin variables only (`notification-events` and, for
//! `POST /admin/events/drain`, `notification` have them).

use std::time::Duration;

use crate::channels::{Kakao, LogChannel};
use notification_core::notification::ChannelKind;
use notification_core::ports::ChatChannel;

pub struct Config {
    pub redis_address: String,
    /// The chat endpoint (`kakao_endpoint`); empty → messages go to the log.
    pub kakao_endpoint: String,
    /// Sent as `Authorization: Bearer <token>` (`kakao_token`, a secret).
    pub kakao_token: String,
    /// One chat call, connect to last byte (`kakao_timeout_ms`, default 3000, 100–20000: the
    /// delivery lease, 30 s, must outlive the longest call so no message is sent twice).
    pub kakao_timeout: Duration,
}

impl Config {
    pub fn load() -> Self {
        Self {
            redis_address: cinema_http::redis_address(),
            kakao_endpoint: cinema_http::variable_or("kakao_endpoint", ""),
            kakao_token: cinema_http::variable_or("kakao_token", ""),
            kakao_timeout: Duration::from_millis(
                cinema_http::variable_or("kakao_timeout_ms", "3000")
                    .trim()
                    .parse::<u64>()
                    .unwrap_or(3000)
                    .clamp(100, 20_000),
            ),
        }
    }

    pub fn channel_kind(&self) -> ChannelKind {
        if self.kakao_endpoint.trim().is_empty() {
            ChannelKind::Log
        } else {
            ChannelKind::Kakao
        }
    }

    /// The channel messages go through: the endpoint when one is configured, else the log.
    pub fn channel(&self) -> Box<dyn ChatChannel> {
        match self.channel_kind() {
            ChannelKind::Log => Box::new(LogChannel),
            ChannelKind::Kakao => Box::new(Kakao::new(
                self.kakao_endpoint.trim(),
                &self.kakao_token,
                self.kakao_timeout,
            )),
        }
    }
}
