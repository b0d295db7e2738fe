//! The key-value store `notification`, written by `notification-events` (read by the HTTP side),
//! except `preferences:{customer_id}`, which only the HTTP side writes (`PUT /my/preferences`)
//! and the events side reads. Documents shared between replicas are changed with compare-and-swap.
//!
//! | Key | Value |
//! |---|---|
//! | `notification:{id}` | one notification with its delivery log |
//! | `customer-notifications:{customer_id}` | `{"ids": [...]}`: the customer's notifications |
//! | `pending-deliveries` | `{"ids": [...]}`: notifications whose delivery is not settled |
//! | `delivery-totals` | `{"sent", "gave_up", "failed_attempts"}`: how deliveries ended, for the metrics (one CAS per delivery pass) |
//! | `screening:{id}` | movie, hall, showtime, runtime and price of a screening (for messages) |
//! | `preferences:{customer_id}` | `{"language": "ko" \| "en"}`: the customer's language (absent: Korean) |
//! | `inbox:{event_id}` | processed events (`cinema_eventing::inbox`) |
//! | `seed:{key}` | counter electing the one writer that creates `{key}` ([`cinema_eventing::kv`]) |

mod ports;

pub use ports::Kv;

pub const STORE: &str = "notification";
