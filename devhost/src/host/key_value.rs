//! Key-value stores, serving both `fermyon:spin/key-value@2.0.0` and
//! `wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2`, with Spin's two local store types:
//!
//! - `spin`: one SQLite file per configured label, table `spin_key_value(store, key, value)`, one
//!   shared connection per label. Counters are 8-byte little-endian integers; compare-and-swap
//!   compares the value read by `current()` and, like Spin, swapping from "absent" is an upsert.
//! - `redis`: keys stored as they are in the Redis database of the URL; counters are Redis
//!   integers (`INCRBY`); `exists` is `EXISTS`; compare-and-swap is atomic, also from "absent"
//!   (as Spin's WATCH/MULTI, except that a conflict is reported: Spin 4.0.2 reads its aborted
//!   `EXEC` as success).
//!
//! On both, a swap on a handle whose `current()` was never called writes unconditionally, as
//! Spin does.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use wasmtime::component::Resource;

use super::blocking;
use super::fermyon::spin2_0_0::key_value as v2;
use super::wasi::keyvalue::{atomics, batch, store as wstore};
use crate::runtime_config::{KvLocation, StoreLocation};
use crate::state::HostState;

type Res<T> = Result<T, String>;

/// The configured stores, by label.
pub struct KvStores {
    backends: HashMap<String, Arc<Backend>>,
}

enum Backend {
    Sqlite {
        location: StoreLocation,
        connection: OnceLock<Result<Arc<Mutex<Connection>>, String>>,
    },
    Redis(super::redis_kv::RedisKv),
}

/// An open store (the guest's `store` / `bucket` resource).
#[derive(Clone)]
pub struct KvStore {
    label: String,
    backend: Arc<Backend>,
}

/// A compare-and-swap handle (`wasi:keyvalue/atomics.cas`).
pub struct Cas {
    store: KvStore,
    key: String,
    /// What `current()` read; `None` if it was never called: then, as in Spin (both store
    /// types), the swap writes unconditionally.
    current: Option<Option<Vec<u8>>>,
}

impl KvStores {
    /// # Errors
    /// A Redis URL that does not parse.
    pub fn new(locations: &BTreeMap<String, KvLocation>) -> anyhow::Result<Self> {
        let mut backends = HashMap::new();
        for (label, location) in locations {
            let backend = match location {
                KvLocation::Sqlite(location) => Backend::Sqlite {
                    location: location.clone(),
                    connection: OnceLock::new(),
                },
                KvLocation::Redis(url) => {
                    Backend::Redis(super::redis_kv::RedisKv::new(url).with_context(|| {
                        // Not the URL itself: it may carry a password.
                        format!("[key_value_store.{label}]: invalid Redis URL")
                    })?)
                }
            };
            backends.insert(label.clone(), Arc::new(backend));
        }
        Ok(Self { backends })
    }

    fn open(&self, label: &str) -> Option<KvStore> {
        self.backends.get(label).map(|backend| KvStore {
            label: label.to_string(),
            backend: backend.clone(),
        })
    }
}

impl Backend {
    fn connection(&self) -> Res<Arc<Mutex<Connection>>> {
        let Backend::Sqlite {
            location,
            connection,
        } = self
        else {
            return Err("not a SQLite store".into());
        };
        connection
            .get_or_init(|| {
                let conn = match &location.0 {
                    Some(path) => {
                        if let Some(dir) = path.parent() {
                            std::fs::create_dir_all(dir).map_err(|e| format!("{e:?}"))?;
                        }
                        Connection::open(path)
                    }
                    None => Connection::open_in_memory(),
                }
                .map_err(|e| format!("{e:?}"))?;
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS spin_key_value (
                        store TEXT NOT NULL,
                        key   TEXT NOT NULL,
                        value BLOB NOT NULL,
                        PRIMARY KEY (store, key)
                    )",
                    [],
                )
                .map_err(|e| format!("{e:?}"))?;
                Ok(Arc::new(Mutex::new(conn)))
            })
            .clone()
    }
}

fn err(e: impl std::fmt::Debug) -> String {
    let text = format!("{e:?}");
    tracing::warn!("key-value error: {text}");
    text
}

const UPSERT: &str = "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                      ON CONFLICT(store, key) DO UPDATE SET value = excluded.value";

impl KvStore {
    fn with<R>(&self, f: impl FnOnce(&mut Connection, &str) -> rusqlite::Result<R>) -> Res<R> {
        let conn = self.backend.connection()?;
        blocking(|| {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard, &self.label).map_err(err)
        })
    }

    pub fn get(&self, key: &str) -> Res<Option<Vec<u8>>> {
        if let Backend::Redis(r) = &*self.backend {
            return r.get(key);
        }
        self.with(|c, store| {
            c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .query_row(params![store, key], |r| r.get(0))
                .optional()
        })
    }

    pub fn set(&self, key: &str, value: &[u8]) -> Res<()> {
        if let Backend::Redis(r) = &*self.backend {
            return r.set(key, value);
        }
        self.with(|c, store| {
            c.prepare_cached(UPSERT)?
                .execute(params![store, key, value])
                .map(drop)
        })
    }

    pub fn delete(&self, key: &str) -> Res<()> {
        if let Backend::Redis(r) = &*self.backend {
            return r.delete(key);
        }
        self.with(|c, store| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .execute(params![store, key])
                .map(drop)
        })
    }

    pub fn exists(&self, key: &str) -> Res<bool> {
        if let Backend::Redis(r) = &*self.backend {
            return r.exists(key);
        }
        self.get(key).map(|v| v.is_some())
    }

    pub fn keys(&self) -> Res<Vec<String>> {
        if let Backend::Redis(r) = &*self.backend {
            return r.keys();
        }
        self.with(|c, store| {
            c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?
                .query_map(params![store], |r| r.get(0))?
                .collect()
        })
    }

    pub fn get_many(&self, keys: &[String]) -> Res<Vec<(String, Option<Vec<u8>>)>> {
        if let Backend::Redis(r) = &*self.backend {
            return r.get_many(keys);
        }
        self.with(|c, store| {
            let mut stmt =
                c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?;
            let mut out = Vec::new();
            for key in keys {
                let value: Option<Vec<u8>> = stmt
                    .query_row(params![store, key], |r| r.get(0))
                    .optional()?;
                // Spin returns only the keys that exist.
                if value.is_some() {
                    out.push((key.clone(), value));
                }
            }
            Ok(out)
        })
    }

    pub fn set_many(&self, items: &[(String, Vec<u8>)]) -> Res<()> {
        if let Backend::Redis(r) = &*self.backend {
            return r.set_many(items);
        }
        self.with(|c, store| {
            let tx = c.transaction()?;
            for (key, value) in items {
                tx.prepare_cached(UPSERT)?
                    .execute(params![store, key, value])?;
            }
            tx.commit()
        })
    }

    pub fn delete_many(&self, keys: &[String]) -> Res<()> {
        if let Backend::Redis(r) = &*self.backend {
            return r.delete_many(keys);
        }
        self.with(|c, store| {
            let tx = c.transaction()?;
            for key in keys {
                tx.prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                    .execute(params![store, key])?;
            }
            tx.commit()
        })
    }

    pub fn increment(&self, key: &str, delta: i64) -> Res<i64> {
        if let Backend::Redis(r) = &*self.backend {
            return r.increment(key, delta);
        }
        self.with(|c, store| {
            let tx = c.transaction()?;
            let current: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .query_row(params![store, key], |r| r.get(0))
                .optional()?;
            let current = match current {
                None => 0,
                Some(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
                    Ok(b) => i64::from_le_bytes(b),
                    Err(_) => return Ok(Err(format!("value of {key:?} is not an 8-byte counter"))),
                },
            };
            let Some(next) = current.checked_add(delta) else {
                return Ok(Err(format!("increment of {key:?} overflows")));
            };
            tx.prepare_cached(UPSERT)?.execute(params![
                store,
                key,
                next.to_le_bytes().as_slice()
            ])?;
            tx.commit()?;
            Ok(Ok(next))
        })?
    }

    fn swap(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Res<bool> {
        if let Backend::Redis(r) = &*self.backend {
            return r.swap(key, expected, value);
        }
        self.with(|c, store| {
            let changed = match expected {
                Some(old) => c
                    .prepare_cached(
                        "UPDATE spin_key_value SET value = ?4 WHERE store = ?1 AND key = ?2 AND value = ?3",
                    )?
                    .execute(params![store, key, old, value])?,
                None => c.prepare_cached(UPSERT)?.execute(params![store, key, value])?,
            };
            Ok(changed == 1)
        })
    }
}

impl HostState {
    fn allowed_store(&self, label: &str) -> Result<KvStore, StoreOpenError> {
        if !self.component.key_value_stores.contains(label) {
            return Err(StoreOpenError::AccessDenied);
        }
        self.app.kv.open(label).ok_or(StoreOpenError::NoSuchStore)
    }

    fn kv(&self, store: &Resource<KvStore>) -> wasmtime::Result<KvStore> {
        Ok(self.table.get(store)?.clone())
    }
}

enum StoreOpenError {
    AccessDenied,
    NoSuchStore,
}

// ---- fermyon:spin/key-value@2.0.0 ----

impl v2::Host for HostState {}

impl v2::HostStore for HostState {
    async fn open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<KvStore>, v2::Error>> {
        match self.allowed_store(&label) {
            Ok(store) => Ok(Ok(self.table.push(store)?)),
            Err(StoreOpenError::AccessDenied) => Ok(Err(v2::Error::AccessDenied)),
            Err(StoreOpenError::NoSuchStore) => Ok(Err(v2::Error::NoSuchStore)),
        }
    }

    async fn get(
        &mut self,
        s: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, v2::Error>> {
        Ok(self.kv(&s)?.get(&key).map_err(v2::Error::Other))
    }

    async fn set(
        &mut self,
        s: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        Ok(self.kv(&s)?.set(&key, &value).map_err(v2::Error::Other))
    }

    async fn delete(
        &mut self,
        s: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        Ok(self.kv(&s)?.delete(&key).map_err(v2::Error::Other))
    }

    async fn exists(
        &mut self,
        s: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, v2::Error>> {
        Ok(self.kv(&s)?.exists(&key).map_err(v2::Error::Other))
    }

    async fn get_keys(
        &mut self,
        s: Resource<KvStore>,
    ) -> wasmtime::Result<Result<Vec<String>, v2::Error>> {
        Ok(self.kv(&s)?.keys().map_err(v2::Error::Other))
    }

    async fn drop(&mut self, s: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(s)?;
        Ok(())
    }
}

// ---- wasi:keyvalue@0.2.0-draft2 ----

impl wstore::Host for HostState {
    async fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<KvStore>, wstore::Error>> {
        match self.allowed_store(&identifier) {
            Ok(store) => Ok(Ok(self.table.push(store)?)),
            Err(StoreOpenError::AccessDenied) => Ok(Err(wstore::Error::AccessDenied)),
            Err(StoreOpenError::NoSuchStore) => Ok(Err(wstore::Error::NoSuchStore)),
        }
    }
}

impl wstore::HostBucket for HostState {
    async fn get(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, wstore::Error>> {
        Ok(self.kv(&b)?.get(&key).map_err(wstore::Error::Other))
    }

    async fn set(
        &mut self,
        b: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), wstore::Error>> {
        Ok(self.kv(&b)?.set(&key, &value).map_err(wstore::Error::Other))
    }

    async fn delete(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), wstore::Error>> {
        Ok(self.kv(&b)?.delete(&key).map_err(wstore::Error::Other))
    }

    async fn exists(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, wstore::Error>> {
        Ok(self.kv(&b)?.exists(&key).map_err(wstore::Error::Other))
    }

    async fn list_keys(
        &mut self,
        b: Resource<KvStore>,
        cursor: Option<String>,
    ) -> wasmtime::Result<Result<wstore::KeyResponse, wstore::Error>> {
        if cursor.is_some() {
            return Ok(Err(wstore::Error::Other(
                "list_keys: cursor not supported".into(),
            )));
        }
        Ok(self
            .kv(&b)?
            .keys()
            .map(|keys| wstore::KeyResponse { keys, cursor: None })
            .map_err(wstore::Error::Other))
    }

    async fn drop(&mut self, b: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(b)?;
        Ok(())
    }
}

impl batch::Host for HostState {
    async fn get_many(
        &mut self,
        b: Resource<KvStore>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<(String, Option<Vec<u8>>)>, wstore::Error>> {
        Ok(self.kv(&b)?.get_many(&keys).map_err(wstore::Error::Other))
    }

    async fn set_many(
        &mut self,
        b: Resource<KvStore>,
        items: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), wstore::Error>> {
        Ok(self.kv(&b)?.set_many(&items).map_err(wstore::Error::Other))
    }

    async fn delete_many(
        &mut self,
        b: Resource<KvStore>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), wstore::Error>> {
        Ok(self
            .kv(&b)?
            .delete_many(&keys)
            .map_err(wstore::Error::Other))
    }
}

impl atomics::Host for HostState {
    async fn increment(
        &mut self,
        b: Resource<KvStore>,
        key: String,
        delta: i64,
    ) -> wasmtime::Result<Result<i64, wstore::Error>> {
        Ok(self
            .kv(&b)?
            .increment(&key, delta)
            .map_err(wstore::Error::Other))
    }

    async fn swap(
        &mut self,
        cas: Resource<Cas>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        let cas = self.table.delete(cas)?;
        let swapped = match &cas.current {
            Some(current) => cas.store.swap(&cas.key, current.as_deref(), &value),
            None => cas.store.set(&cas.key, &value).map(|()| true),
        };
        match swapped {
            Ok(true) => Ok(Ok(())),
            Ok(false) => {
                // As in Spin: hand back a fresh CAS that has already read the current value.
                let current = match cas.store.get(&cas.key) {
                    Ok(v) => v,
                    Err(e) => {
                        return Ok(Err(atomics::CasError::StoreError(wstore::Error::Other(e))));
                    }
                };
                let fresh = self.table.push(Cas {
                    store: cas.store,
                    key: cas.key,
                    current: Some(current),
                })?;
                Ok(Err(atomics::CasError::CasFailed(fresh)))
            }
            Err(e) => Ok(Err(atomics::CasError::StoreError(wstore::Error::Other(e)))),
        }
    }
}

impl atomics::HostCas for HostState {
    async fn new(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Resource<Cas>, wstore::Error>> {
        let store = self.kv(&b)?;
        Ok(Ok(self.table.push(Cas {
            store,
            key,
            current: None,
        })?))
    }

    async fn current(
        &mut self,
        cas: Resource<Cas>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, wstore::Error>> {
        let entry = self.table.get_mut(&cas)?;
        match entry.store.get(&entry.key) {
            Ok(value) => {
                entry.current = Some(value.clone());
                Ok(Ok(value))
            }
            Err(e) => Ok(Err(wstore::Error::Other(e))),
        }
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

/// Puts the SQLite file of a `spin` key-value store in WAL mode, creating it if absent (see
/// `devhost wal`). The mode is stored in the file, so every later connection (Spin's too) uses it.
///
/// # Errors
/// The file cannot be created or opened, or SQLite refuses WAL (e.g. a file system without
/// shared memory).
pub fn use_wal(path: &std::path::Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let conn = Connection::open(path)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "journal mode is {mode}");
    Ok(())
}
