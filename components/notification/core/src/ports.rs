//! What the notification core needs from the outside world. Adapters live in the Spin component;
//! in-memory fakes live in [`crate::testing`].

use chrono::{DateTime, Utc};

use crate::delivery::DeliveryTotals;
use crate::model::{NotificationId, ScreeningInfo};
use crate::notification::{ChannelKind, Notification};
use crate::preferences::Preferences;

/// A storage failure the caller cannot fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// A message the channel could not deliver (the text goes to the delivery log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryError(pub String);

/// One chat message as a channel sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage<'a> {
    pub receiver_id: &'a str,
    pub text: &'a str,
    pub notification_id: &'a str,
    pub reservation_id: &'a str,
    pub status: &'a str,
    pub correlation_id: &'a str,
}

/// An outbound chat channel (KakaoTalk endpoint, log…).
pub trait ChatChannel {
    fn kind(&self) -> ChannelKind;

    /// # Errors
    /// The message was not accepted (transport error, non-2xx answer…).
    fn send(&self, message: &ChatMessage<'_>) -> Result<(), DeliveryError>;
}

/// The outcome of [`Notifications::create_if_absent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    New(Notification),
    /// One with this id was stored before (here it is, as stored).
    Existing(Notification),
}

/// The notification documents. Replicas may write concurrently, so writes are compare-and-swap.
pub trait Notifications {
    /// # Errors
    /// Storage unavailable.
    fn get(&self, id: &NotificationId) -> Result<Option<Notification>, StoreError>;

    /// Stores `notification` unless one with its id exists.
    ///
    /// # Errors
    /// Storage unavailable.
    fn create_if_absent(&self, notification: &Notification) -> Result<Created, StoreError>;

    /// Applies `change` to the stored notification and writes it back if `change` returns true,
    /// retrying on concurrent writes (so `change` may run more than once). Returns the notification
    /// as stored afterwards, or `None` if there is none.
    ///
    /// # Errors
    /// Storage unavailable, or too much contention.
    fn update(
        &self,
        id: &NotificationId,
        change: &mut dyn FnMut(&mut Notification) -> bool,
    ) -> Result<Option<Notification>, StoreError>;
}

/// Which notifications each customer has (the `GET /my/notifications` index).
pub trait CustomerIndex {
    /// Adds the id to the customer's index (a set: adding twice changes nothing).
    ///
    /// # Errors
    /// Storage unavailable, or too much contention.
    fn add(&self, customer_id: &str, id: &NotificationId) -> Result<(), StoreError>;

    /// The customer's notification ids.
    ///
    /// # Errors
    /// Storage unavailable.
    fn ids(&self, customer_id: &str) -> Result<Vec<NotificationId>, StoreError>;
}

/// The notifications whose delivery is not settled, so a wake-up finds them without listing keys.
pub trait PendingDeliveries {
    /// # Errors
    /// Storage unavailable, or too much contention.
    fn add(&self, id: &NotificationId) -> Result<(), StoreError>;

    /// # Errors
    /// Storage unavailable, or too much contention.
    fn remove(&self, id: &NotificationId) -> Result<(), StoreError>;

    /// Oldest first.
    ///
    /// # Errors
    /// Storage unavailable.
    fn ids(&self) -> Result<Vec<NotificationId>, StoreError>;
}

/// The running [`DeliveryTotals`] (the metrics' counters of how deliveries ended).
pub trait DeliveryCounts {
    /// Adds `delta` to the stored totals.
    ///
    /// # Errors
    /// Storage unavailable, or too much contention.
    fn add(&self, delta: &DeliveryTotals) -> Result<(), StoreError>;

    /// The stored totals (all zero before the first delivery ended).
    ///
    /// # Errors
    /// Storage unavailable.
    fn totals(&self) -> Result<DeliveryTotals, StoreError>;
}

/// Screenings learned from `ScreeningScheduled`, to name the movie in messages.
pub trait Screenings {
    /// # Errors
    /// Storage unavailable.
    fn get(&self, screening_id: &str) -> Result<Option<ScreeningInfo>, StoreError>;

    /// # Errors
    /// Storage unavailable.
    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError>;
}

/// Customers' preferences (the language of their messages). Each customer's document is written
/// only by that customer's own requests: last writer wins.
pub trait CustomerPreferences {
    /// `None` when the customer never chose.
    ///
    /// # Errors
    /// Storage unavailable.
    fn get(&self, customer_id: &str) -> Result<Option<Preferences>, StoreError>;

    /// # Errors
    /// Storage unavailable.
    fn put(&self, customer_id: &str, preferences: &Preferences) -> Result<(), StoreError>;
}

/// Reading many notifications at once (for a customer's list).
pub trait NotificationReader {
    /// The notifications that exist among `ids`, in no particular order.
    ///
    /// # Errors
    /// Storage unavailable.
    fn get_many(&self, ids: &[NotificationId]) -> Result<Vec<Notification>, StoreError>;
}

pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}
