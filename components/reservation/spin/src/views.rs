//! The API's views of bookings, holds, tickets and check-ins.

use chrono::{DateTime, SecondsFormat, Utc};
use reservation_core::use_cases::tickets::{CheckedIn, Ticket};
use reservation_core::{Hold, Reservation, Screening};
use serde_json::json;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn reservation(r: &Reservation) -> serde_json::Value {
    json!({
        "reservation_id": r.id,
        "customer_id": r.customer_id,
        "screening_id": r.screening_id,
        "seats": r.seats,
        "tickets": r.tickets().by_name(),
        "total": r.total,
        "status": r.status.as_str(),
        "payment_status": r.payment_status.as_str(),
        "payment_id": r.payment_id,
        "booking_number": r.booking_number,
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
        "tickets": h.tickets().by_name(),
        "total": h.total,
        "status": h.status_at(now).as_str(),
        "expires_at": h.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "expires_in_s": if active { (left_ms + 999) / 1000 } else { 0 },
        "reservation_id": h.reservation_id,
        "created_at": h.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

/// The screening's details a ticket shows (absent when this context does not know them).
fn showing(screening: Option<&Screening>) -> serde_json::Value {
    json!({
        "movie_title": screening.map(|s| &s.movie_title),
        "starts_at": screening.map(|s| time(s.starts_at)),
        "hall_id": screening.map(|s| &s.hall_id),
        "hall_name": screening.map(|s| &s.hall_name).filter(|name| !name.is_empty()),
    })
}

/// `base` with the screening's details added.
fn with_showing(mut base: serde_json::Value, screening: Option<&Screening>) -> serde_json::Value {
    if let (Some(base), serde_json::Value::Object(extra)) =
        (base.as_object_mut(), showing(screening))
    {
        base.extend(extra);
    }
    base
}

/// `GET /reservations/{id}/ticket`: what the QR code holds (`code`) and what the ticket shows.
pub fn ticket(t: &Ticket) -> serde_json::Value {
    let r = &t.reservation;
    let base = json!({
        "reservation_id": r.id,
        "booking_number": r.booking_number,
        "code": t.code.to_string(),
        "screening_id": r.screening_id,
        "seats": r.seats,
        "tickets": r.tickets().by_name(),
        "status": r.status.as_str(),
    });
    with_showing(base, t.screening.as_ref())
}

/// `POST /admin/check-ins`: who the ticket admits, and whether this scan was the first.
pub fn check_in(c: &CheckedIn) -> serde_json::Value {
    let r = &c.reservation;
    let base = json!({
        "booking_number": r.booking_number,
        "reservation_id": r.id,
        "screening_id": r.screening_id,
        "seats": r.seats,
        "tickets": r.tickets().by_name(),
        "first_check_in": c.first,
        "checked_in_at": time(c.checked_in_at),
    });
    with_showing(base, c.screening.as_ref())
}
