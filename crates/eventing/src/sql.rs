//! SQLite helpers: connection set-up and transactions that always end (commit or roll back).

use std::cell::Cell;

use spin_sdk::sqlite3::{Connection, QueryResult, Value};

use crate::Error;

/// Opens a database and prepares the connection: WAL (persistent in the file, readers never block
/// the writer), `synchronous = NORMAL` and a busy timeout (the HTTP and Redis triggers run in
/// separate processes under `spin up` and write the same file).
///
/// # Errors
/// The label is not granted to the component, or the file cannot be opened.
pub fn open(label: &str) -> Result<Connection, Error> {
    cinema_http::timing::time("sql-open", || {
        let conn = Connection::open(label)?;
        conn.execute("PRAGMA busy_timeout = 5000", &[])?;
        conn.execute("PRAGMA journal_mode = WAL", &[])?;
        conn.execute("PRAGMA synchronous = NORMAL", &[])?;
        Ok(conn)
    })
}

/// Runs `f` inside `BEGIN IMMEDIATE … COMMIT`; any error rolls back.
///
/// # Errors
/// `f`'s error, or the database's.
pub fn transaction<T, E: From<Error>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    // The wait for the write lock (other writers), apart from the work.
    cinema_http::timing::time("sql-begin", || conn.execute("BEGIN IMMEDIATE", &[]))
        .map_err(Error::from)?;
    match cinema_http::timing::time("sql-work", || f(conn)) {
        Ok(value) => {
            match cinema_http::timing::time("sql-commit", || conn.execute("COMMIT", &[])) {
                Ok(_) => Ok(value),
                Err(e) => {
                    rollback(conn);
                    Err(Error::from(e).into())
                }
            }
        }
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

/// One transaction spanning a consumer's batch, each event in a savepoint of it: one commit (one
/// WAL append, one round of locks) per batch instead of one per event, while an event that fails
/// is still undone alone. With [`crate::consumer::Consumer::drain_batched`]: [`Self::event`] in
/// the handler, [`Self::commit`] in the `before_ack` hook — so nothing is acknowledged before it
/// is committed, and a crash or a failed commit leaves the whole batch to be delivered again
/// (inbox claims roll back with the effects). Dropped uncommitted, it rolls back.
pub struct BatchTransaction<'a> {
    conn: &'a Connection,
    open: Cell<bool>,
    /// The transaction ended under us (SQLite rolls back by itself on some errors): what the
    /// batch did so far is gone, so the batch must not be acknowledged.
    aborted: Cell<bool>,
}

impl<'a> BatchTransaction<'a> {
    pub fn new(conn: &'a Connection) -> Self {
        Self {
            conn,
            open: Cell::new(false),
            aborted: Cell::new(false),
        }
    }

    /// Runs `f` in a savepoint of the batch's transaction (the first event begins it with
    /// `BEGIN IMMEDIATE`); `f`'s error undoes `f`'s writes only.
    ///
    /// # Errors
    /// `f`'s error, or the database's; every event after an aborted transaction fails.
    pub fn event<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.aborted.get() {
            return Err(Error::Sqlite("the batch's transaction was rolled back".into()).into());
        }
        if !self.open.get() {
            self.conn
                .execute("BEGIN IMMEDIATE", &[])
                .map_err(Error::from)?;
            self.open.set(true);
        }
        self.conn
            .execute("SAVEPOINT event", &[])
            .map_err(Error::from)?;
        let result = f(self.conn);
        if result.is_ok() && self.conn.execute("RELEASE event", &[]).is_ok() {
            return result;
        }
        let undone = self.conn.execute("ROLLBACK TO event", &[]).is_ok()
            && self.conn.execute("RELEASE event", &[]).is_ok();
        if !undone {
            self.aborted.set(true);
        }
        match result {
            Ok(_) => Err(Error::Sqlite("savepoint release failed".into()).into()),
            Err(e) => Err(e),
        }
    }

    /// Commits what the batch's events did (nothing to do if none began the transaction).
    ///
    /// # Errors
    /// The transaction was aborted, or the commit failed (then it is rolled back).
    pub fn commit(&self) -> Result<(), Error> {
        let was_open = self.open.replace(false);
        if self.aborted.replace(false) {
            if was_open {
                rollback(self.conn);
            }
            return Err(Error::Sqlite(
                "the batch's transaction was rolled back".into(),
            ));
        }
        if !was_open {
            return Ok(());
        }
        match self.conn.execute("COMMIT", &[]) {
            Ok(_) => Ok(()),
            Err(e) => {
                rollback(self.conn);
                Err(e.into())
            }
        }
    }
}

impl Drop for BatchTransaction<'_> {
    fn drop(&mut self) {
        if self.open.get() {
            rollback(self.conn);
        }
    }
}

fn rollback(conn: &Connection) {
    if let Err(e) = conn.execute("ROLLBACK", &[]) {
        // The transaction may already be gone (SQLite rolls back on some errors itself).
        eprintln!("{{\"level\":\"warn\",\"msg\":\"rollback failed: {e:?}\"}}");
    }
}

/// Brings a context's schema to `version` (`PRAGMA user_version`): once it is there, a request
/// pays one query. Otherwise `steps(tx, from)` runs in one write transaction with the version found
/// under the lock (a concurrent instance may have migrated meanwhile: then nothing runs) and the
/// new version is recorded in the same transaction. `steps` must be written for any `from` below
/// `version` (0 = a new database).
///
/// # Errors
/// The database's, or the first failing step's (nothing is changed then).
pub fn migrate(
    conn: &Connection,
    version: i64,
    steps: impl FnOnce(&Connection, i64) -> Result<(), Error>,
) -> Result<(), Error> {
    if user_version(conn)? >= version {
        return Ok(());
    }
    transaction(conn, |tx| {
        let from = user_version(tx)?;
        if from >= version {
            return Ok(());
        }
        steps(tx, from)?;
        exec(tx, &format!("PRAGMA user_version = {version}"), &[])?;
        Ok(())
    })
}

/// The schema version recorded in the database (0 for a new one).
///
/// # Errors
/// The database's.
pub fn user_version(conn: &Connection) -> Result<i64, Error> {
    Ok(exec(conn, "PRAGMA user_version", &[])?
        .rows()
        .next()
        .and_then(|r| r.get::<i64>("user_version"))
        .unwrap_or(0))
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
