//! The floor app's private component (reachable only through service chaining): commits one row,
//! keyed by the id in the path, in its own SQLite database and answers 200 after the commit.

#[allow(unsafe_code)] // the spin-sdk entry-point macro expands to FFI glue
mod entry {
    use spin_sdk::http::{IntoResponse, Request, Response};
    use spin_sdk::sqlite3::{Connection, Value};

    #[spin_sdk::http_component]
    fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
        let Ok(id) = req.path().trim_start_matches('/').parse::<i64>() else {
            return Ok(Response::new(400, "expected /<id>"));
        };
        let conn = open("payment")?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS payments (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL)",
            &[],
        )?;
        conn.execute(
            "INSERT INTO payments (id, at_ms) VALUES (?, ?)",
            &[Value::Integer(id), Value::Integer(now_ms())],
        )?;
        Ok(Response::new(200, "paid"))
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
