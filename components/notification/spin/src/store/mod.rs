//! The key-value store `notification`, written only by `notification-events` (read by the HTTP
//! side). Documents shared between replicas are changed with compare-and-swap.
//!
//! | Key | Value |
//! |---|---|
//! | `notification:{id}` | one notification with its delivery log |
//! | `customer-notifications:{customer_id}` | `{"ids": [...]}`: the customer's notifications |
//! | `pending-deliveries` | `{"ids": [...]}`: notifications whose delivery is not settled |
//! | `screening:{id}` | movie, hall and showtime of a screening (for messages) |
//! | `inbox:{event_id}` | processed events (`cinema_eventing::inbox`) |
//! | `seed:{key}` | counter electing the one writer that creates `{key}` ([`cinema_eventing::kv`]) |

mod ports;

pub use ports::Kv;

pub const STORE: &str = "notification";
