//! The floor app's public component: the least a paid booking needs on the platform. Each
//! request calls the private `payment` component through service chaining (which commits its row)
//! and then commits one row of its own; it answers 200 only after both commits. Every request
//! writes a distinct row (a random id), so requests never conflict.

#[allow(unsafe_code)] // the spin-sdk entry-point macro expands to FFI glue
mod entry {
    use spin_sdk::http::{IntoResponse, Method, Request, Response};
    use spin_sdk::sqlite3::{Connection, Value};

    #[spin_sdk::http_component]
    async fn handle(_req: Request) -> anyhow::Result<impl IntoResponse> {
        // A positive 63-bit id, as a reservation id would be: the payment's key and our row's.
        let id = (spin_sdk::wit::wasi::random0_2_6::random::get_random_u64() >> 1) as i64;
        let call = Request::builder()
            .method(Method::Post)
            .uri(format!("http://payment.spin.internal/{id}"))
            .build();
        let paid: Response = spin_sdk::http::send(call).await?;
        if *paid.status() != 200 {
            return Ok(Response::new(502, "payment failed"));
        }
        let conn = open("booking")?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bookings (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL)",
            &[],
        )?;
        conn.execute(
            "INSERT INTO bookings (id, at_ms) VALUES (?, ?)",
            &[Value::Integer(id), Value::Integer(now_ms())],
        )?;
        Ok(Response::new(200, "booked"))
    }

    /// As `crates/eventing/src/sql.rs` opens a database (the floor must not depend on app code).
    fn open(label: &str) -> anyhow::Result<Connection> {
        let conn = Connection::open(label)?;
        conn.execute("PRAGMA busy_timeout = 5000", &[])?;
        conn.execute("PRAGMA journal_mode = WAL", &[])?;
        conn.execute("PRAGMA synchronous = NORMAL", &[])?;
        Ok(conn)
    }

    fn now_ms() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}
