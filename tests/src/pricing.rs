//! Ticket types, seat kinds and hall layouts (issue 15, `docs/halls-and-prices.md`): one method
//! per call that carries them (halls with layouts: `layouts.rs`).

use serde_json::{Value, json};

use crate::{Reply, TestApp};

impl TestApp {
    /// `POST /api/holds` with `"tickets"` (e.g. `{"adult": 1, "youth": 1}`).
    pub fn hold_tickets(
        &self,
        token: &str,
        screening: &str,
        seats: &[&str],
        tickets: &Value,
    ) -> Reply {
        let body = json!({ "screening_id": screening, "seats": seats, "tickets": tickets });
        self.post("/api/holds", Some(token), &body)
    }

    /// `POST /api/reservations` with `screening_id`, `seats` and `"tickets"`.
    pub fn book_tickets(
        &self,
        token: &str,
        screening: &str,
        seats: &[&str],
        tickets: &Value,
        key: Option<&str>,
    ) -> Reply {
        let body = json!({
            "screening_id": screening,
            "seats": seats,
            "tickets": tickets,
            "payment": { "card_token": "tok_visa" },
        });
        self.book_json(token, &body, key)
    }

    /// Registers a movie sold at `prices` (`{"adult": money, …}`) with `seat_surcharges`
    /// (`{"premium": money, …}`), one screening in 48 h in `hall`, and waits until it is
    /// bookable; returns (movie, screening).
    pub fn priced_screening(
        &self,
        admin: &str,
        hall: &str,
        prices: &Value,
        surcharges: &Value,
    ) -> (String, String) {
        let r = self.post(
            "/api/movies",
            Some(admin),
            &json!({
                "title": "The Priced Movie",
                "runtime_min": 100,
                "screenings": [{ "hall_id": hall, "starts_at": crate::rfc3339_in_hours(48) }],
                "prices": prices,
                "seat_surcharges": surcharges,
            }),
        );
        assert_eq!(r.status, 201, "register priced movie: {:?}", r.body);
        let movie = r.body["movie_id"].as_str().expect("movie_id").to_string();
        let screening = r.body["screenings"][0]["screening_id"]
            .as_str()
            .expect("screening_id")
            .to_string();
        self.wait_bookable(&movie, &screening);
        (movie, screening)
    }

    /// The amount payment charged for an accepted booking (its `payment_id`, read as admin).
    pub fn charged(&self, admin: &str, booking: &Value) -> i64 {
        let payment_id = booking["payment_id"].as_str().expect("payment_id");
        let p = self.payment(admin, payment_id);
        assert_eq!(p.status, 200, "payment {payment_id}: {:?}", p.body);
        assert_eq!(p.body["amount"]["currency"], "KRW", "{:?}", p.body);
        p.body["amount"]["amount"].as_i64().expect("amount")
    }
}
