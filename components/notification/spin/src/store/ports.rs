//! The core's storage ports on the key-value store.

use cinema_eventing::kv::Documents;
use notification_core::delivery::DeliveryTotals;
use notification_core::model::{NotificationId, ScreeningInfo};
use notification_core::notification::Notification;
use notification_core::ports::{
    Created, CustomerIndex, CustomerPreferences, DeliveryCounts, NotificationReader, Notifications,
    PendingDeliveries, Screenings, StoreError,
};
use notification_core::preferences::Preferences;
use serde::{Deserialize, Serialize};

use super::STORE;

const PENDING: &str = "pending-deliveries";
const TOTALS: &str = "delivery-totals";

fn notification_key(id: &NotificationId) -> String {
    format!("notification:{id}")
}

fn customer_key(customer_id: &str) -> String {
    format!("customer-notifications:{customer_id}")
}

fn preferences_key(customer_id: &str) -> String {
    format!("preferences:{customer_id}")
}

fn screening_key(screening_id: &str) -> String {
    format!("screening:{screening_id}")
}

/// An index document: a set of notification ids, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct IdSet {
    ids: Vec<NotificationId>,
}

/// The whole store behind every storage port: JSON documents, the shared ones changed with
/// the compare-and-swap loop of [`Documents::update_json`].
pub struct Kv {
    docs: Documents,
}

fn kv_error(e: cinema_eventing::Error) -> StoreError {
    StoreError(e.to_string())
}

impl Kv {
    /// # Errors
    /// The store is not granted or unavailable.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            docs: Documents::open(STORE, crate::CONTEXT).map_err(kv_error)?,
        })
    }

    fn insert_id(&self, key: &str, id: &NotificationId) -> Result<(), StoreError> {
        self.docs
            .update_json::<IdSet>(key, |current| {
                let mut set = current.unwrap_or_default();
                if set.ids.contains(id) {
                    return None;
                }
                set.ids.push(id.clone());
                Some(set)
            })
            .map(drop)
            .map_err(kv_error)
    }

    fn ids(&self, key: &str) -> Result<Vec<NotificationId>, StoreError> {
        Ok(self
            .docs
            .get_json::<IdSet>(key)
            .map_err(kv_error)?
            .unwrap_or_default()
            .ids)
    }
}

impl Notifications for Kv {
    fn get(&self, id: &NotificationId) -> Result<Option<Notification>, StoreError> {
        self.docs.get_json(&notification_key(id)).map_err(kv_error)
    }

    fn create_if_absent(&self, notification: &Notification) -> Result<Created, StoreError> {
        // `change` runs once per round; the last run decides whether this call created it.
        let mut created = false;
        let stored = self
            .docs
            .update_json::<Notification>(
                &notification_key(&notification.notification_id),
                |current| {
                    created = current.is_none();
                    created.then(|| notification.clone())
                },
            )
            .map_err(kv_error)?;
        let stored =
            stored.ok_or_else(|| StoreError("notification vanished while created".into()))?;
        Ok(if created {
            Created::New(stored)
        } else {
            Created::Existing(stored)
        })
    }

    fn update(
        &self,
        id: &NotificationId,
        change: &mut dyn FnMut(&mut Notification) -> bool,
    ) -> Result<Option<Notification>, StoreError> {
        self.docs
            .update_json::<Notification>(&notification_key(id), |current| {
                let mut next = current?;
                change(&mut next).then_some(next)
            })
            .map_err(kv_error)
    }
}

impl NotificationReader for Kv {
    /// Unreadable documents are skipped (one broken notification must not hide the others).
    fn get_many(&self, ids: &[NotificationId]) -> Result<Vec<Notification>, StoreError> {
        let keys: Vec<String> = ids.iter().map(notification_key).collect();
        Ok(self
            .docs
            .get_many_json(&keys)
            .map_err(kv_error)?
            .into_iter()
            .filter_map(Result::ok)
            .collect())
    }
}

impl CustomerIndex for Kv {
    fn add(&self, customer_id: &str, id: &NotificationId) -> Result<(), StoreError> {
        self.insert_id(&customer_key(customer_id), id)
    }

    fn ids(&self, customer_id: &str) -> Result<Vec<NotificationId>, StoreError> {
        Kv::ids(self, &customer_key(customer_id))
    }
}

impl PendingDeliveries for Kv {
    fn add(&self, id: &NotificationId) -> Result<(), StoreError> {
        self.insert_id(PENDING, id)
    }

    fn remove(&self, id: &NotificationId) -> Result<(), StoreError> {
        self.docs
            .update_json::<IdSet>(PENDING, |current| {
                let mut set = current?;
                let before = set.ids.len();
                set.ids.retain(|p| p != id);
                (set.ids.len() != before).then_some(set)
            })
            .map(drop)
            .map_err(kv_error)
    }

    fn ids(&self) -> Result<Vec<NotificationId>, StoreError> {
        Kv::ids(self, PENDING)
    }
}

impl DeliveryCounts for Kv {
    fn add(&self, delta: &DeliveryTotals) -> Result<(), StoreError> {
        self.docs
            .update_json::<DeliveryTotals>(TOTALS, |current| {
                Some(current.unwrap_or_default().plus(delta))
            })
            .map(drop)
            .map_err(kv_error)
    }

    fn totals(&self) -> Result<DeliveryTotals, StoreError> {
        Ok(self
            .docs
            .get_json(TOTALS)
            .map_err(kv_error)?
            .unwrap_or_default())
    }
}

impl Screenings for Kv {
    fn get(&self, screening_id: &str) -> Result<Option<ScreeningInfo>, StoreError> {
        self.docs
            .get_json(&screening_key(screening_id))
            .map_err(kv_error)
    }

    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError> {
        // A screening's details never change once scheduled: last writer wins with the same value.
        self.docs
            .set_json(&screening_key(&screening.screening_id), screening)
            .map_err(kv_error)
    }
}

impl CustomerPreferences for Kv {
    fn get(&self, customer_id: &str) -> Result<Option<Preferences>, StoreError> {
        self.docs
            .get_json(&preferences_key(customer_id))
            .map_err(kv_error)
    }

    fn put(&self, customer_id: &str, preferences: &Preferences) -> Result<(), StoreError> {
        // Only the customer's own requests write it: last writer wins.
        self.docs
            .set_json(&preferences_key(customer_id), preferences)
            .map_err(kv_error)
    }
}
