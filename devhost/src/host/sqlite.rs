//! SQLite databases as Spin's `spin` type: every `open` gets its own connection to the label's
//! file (created lazily), serving `spin:sqlite/sqlite@3.0.0` and `fermyon:spin/sqlite@2.0.0`.
//! Like Spin, `ATTACH` of another file is refused.

use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::component::Resource;

use super::blocking;
use super::fermyon::spin2_0_0::sqlite as v2;
use super::spin::sqlite::sqlite as v3;
use crate::runtime_config::StoreLocation;
use crate::state::HostState;

pub struct SqliteConnection {
    location: StoreLocation,
    connection: OnceLock<Result<Arc<Mutex<rusqlite::Connection>>, String>>,
}

/// A value on its way in or out, independent of the interface version.
enum Value {
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Null,
}

struct QueryResult {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

impl SqliteConnection {
    fn connection(&self) -> Result<Arc<Mutex<rusqlite::Connection>>, String> {
        self.connection
            .get_or_init(|| {
                let conn = match &self.location.0 {
                    Some(path) => {
                        if let Some(dir) = path.parent() {
                            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                        }
                        rusqlite::Connection::open(path)
                    }
                    None => rusqlite::Connection::open_in_memory(),
                }
                .map_err(|e| e.to_string())?;
                conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
                    use rusqlite::hooks::{AuthAction, Authorization};
                    match ctx.action {
                        AuthAction::Attach { filename } if !matches!(filename, "" | ":memory:") => {
                            Authorization::Deny
                        }
                        _ => Authorization::Allow,
                    }
                }));
                Ok(Arc::new(Mutex::new(conn)))
            })
            .clone()
    }

    fn query(&self, sql: &str, params: Vec<Value>) -> Result<QueryResult, String> {
        let conn = self.connection()?;
        blocking(|| {
            let conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            let mut stmt = conn.prepare_cached(sql).map_err(|e| e.to_string())?;
            let columns: Vec<String> = stmt
                .column_names()
                .into_iter()
                .map(str::to_string)
                .collect();
            let n = columns.len();
            let params = params.into_iter().map(|v| match v {
                Value::Integer(i) => rusqlite::types::Value::Integer(i),
                Value::Real(r) => rusqlite::types::Value::Real(r),
                Value::Text(t) => rusqlite::types::Value::Text(t),
                Value::Blob(b) => rusqlite::types::Value::Blob(b),
                Value::Null => rusqlite::types::Value::Null,
            });
            let mut rows = stmt
                .query(rusqlite::params_from_iter(params))
                .map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| e.to_string())? {
                let mut values = Vec::with_capacity(n);
                for i in 0..n {
                    let v = row.get_ref(i).map_err(|e| e.to_string())?;
                    values.push(match v {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(i) => Value::Integer(i),
                        rusqlite::types::ValueRef::Real(r) => Value::Real(r),
                        rusqlite::types::ValueRef::Text(t) => {
                            Value::Text(String::from_utf8_lossy(t).into_owned())
                        }
                        rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    });
                }
                out.push(values);
            }
            Ok(QueryResult { columns, rows: out })
        })
    }

    fn with_conn<R>(&self, f: impl FnOnce(&rusqlite::Connection) -> R) -> Result<R, String> {
        let conn = self.connection()?;
        let guard = conn.lock().unwrap_or_else(|e| e.into_inner());
        Ok(f(&guard))
    }
}

enum OpenError {
    AccessDenied,
    NoSuchDatabase,
}

impl HostState {
    fn open_sqlite(&mut self, label: &str) -> Result<SqliteConnection, OpenError> {
        if !self.component.sqlite_databases.contains(label) {
            return Err(OpenError::AccessDenied);
        }
        let location = self
            .app
            .sqlite
            .get(label)
            .ok_or(OpenError::NoSuchDatabase)?
            .clone();
        Ok(SqliteConnection {
            location,
            connection: OnceLock::new(),
        })
    }
}

/// Conversions between an interface version's `value` and the shared [`Value`]: the two
/// versions' value types are identical in shape.
macro_rules! value_conversions {
    ($from:ident, $to:ident, $m:ident) => {
        fn $from(v: $m::Value) -> Value {
            match v {
                $m::Value::Integer(i) => Value::Integer(i),
                $m::Value::Real(r) => Value::Real(r),
                $m::Value::Text(t) => Value::Text(t),
                $m::Value::Blob(b) => Value::Blob(b),
                $m::Value::Null => Value::Null,
            }
        }

        fn $to(v: Value) -> $m::Value {
            match v {
                Value::Integer(i) => $m::Value::Integer(i),
                Value::Real(r) => $m::Value::Real(r),
                Value::Text(t) => $m::Value::Text(t),
                Value::Blob(b) => $m::Value::Blob(b),
                Value::Null => $m::Value::Null,
            }
        }
    };
}

value_conversions!(from_v3, to_v3, v3);
value_conversions!(from_v2, to_v2, v2);

// ---- spin:sqlite/sqlite@3.0.0 ----

impl v3::Host for HostState {}

impl v3::HostConnection for HostState {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, v3::Error>> {
        match self.open_sqlite(&database) {
            Ok(c) => Ok(Ok(self.table.push(c)?)),
            Err(OpenError::AccessDenied) => Ok(Err(v3::Error::AccessDenied)),
            Err(OpenError::NoSuchDatabase) => Ok(Err(v3::Error::NoSuchDatabase)),
        }
    }

    async fn execute(
        &mut self,
        c: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<v3::Value>,
    ) -> wasmtime::Result<Result<v3::QueryResult, v3::Error>> {
        let conn = self.table.get(&c)?;
        Ok(conn
            .query(&statement, parameters.into_iter().map(from_v3).collect())
            .map(|r| v3::QueryResult {
                columns: r.columns,
                rows: r
                    .rows
                    .into_iter()
                    .map(|values| v3::RowResult {
                        values: values.into_iter().map(to_v3).collect(),
                    })
                    .collect(),
            })
            .map_err(v3::Error::Io))
    }

    async fn last_insert_rowid(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<i64> {
        let conn = self.table.get(&c)?;
        conn.with_conn(|c| c.last_insert_rowid())
            .map_err(wasmtime::Error::msg)
    }

    async fn changes(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<u64> {
        let conn = self.table.get(&c)?;
        conn.with_conn(|c| c.changes())
            .map_err(wasmtime::Error::msg)
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}

// ---- fermyon:spin/sqlite@2.0.0 ----

impl v2::Host for HostState {}

impl v2::HostConnection for HostState {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, v2::Error>> {
        match self.open_sqlite(&database) {
            Ok(c) => Ok(Ok(self.table.push(c)?)),
            Err(OpenError::AccessDenied) => Ok(Err(v2::Error::AccessDenied)),
            Err(OpenError::NoSuchDatabase) => Ok(Err(v2::Error::NoSuchDatabase)),
        }
    }

    async fn execute(
        &mut self,
        c: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<v2::Value>,
    ) -> wasmtime::Result<Result<v2::QueryResult, v2::Error>> {
        let conn = self.table.get(&c)?;
        Ok(conn
            .query(&statement, parameters.into_iter().map(from_v2).collect())
            .map(|r| v2::QueryResult {
                columns: r.columns,
                rows: r
                    .rows
                    .into_iter()
                    .map(|values| v2::RowResult {
                        values: values.into_iter().map(to_v2).collect(),
                    })
                    .collect(),
            })
            .map_err(v2::Error::Io))
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
