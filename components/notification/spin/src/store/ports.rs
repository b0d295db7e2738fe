//! The core's storage ports on the key-value store.

use notification_core::model::{NotificationId, ScreeningInfo};
use notification_core::notification::Notification;
use notification_core::ports::{
    Created, CustomerIndex, NotificationReader, Notifications, PendingDeliveries, Screenings,
    StoreError,
};
use serde::{Deserialize, Serialize};

use super::{Docs, STORE};

const PENDING: &str = "pending-deliveries";

fn notification_key(id: &NotificationId) -> String {
    format!("notification:{id}")
}

fn customer_key(customer_id: &str) -> String {
    format!("customer-notifications:{customer_id}")
}

fn screening_key(screening_id: &str) -> String {
    format!("screening:{screening_id}")
}

/// An index document: a set of notification ids, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct IdSet {
    ids: Vec<NotificationId>,
}

/// The whole store behind every storage port.
pub struct Kv {
    docs: Docs,
}

impl Kv {
    /// # Errors
    /// The store is not granted or unavailable.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            docs: Docs::open(STORE)?,
        })
    }

    fn insert_id(&self, key: &str, id: &NotificationId) -> Result<(), StoreError> {
        self.docs
            .modify::<IdSet>(key, |current| {
                let mut set = current.cloned().unwrap_or_default();
                if set.ids.contains(id) {
                    return None;
                }
                set.ids.push(id.clone());
                Some(set)
            })
            .map(drop)
    }

    fn ids(&self, key: &str) -> Result<Vec<NotificationId>, StoreError> {
        Ok(self.docs.get::<IdSet>(key)?.unwrap_or_default().ids)
    }
}

impl Notifications for Kv {
    fn get(&self, id: &NotificationId) -> Result<Option<Notification>, StoreError> {
        self.docs.get(&notification_key(id))
    }

    fn create_if_absent(&self, notification: &Notification) -> Result<Created, StoreError> {
        let mut created = false;
        let stored = self.docs.modify::<Notification>(
            &notification_key(&notification.notification_id),
            |current| {
                created = current.is_none();
                if created {
                    Some(notification.clone())
                } else {
                    None
                }
            },
        )?;
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
            .modify::<Notification>(&notification_key(id), |current| {
                let mut next = current?.clone();
                change(&mut next).then_some(next)
            })
    }
}

impl NotificationReader for Kv {
    fn get_many(&self, ids: &[NotificationId]) -> Result<Vec<Notification>, StoreError> {
        self.docs
            .get_many(ids.iter().map(notification_key).collect())
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
            .modify::<IdSet>(PENDING, |current| {
                let mut set = current?.clone();
                let before = set.ids.len();
                set.ids.retain(|p| p != id);
                (set.ids.len() != before).then_some(set)
            })
            .map(drop)
    }

    fn ids(&self) -> Result<Vec<NotificationId>, StoreError> {
        Kv::ids(self, PENDING)
    }
}

impl Screenings for Kv {
    fn get(&self, screening_id: &str) -> Result<Option<ScreeningInfo>, StoreError> {
        self.docs.get(&screening_key(screening_id))
    }

    fn put(&self, screening: &ScreeningInfo) -> Result<(), StoreError> {
        // A screening's details never change once scheduled: last writer wins with the same value.
        self.docs
            .set(&screening_key(&screening.screening_id), screening)
    }
}
