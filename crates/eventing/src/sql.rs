//! SQLite helpers: connection set-up and transactions that always end (commit or roll back).

use spin_sdk::sqlite3::{Connection, QueryResult, Value};

use crate::Error;

/// Opens a database and prepares the connection: WAL (persistent in the file, readers never block
/// the writer), `synchronous = NORMAL` and a busy timeout (the HTTP and Redis triggers run in
/// separate processes under `spin up` and write the same file).
///
/// # Errors
/// The label is not granted to the component, or the file cannot be opened.
pub fn open(label: &str) -> Result<Connection, Error> {
    let conn = Connection::open(label)?;
    conn.execute("PRAGMA busy_timeout = 5000", &[])?;
    conn.execute("PRAGMA journal_mode = WAL", &[])?;
    conn.execute("PRAGMA synchronous = NORMAL", &[])?;
    Ok(conn)
}

/// Runs `f` inside `BEGIN IMMEDIATE … COMMIT`; any error rolls back.
///
/// # Errors
/// `f`'s error, or the database's.
pub fn transaction<T, E: From<Error>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    conn.execute("BEGIN IMMEDIATE", &[]).map_err(Error::from)?;
    match f(conn) {
        Ok(value) => match conn.execute("COMMIT", &[]) {
            Ok(_) => Ok(value),
            Err(e) => {
                rollback(conn);
                Err(Error::from(e).into())
            }
        },
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

fn rollback(conn: &Connection) {
    if let Err(e) = conn.execute("ROLLBACK", &[]) {
        // The transaction may already be gone (SQLite rolls back on some errors itself).
        eprintln!("{{\"level\":\"warn\",\"msg\":\"rollback failed: {e:?}\"}}");
    }
}

/// `execute` with `?` parameters, for brevity at call sites.
///
/// # Errors
/// The database's.
pub fn exec(conn: &Connection, sql: &str, params: &[Value]) -> Result<QueryResult, Error> {
    Ok(conn.execute(sql, params)?)
}

pub fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

pub fn int(i: i64) -> Value {
    Value::Integer(i)
}

pub fn opt_text(s: Option<impl Into<String>>) -> Value {
    s.map_or(Value::Null, |s| Value::Text(s.into()))
}
