//! `GET /my/reservations`: the views joined with their screenings at read time, newest first.
//!
//! Joining when reading (rather than copying screening details into each view when the event
//! arrives) means a screening learned after its reservations needs no back-fill: the next read
//! shows it.

use std::collections::{BTreeMap, HashMap};

use cinema_events::Money;
use serde::Serialize;

use crate::screening::ScreeningInfo;
use crate::view::{PaymentStatus, ReservationView, Status, instant};

/// One reservation as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MyReservation {
    pub reservation_id: String,
    pub customer_id: String,
    pub screening_id: Option<String>,
    pub seats: Vec<String>,
    pub total: Option<Money>,
    pub status: Status,
    pub payment_status: Option<PaymentStatus>,
    pub payment_id: Option<String>,
    /// The booking number people read; `None` for bookings made before numbers.
    pub booking_number: Option<String>,
    pub movie_title: Option<String>,
    pub starts_at: Option<String>,
    pub hall_id: Option<String>,
    pub hall_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// Tickets by type (`{"adult": 1, "youth": 1}`); all adult when the booking says nothing.
    pub tickets: BTreeMap<String, u32>,
    pub version: u64,
    pub updated_at: Option<String>,
    pub created_at: Option<String>,
}

/// A booking from before ticket types: one adult ticket per seat.
fn all_adult(seats: usize) -> BTreeMap<String, u32> {
    u32::try_from(seats)
        .ok()
        .filter(|n| *n > 0)
        .map(|n| BTreeMap::from([("adult".to_string(), n)]))
        .unwrap_or_default()
}

/// The customer's list: only views that are bookings (a reservation event was seen), each joined
/// with its screening when known, newest first (by `created_at`, then id).
pub fn present(views: Vec<ReservationView>, screenings: &[ScreeningInfo]) -> Vec<MyReservation> {
    let by_id: HashMap<&str, &ScreeningInfo> = screenings
        .iter()
        .map(|s| (s.screening_id.as_str(), s))
        .collect();
    let mut list: Vec<MyReservation> = views
        .into_iter()
        .filter_map(|view| {
            let status = view.status?;
            let tickets = if view.tickets.is_empty() {
                all_adult(view.seats.len())
            } else {
                view.tickets
            };
            let screening = view
                .screening_id
                .as_deref()
                .and_then(|id| by_id.get(id).copied());
            Some(MyReservation {
                movie_title: screening.map(|s| s.movie_title.clone()),
                starts_at: screening.map(|s| s.starts_at.clone()),
                hall_id: screening.map(|s| s.hall_id.clone()),
                hall_name: screening.map(|s| s.hall_name.clone()),
                reservation_id: view.reservation_id,
                customer_id: view.customer_id,
                screening_id: view.screening_id,
                seats: view.seats,
                total: view.total,
                status,
                payment_status: view.payment_status,
                payment_id: view.payment_id,
                booking_number: view.booking_number,
                rejection_reason: view.rejection_reason,
                tickets,
                version: view.version,
                updated_at: view.updated_at,
                created_at: view.created_at,
            })
        })
        .collect();
    list.sort_by(|a, b| {
        let key = |r: &MyReservation| {
            (
                r.created_at.as_deref().and_then(instant),
                r.reservation_id.clone(),
            )
        };
        key(b).cmp(&key(a))
    });
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::events::*;
    use crate::view::apply;
    use cinema_events::{EventData, TicketCount, TicketType};

    fn view_of(events: &[cinema_events::Envelope]) -> ReservationView {
        events.iter().fold(None, apply).unwrap()
    }

    #[test]
    fn a_reservation_shows_its_movie_once_the_screening_is_known() {
        let view = view_of(&[placed(1)]);
        let before = present(vec![view.clone()], &[]);
        assert_eq!(before[0].movie_title, None);
        let info = screening_info();
        let after = present(vec![view], &[info]);
        assert_eq!(after[0].movie_title.as_deref(), Some("Parasite"));
        assert_eq!(after[0].hall_id.as_deref(), Some("h-1"));
        assert_eq!(
            after[0].starts_at.as_deref(),
            Some("2026-12-01T19:00:00+09:00")
        );
    }

    #[test]
    fn views_that_are_not_bookings_yet_are_not_listed() {
        assert!(present(vec![view_of(&[approved()])], &[]).is_empty());
    }

    #[test]
    fn the_newest_reservation_comes_first() {
        let old = view_of(&[placed(1)]);
        let mut new_placed = placed(1);
        new_placed.occurred_at = at(60);
        let mut new = view_of(&[new_placed]);
        new.reservation_id = "r-2".into();
        let list = present(vec![old, new], &[]);
        assert_eq!(
            list.iter()
                .map(|r| r.reservation_id.as_str())
                .collect::<Vec<_>>(),
            ["r-2", "r-1"]
        );
    }

    #[test]
    fn a_booking_shows_its_tickets_by_type_and_one_from_before_ticket_types_all_adult() {
        let mut with_types = placed(1);
        if let EventData::ReservationPlaced(p) = &mut with_types.data {
            p.tickets = Some(vec![
                TicketCount {
                    ticket_type: TicketType::Adult,
                    count: 1,
                },
                TicketCount {
                    ticket_type: TicketType::Youth,
                    count: 1,
                },
            ]);
        }
        let list = present(vec![view_of(&[with_types, confirmed(2)])], &[]);
        let json = serde_json::to_value(&list[0]).unwrap();
        assert_eq!(json["tickets"], serde_json::json!({"adult": 1, "youth": 1}));

        // Placed before ticket types: one adult ticket per seat.
        let old = present(vec![view_of(&[placed(1)])], &[]);
        assert_eq!(
            serde_json::to_value(&old[0]).unwrap()["tickets"],
            serde_json::json!({"adult": old[0].seats.len()})
        );
    }

    #[test]
    fn the_api_shape_has_every_documented_field() {
        let list = present(
            vec![view_of(&[placed(1), confirmed(2)])],
            &[screening_info()],
        );
        let json = serde_json::to_value(&list[0]).unwrap();
        for field in [
            "reservation_id",
            "customer_id",
            "screening_id",
            "seats",
            "total",
            "status",
            "payment_status",
            "payment_id",
            "booking_number",
            "tickets",
            "movie_title",
            "starts_at",
            "hall_id",
            "version",
            "updated_at",
            "created_at",
        ] {
            assert!(json.get(field).is_some(), "{field} missing in {json}");
        }
        assert_eq!(json["status"], "CONFIRMED");
        assert_eq!(json["payment_status"], "APPROVED");
        assert_eq!(json["booking_number"], BOOKING_NUMBER);
        assert_eq!(
            json["total"],
            serde_json::json!({"amount": 24000, "currency": "KRW"})
        );
    }
}
