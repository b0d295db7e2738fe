//! The staff programme (`GET /api/admin/programme`) and movies with ratings and ticket prices
//! (issue 15).

use serde_json::{Value, json};

use crate::{ASYNC, Reply, STREAM, TestApp, eventually};

impl TestApp {
    /// `GET /api/admin/programme` with a raw query string (`""`, `"?from=…"`).
    pub fn programme(&self, token: &str, query: &str) -> Reply {
        self.get(&format!("/api/admin/programme{query}"), Some(token))
    }

    /// The programme's entry for `screening` in the default window, with its movie's
    /// `movie_id`, `title` and `age_rating` copied in.
    pub fn programme_screening(&self, admin: &str, screening: &str) -> Option<Value> {
        let r = self.programme(admin, "");
        assert_eq!(r.status, 200, "programme: {:?}", r.body);
        find_screening(&r.body, screening)
    }

    /// Waits until the programme shows `screening` with every field of `expected` as given.
    pub fn wait_programme(&self, admin: &str, screening: &str, expected: &Value) -> Value {
        let fields = expected.as_object().expect("an object of expected fields");
        eventually(
            ASYNC,
            &format!("the programme to show {screening} with {expected}"),
            || {
                let s = self.programme_screening(admin, screening)?;
                fields.iter().all(|(k, v)| &s[k] == v).then_some(s)
            },
        )
    }

    /// Appends `envelope` to the app's event stream again (a redelivery, or with a new
    /// `event_id` a republication) and rings the doorbell. Needs the app's Redis.
    pub fn redeliver(&self, envelope: &Value) {
        self.redis_cli(&["XADD", STREAM, "*", "e", &envelope.to_string()])
            .expect("redelivery needs the app's Redis");
        self.ring();
    }

    /// `POST /api/movies` with any body; one screening at `starts_at` in `hall_id` is added.
    pub fn register_movie_with(
        &self,
        admin: &str,
        hall_id: &str,
        starts_at: &str,
        mut body: Value,
    ) -> Reply {
        body["screenings"] = json!([{ "hall_id": hall_id, "starts_at": starts_at }]);
        self.post("/api/movies", Some(admin), &body)
    }
}

/// A screening of a programme (`[{movie…, "screenings": [...]}]`), with its movie's fields.
pub fn find_screening(programme: &Value, screening: &str) -> Option<Value> {
    programme.as_array()?.iter().find_map(|movie| {
        let mut s = movie["screenings"]
            .as_array()?
            .iter()
            .find(|s| s["screening_id"] == screening)?
            .clone();
        for field in ["movie_id", "title", "age_rating"] {
            s[field] = movie[field].clone();
        }
        Some(s)
    })
}
