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

    /// Turns the theater's database back into its v3 shape (before layouts, prices and booking
    /// numbers), keeping its rows: the next request migrates it again (python3's sqlite3).
    pub fn downgrade_theater_to_v3(&self) {
        let db = crate::state_dir(self)
            .expect("a local app")
            .join("theater.db");
        let script = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
for table, columns in [("halls", ["layout"]),
                       ("movies", ["prices", "seat_surcharges", "age_rating", "genre", "synopsis"]),
                       ("screenings", ["layout", "prices", "seat_surcharges"]),
                       ("reservations", ["booking_number"])]:
    for column in columns:
        c.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
c.execute("PRAGMA user_version = 3")
c.commit()
"#;
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&db)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "downgrade: {}",
            String::from_utf8_lossy(&out.stderr)
        );
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
