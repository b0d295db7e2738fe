//! The wasmtime engine: pooling allocator (instances are created per request, so allocation
//! must be cheap), wasmtime's on-disk compilation cache keyed by content hash (a restart does
//! not recompile), and the linker with WASI, wasi:http and the Spin host interfaces.

use std::path::Path;

use anyhow::Context;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{
    Cache, CacheConfig, Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig,
};

use crate::state::HostState;

const MB: usize = 1 << 20;

/// # Errors
/// The engine cannot be created (neither with nor without the pooling allocator).
pub fn build_engine(cache_dir: Option<&Path>) -> anyhow::Result<Engine> {
    let mut config = base_config(cache_dir)?;
    let mut pooling = PoolingAllocationConfig::default();
    let instances = env_or("DEVHOST_MAX_INSTANCES", 1000);
    pooling
        .total_component_instances(instances)
        .total_memories(instances)
        .total_tables(2 * instances)
        .total_stacks(instances)
        .total_core_instances(4 * instances)
        .max_component_instance_size(10 * MB)
        .max_core_instance_size(10 * MB)
        .max_core_instances_per_component(200)
        .max_tables_per_component(64)
        .max_memories_per_component(32)
        .table_elements(100_000)
        .max_memory_size(4 << 30)
        .linear_memory_keep_resident(2 * MB)
        .table_keep_resident(MB / 2);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    match Engine::new(&config) {
        Ok(engine) => Ok(engine),
        Err(err) => {
            tracing::warn!("pooling allocator unavailable ({err}); using on-demand allocation");
            Engine::new(&base_config(cache_dir)?).map_err(anyhow::Error::from)
        }
    }
}

fn base_config(cache_dir: Option<&Path>) -> anyhow::Result<Config> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    if let Some(dir) = cache_dir {
        let mut cache = CacheConfig::new();
        cache.with_directory(dir);
        config.cache(Some(
            Cache::new(cache)
                .map_err(anyhow::Error::from)
                .context("cannot set up the compilation cache")?,
        ));
    }
    Ok(config)
}

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The linker every component starts from.
///
/// # Errors
/// Conflicting definitions (a bug).
pub fn base_linker(engine: &Engine) -> anyhow::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    crate::host::Platform::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
    Ok(linker)
}

/// Loads (or takes from the cache) one component.
///
/// # Errors
/// The file is missing or not a valid component.
pub fn load_component(engine: &Engine, id: &str, path: &Path) -> anyhow::Result<Component> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "component {id:?}: cannot read {} (was it built?)",
            path.display()
        )
    })?;
    Component::new(engine, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| {
            format!(
                "component {id:?}: {} is not a valid wasm component",
                path.display()
            )
        })
}
