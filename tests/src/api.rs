//! One method per API call (`../shared/API.md`), plus the waits the saga needs.

use std::sync::Barrier;

use serde_json::{Value, json};

use crate::{ASYNC, Reply, TestApp, eventually, rfc3339_in_hours};

impl TestApp {
    // ---- auth ----

    pub fn token(&self, sub: &str, roles: &[&str]) -> String {
        let r = self.post(
            "/api/auth/dev-token",
            None,
            &json!({ "sub": sub, "roles": roles }),
        );
        assert_eq!(r.status, 200, "dev-token: {:?}", r.body);
        r.body["token"].as_str().expect("token").to_string()
    }

    pub fn admin(&self) -> String {
        self.token("admin", &["admin"])
    }

    /// A customer token for `name`; the customer id is [`TestApp::customer_id`]`(name)`.
    pub fn customer(&self, name: &str) -> String {
        self.token(&self.customer_id(name), &["customer"])
    }

    /// The customer id this test uses for `name` (unique per test app).
    pub fn customer_id(&self, name: &str) -> String {
        format!("{name}-{}", self.run)
    }

    // ---- theater administration ----

    pub fn create_hall(&self, admin: &str, rows: u32, seats_per_row: u32) -> String {
        let r = self.post(
            "/api/halls",
            Some(admin),
            &json!({ "name": "Hall", "rows": rows, "seats_per_row": seats_per_row }),
        );
        assert_eq!(r.status, 201, "create hall: {:?}", r.body);
        r.body["hall_id"].as_str().expect("hall_id").to_string()
    }

    /// Registers a movie with one screening `hours_ahead` from now; returns (movie, screening).
    pub fn register_movie(
        &self,
        admin: &str,
        hall_id: &str,
        hours_ahead: i64,
        price: i64,
    ) -> (String, String) {
        self.register_movie_at(admin, hall_id, &rfc3339_in_hours(hours_ahead), 100, price)
    }

    /// Registers a movie with one screening at `starts_at`; returns (movie, screening).
    pub fn register_movie_at(
        &self,
        admin: &str,
        hall_id: &str,
        starts_at: &str,
        runtime_min: u32,
        price: i64,
    ) -> (String, String) {
        let r = self.post(
            "/api/movies",
            Some(admin),
            &json!({
                "title": "The Test Movie",
                "runtime_min": runtime_min,
                "screenings": [{ "hall_id": hall_id, "starts_at": starts_at }],
                "price": { "amount": price, "currency": "KRW" },
            }),
        );
        assert_eq!(r.status, 201, "register movie: {:?}", r.body);
        (
            r.body["movie_id"].as_str().expect("movie_id").to_string(),
            r.body["screenings"][0]["screening_id"]
                .as_str()
                .expect("screening_id")
                .to_string(),
        )
    }

    /// `POST /api/movies/{movie}/screenings`.
    pub fn add_screening(&self, admin: &str, movie: &str, hall_id: &str, starts_at: &str) -> Reply {
        self.post(
            &format!("/api/movies/{movie}/screenings"),
            Some(admin),
            &json!({ "hall_id": hall_id, "starts_at": starts_at }),
        )
    }

    /// `GET /api/halls` (admin).
    pub fn halls(&self, admin: &str) -> Vec<Value> {
        let r = self.get("/api/halls", Some(admin));
        assert_eq!(r.status, 200, "halls: {:?}", r.body);
        r.body.as_array().cloned().expect("a list")
    }

    /// Waits until the reservation side knows `screening` (it learns screenings from events)
    /// and the catalog lists it. The probe books a seat no hall has, so it stores nothing.
    pub fn wait_bookable(&self, movie: &str, screening: &str) {
        let probe = self.customer("probe");
        eventually(ASYNC, "the reservation side to learn the screening", || {
            let r = self.book(&probe, screening, &["Z99"], "tok_visa", None);
            (r.error_code() != "unknown_screening").then_some(())
        });
        eventually(ASYNC, "the catalog to list the screening", || {
            self.catalog_screening(movie, screening).map(|_| ())
        });
    }

    /// A screening (5 rows × 10 seats, in 48 h, ₩12,000) in a hall of its own, already
    /// bookable; returns (movie, screening).
    pub fn bookable_screening(&self) -> (String, String) {
        let admin = self.admin();
        let hall = self.create_hall(&admin, 5, 10);
        let (movie, screening) = self.register_movie(&admin, &hall, 48, 12_000);
        self.wait_bookable(&movie, &screening);
        (movie, screening)
    }

    // ---- catalog and seat maps (public) ----

    /// `GET /api/movies`: the catalog.
    pub fn movies(&self) -> Vec<Value> {
        let r = self.get("/api/movies", None);
        assert_eq!(r.status, 200, "movies: {:?}", r.body);
        r.body.as_array().cloned().expect("a list")
    }

    pub fn movie(&self, movie: &str) -> Reply {
        self.get(&format!("/api/movies/{movie}"), None)
    }

    /// The catalog's entry for one screening of a movie.
    pub fn catalog_screening(&self, movie: &str, screening: &str) -> Option<Value> {
        let m = self.movie(movie);
        m.body["screenings"]
            .as_array()?
            .iter()
            .find(|s| s["screening_id"] == screening)
            .cloned()
    }

    pub fn seats_left(&self, movie: &str, screening: &str) -> Option<i64> {
        self.catalog_screening(movie, screening)?["seats_left"].as_i64()
    }

    /// Waits until the catalog shows `expected` seats left.
    pub fn wait_seats_left(&self, movie: &str, screening: &str, expected: i64) {
        eventually(
            ASYNC,
            &format!("catalog seats_left to be {expected}"),
            || (self.seats_left(movie, screening) == Some(expected)).then_some(()),
        );
    }

    pub fn seat_map(&self, screening: &str) -> Reply {
        self.get(&format!("/api/screenings/{screening}/seats"), None)
    }

    /// The taken seats of a screening's seat map, sorted.
    pub fn taken_seats(&self, screening: &str) -> Vec<String> {
        let r = self.seat_map(screening);
        assert_eq!(r.status, 200, "seat map: {:?}", r.body);
        let mut taken: Vec<String> = r.body["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .filter(|s| s["status"] == "taken")
            .map(|s| s["label"].as_str().unwrap_or_default().to_string())
            .collect();
        taken.sort();
        taken
    }

    // ---- seat holds ----

    /// `POST /api/holds`.
    pub fn hold(&self, token: &str, screening: &str, seats: &[&str]) -> Reply {
        let body = json!({ "screening_id": screening, "seats": seats });
        self.post("/api/holds", Some(token), &body)
    }

    /// The `hold_id` of a hold just placed (panics with the reply otherwise).
    pub fn hold_id(reply: &Reply) -> String {
        assert_eq!(reply.status, 201, "hold not placed: {:?}", reply.body);
        reply.body["hold_id"].as_str().expect("hold_id").to_string()
    }

    pub fn view_hold(&self, token: &str, hold_id: &str) -> Reply {
        self.get(&format!("/api/holds/{hold_id}"), Some(token))
    }

    pub fn release_hold(&self, token: &str, hold_id: &str) -> Reply {
        self.delete(&format!("/api/holds/{hold_id}"), Some(token))
    }

    /// `POST /api/reservations` naming a hold.
    pub fn book_hold(&self, token: &str, hold_id: &str, card: &str, key: Option<&str>) -> Reply {
        let body = json!({ "hold_id": hold_id, "payment": { "card_token": card } });
        self.book_json(token, &body, key)
    }

    /// Runs `f(i)` for every `i < n` on its own thread, all released at the same moment; the
    /// results in order.
    pub fn all_at_once<T: Send>(&self, n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
        let start = Barrier::new(n);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let (start, f) = (&start, &f);
                    s.spawn(move || {
                        start.wait();
                        f(i)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("request thread"))
                .collect()
        })
    }

    // ---- reservations ----

    pub fn book(
        &self,
        token: &str,
        screening: &str,
        seats: &[&str],
        card: &str,
        key: Option<&str>,
    ) -> Reply {
        let body = json!({
            "screening_id": screening,
            "seats": seats,
            "payment": { "card_token": card },
        });
        self.book_json(token, &body, key)
    }

    /// `POST /api/reservations` with any JSON body.
    pub fn book_json(&self, token: &str, body: &Value, key: Option<&str>) -> Reply {
        let mut rb = self
            .request(reqwest::Method::POST, "/api/reservations", Some(token))
            .json(body);
        if let Some(key) = key {
            rb = rb.header("idempotency-key", key);
        }
        self.send(rb)
    }

    /// `POST /api/reservations` with a raw body (e.g. malformed JSON).
    pub fn book_raw(&self, token: &str, body: &str) -> Reply {
        self.send(
            self.request(reqwest::Method::POST, "/api/reservations", Some(token))
                .header("content-type", "application/json")
                .body(body.to_string()),
        )
    }

    /// Sends every `(token, seats)` booking for `screening` at the same moment (one thread
    /// each, released together); the replies in the same order.
    pub fn book_all_at_once(
        &self,
        screening: &str,
        requests: &[(String, Vec<String>)],
    ) -> Vec<Reply> {
        self.all_at_once(requests.len(), |i| {
            let (token, seats) = &requests[i];
            let seats: Vec<&str> = seats.iter().map(String::as_str).collect();
            self.book(token, screening, &seats, "tok_visa", None)
        })
    }

    pub fn reservation(&self, token: &str, id: &str) -> Reply {
        self.get(&format!("/api/reservations/{id}"), Some(token))
    }

    /// `GET /api/reservations`: the customer's bookings (the reservation side's own list).
    pub fn reservations(&self, token: &str) -> Vec<Value> {
        let r = self.get("/api/reservations", Some(token));
        assert_eq!(r.status, 200, "list reservations: {:?}", r.body);
        r.body.as_array().cloned().expect("a list")
    }

    /// Waits until the reservation has `status` (and, if given, `payment_status`).
    pub fn wait_status(
        &self,
        token: &str,
        id: &str,
        status: &str,
        payment_status: Option<&str>,
    ) -> Value {
        eventually(
            ASYNC,
            &format!("reservation {id} to become {status} {payment_status:?}"),
            || {
                let r = self.reservation(token, id);
                let ok = r.body["status"] == status
                    && payment_status.is_none_or(|p| r.body["payment_status"] == p);
                ok.then_some(r.body)
            },
        )
    }

    /// Waits until the booking's saga is over: `CONFIRMED`, or `REJECTED`/`CANCELLED` with the
    /// payment `REFUNDED`. Returns the booking.
    pub fn wait_final(&self, token: &str, id: &str) -> Value {
        eventually(ASYNC, &format!("reservation {id} to settle"), || {
            let r = self.reservation(token, id);
            let done = matches!(
                (r.body["status"].as_str(), r.body["payment_status"].as_str()),
                (Some("CONFIRMED"), Some("APPROVED"))
                    | (Some("REJECTED" | "CANCELLED"), Some("REFUNDED"))
            );
            done.then_some(r.body)
        })
    }

    pub fn cancel(&self, token: &str, id: &str) -> Reply {
        self.delete(&format!("/api/reservations/{id}"), Some(token))
    }

    // ---- tickets and check-in ----

    /// `GET /api/reservations/{id}/ticket`: the booking's signed code.
    pub fn ticket(&self, token: &str, id: &str) -> Reply {
        self.get(&format!("/api/reservations/{id}/ticket"), Some(token))
    }

    /// `POST /api/admin/check-ins` `{"code"}`: a scan at the door.
    pub fn check_in(&self, token: &str, code: &str) -> Reply {
        self.post(
            "/api/admin/check-ins",
            Some(token),
            &json!({ "code": code }),
        )
    }

    // ---- my page ----

    pub fn my_reservations(&self, token: &str) -> Vec<Value> {
        let r = self.get("/api/my/reservations", Some(token));
        assert_eq!(r.status, 200, "my reservations: {:?}", r.body);
        r.body.as_array().cloned().expect("a list")
    }

    /// My page's entry for one booking.
    pub fn my_reservation(&self, token: &str, id: &str) -> Option<Value> {
        self.my_reservations(token)
            .into_iter()
            .find(|v| v["reservation_id"] == id)
    }

    pub fn my_notifications(&self, token: &str) -> Vec<Value> {
        let r = self.get("/api/my/notifications", Some(token));
        assert_eq!(r.status, 200, "my notifications: {:?}", r.body);
        r.body.as_array().cloned().expect("a list")
    }

    /// Waits until my page shows the booking with `status` and `payment_status`.
    pub fn wait_my_page(&self, token: &str, id: &str, status: &str, payment_status: &str) -> Value {
        eventually(
            ASYNC,
            &format!("my page to show {id} as {status}/{payment_status}"),
            || {
                let v = self.my_reservation(token, id)?;
                (v["status"] == status && v["payment_status"] == payment_status).then_some(v)
            },
        )
    }

    /// Waits until the customer has a notification for each of `statuses` about booking `id`.
    pub fn wait_notified(&self, token: &str, id: &str, statuses: &[&str]) {
        eventually(
            ASYNC,
            &format!("notifications {statuses:?} for {id}"),
            || {
                let all = self.my_notifications(token);
                statuses
                    .iter()
                    .all(|s| {
                        all.iter()
                            .any(|n| n["reservation_id"] == id && n["status"] == *s)
                    })
                    .then_some(())
            },
        );
    }

    // ---- payment (admin) ----

    pub fn payment(&self, admin: &str, payment_id: &str) -> Reply {
        self.get(&format!("/api/payments/{payment_id}"), Some(admin))
    }

    /// Sets the payment simulator. Against a shared app it is reset when the test ends; such a
    /// test must be [`crate::Options::exclusive`].
    pub fn set_simulator(&self, admin: &str, latency_ms: u64, failure_rate: f64) {
        if !self.is_local() {
            assert!(
                self.holds_exclusive_lock(),
                "a test that changes the payment simulator must use Options::exclusive()"
            );
        }
        let r = self.put(
            "/api/admin/payment-simulator",
            Some(admin),
            &json!({ "latency_ms": latency_ms, "failure_rate": failure_rate }),
        );
        assert_eq!(r.status, 200, "simulator: {:?}", r.body);
        self.simulator_changed
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// `GET /api/admin/payment-simulator`.
    pub fn simulator(&self, admin: &str) -> Value {
        let r = self.get("/api/admin/payment-simulator", Some(admin));
        assert_eq!(r.status, 200, "simulator: {:?}", r.body);
        r.body
    }

    // ---- operations ----

    /// `GET /.well-known/spin/health` (the platform's).
    pub fn health(&self) -> u16 {
        self.get("/.well-known/spin/health", None).status
    }

    /// `POST /api/admin/events/relay`: relays pending outbox rows and rings the doorbell.
    pub fn relay_events(&self, admin: &str) -> Reply {
        self.post("/api/admin/events/relay", Some(admin), &json!({}))
    }
}
