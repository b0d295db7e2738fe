//! The component's configuration, read from Spin variables only (`notification-events` and, for
//! `POST /admin/events/drain`, `notification` have them).

use std::time::Duration;

use cinema_http::{Level, log};
use notification_core::locale::VenueZone;
use notification_core::notification::ChannelKind;

use crate::CONTEXT;
use crate::channels::{Kakao, LogChannel};
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
    /// The zone showtimes are told in (`venue_timezone`, an IANA name; default and fallback
    /// `Asia/Seoul`).
    pub venue_zone: VenueZone,
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
            venue_zone: venue_zone(&cinema_http::variable_or(
                "venue_timezone",
                VenueZone::DEFAULT_NAME,
            )),
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

/// The configured zone; an unknown name falls back to Seoul, and the log says so.
fn venue_zone(name: &str) -> VenueZone {
    VenueZone::parse(name).unwrap_or_else(|e| {
        log(
            CONTEXT,
            Level::Warn,
            "venue_timezone is not a time zone; showtimes are told in Asia/Seoul",
            &[("venue_timezone", name), ("error", &e.to_string())],
        );
        VenueZone::default()
    })
}
