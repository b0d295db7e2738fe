//! A notification: one chat message about one booking status change, with its delivery log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::delivery::Delivery;
use crate::locale::Language;
use crate::model::{BookingStatus, NotificationId, StatusChange};

/// The outbound channel a message goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// The KakaoTalk-style chat endpoint (HTTP).
    Kakao,
    /// No endpoint configured: the message is written to the log.
    Log,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kakao => "kakao",
            Self::Log => "log",
        }
    }

    /// The channel's name as a customer knows it: the chat app, or the app's own notices for the
    /// log channel (the message is only kept in the customer's list).
    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Kakao, Language::Ko) => "카카오톡",
            (Self::Kakao, Language::En) => "KakaoTalk",
            (Self::Log, Language::Ko) => "앱 알림",
            (Self::Log, Language::En) => "In-app",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub notification_id: NotificationId,
    pub reservation_id: String,
    /// The booking number the message named, if the event carried one.
    #[serde(default)]
    pub booking_number: Option<String>,
    pub customer_id: String,
    pub status: BookingStatus,
    /// The channel of the latest attempt (the configured one before any attempt).
    pub channel: ChannelKind,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub correlation_id: String,
    pub delivery: Delivery,
}

impl Notification {
    /// A new, undelivered notification for a status change.
    pub fn new(
        change: &StatusChange,
        message: String,
        channel: ChannelKind,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            notification_id: change.notification_id(),
            reservation_id: change.reservation_id.clone(),
            booking_number: change.booking_number.clone(),
            customer_id: change.customer_id.clone(),
            status: change.status(),
            channel,
            message,
            created_at: change.occurred_at.unwrap_or(now),
            correlation_id: change.correlation_id.clone(),
            delivery: Delivery::new(),
        }
    }
}
