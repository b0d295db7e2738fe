//! The API's views of bookings and holds.

use reservation_core::{Hold, Reservation};
use serde_json::json;

pub fn reservation(r: &Reservation) -> serde_json::Value {
    json!({
        "reservation_id": r.id,
        "customer_id": r.customer_id,
        "screening_id": r.screening_id,
        "seats": r.seats,
        "total": r.total,
        "status": r.status.as_str(),
        "payment_status": r.payment_status.as_str(),
        "payment_id": r.payment_id,
        "rejection_reason": r.rejection.map(|reason| reason.code()),
        "version": r.version,
        "created_at": r.created_at.to_rfc3339(),
        "updated_at": r.updated_at.to_rfc3339(),
    })
}

/// A hold as of `now`: its status (`EXPIRED` once past its expiry) and the seconds it has left,
/// for clients whose clock is off.
pub fn hold(h: &Hold, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    let active = h.is_active(now);
    let left_ms = (h.expires_at - now).num_milliseconds().max(0);
    json!({
        "hold_id": h.id,
        "customer_id": h.customer_id,
        "screening_id": h.screening_id,
        "seats": h.seats,
        "total": h.total,
        "status": h.status_at(now).as_str(),
        "expires_at": h.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "expires_in_s": if active { (left_ms + 999) / 1000 } else { 0 },
        "reservation_id": h.reservation_id,
        "created_at": h.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}
