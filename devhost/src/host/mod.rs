//! Host implementations of the Spin interfaces components import, generated from `devhost/wit`
//! (the same packages, versions and types as the WIT shipped in spin-sdk 5.2.0 and, for the
//! Python components, spin-sdk 3.4.1's world `fermyon:spin/spin-all@2.0.0`).

pub mod key_value;
pub mod redis;
pub mod redis_kv;
pub mod sqlite;
pub mod unsupported;
pub mod variables;

wasmtime::component::bindgen!({
    path: "wit",
    world: "platform",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/key-value@2.0.0.store": crate::host::key_value::KvStore,
        "wasi:keyvalue/store@0.2.0-draft2.bucket": crate::host::key_value::KvStore,
        "wasi:keyvalue/atomics@0.2.0-draft2.cas": crate::host::key_value::Cas,
        "fermyon:spin/sqlite@2.0.0.connection": crate::host::sqlite::SqliteConnection,
        "spin:sqlite/sqlite@3.0.0.connection": crate::host::sqlite::SqliteConnection,
        "fermyon:spin/redis@2.0.0.connection": crate::host::redis::RedisConnection,
        "fermyon:spin/mqtt@2.0.0.connection": crate::host::unsupported::NoConnection,
        "fermyon:spin/mysql@2.0.0.connection": crate::host::unsupported::NoConnection,
        "fermyon:spin/postgres@2.0.0.connection": crate::host::unsupported::NoConnection,
        "spin:postgres/postgres@3.0.0.connection": crate::host::unsupported::NoConnection,
        "spin:postgres/postgres@4.0.0.connection": crate::host::unsupported::NoConnection,
    },
});

mod redis_trigger {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "redis-trigger",
        exports: { default: async },
    });
}

pub use redis_trigger::{RedisTrigger, RedisTriggerPre};

/// Runs blocking storage work (SQLite) without stalling the async runtime's other tasks.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    tokio::task::block_in_place(f)
}
