//! The fallback channel when no chat endpoint is configured: one JSON log line per message on
//! stdout, so a development run shows every message a customer would get.

use cinema_http::{Level, log};
use notification_core::notification::ChannelKind;
use notification_core::ports::{ChatChannel, ChatMessage, DeliveryError};

use crate::CONTEXT;

pub struct LogChannel;

impl ChatChannel for LogChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Log
    }

    fn send(&self, message: &ChatMessage<'_>) -> Result<(), DeliveryError> {
        log(
            CONTEXT,
            Level::Info,
            "chat message",
            &[
                ("channel", ChannelKind::Log.as_str()),
                ("correlation_id", message.correlation_id),
                ("reservation_id", message.reservation_id),
                ("receiver_id", message.receiver_id),
                ("notification_id", message.notification_id),
                ("status", message.status),
                ("message", message.text),
            ],
        );
        Ok(())
    }
}
