//! Calls for hall layouts, movie prices and the staff seat map (issue 15,
//! `docs/halls-and-prices.md`).

use serde_json::{Value, json};

use crate::{Reply, TestApp};

impl TestApp {
    /// `POST /api/halls` with any body.
    pub fn post_hall(&self, admin: &str, body: &Value) -> Reply {
        self.post("/api/halls", Some(admin), body)
    }

    /// A hall with `layout` (`{"rows": [...]}`); returns its 201 reply.
    pub fn create_hall_with_layout(&self, admin: &str, name: &str, layout: &Value) -> Value {
        let r = self.post_hall(admin, &json!({ "name": name, "layout": layout }));
        assert_eq!(r.status, 201, "create hall: {:?}", r.body);
        r.body
    }

    /// `GET /api/halls/{id}` (admin).
    pub fn hall(&self, admin: &str, hall_id: &str) -> Reply {
        self.get(&format!("/api/halls/{hall_id}"), Some(admin))
    }

    /// `POST /api/movies` with any body.
    pub fn post_movie(&self, admin: &str, body: &Value) -> Reply {
        self.post("/api/movies", Some(admin), body)
    }

    /// `GET /api/admin/screenings/{id}/seats`: the seat map with who has each taken seat.
    pub fn staff_seat_map(&self, token: Option<&str>, screening: &str) -> Reply {
        self.get(&format!("/api/admin/screenings/{screening}/seats"), token)
    }
}

/// `{"amount": amount, "currency": "KRW"}`.
pub fn won(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "KRW" })
}

/// The seat `label` of a seat map reply (panics when absent).
pub fn seat<'a>(map: &'a Value, label: &str) -> &'a Value {
    map["seats"]
        .as_array()
        .and_then(|seats| seats.iter().find(|s| s["label"] == label))
        .unwrap_or_else(|| panic!("no seat {label} in {map}"))
}
