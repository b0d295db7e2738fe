//! The wasmtime engine: pooling allocator (instances are created per request, so allocation
//! must be cheap), an on-disk cache of compiled components keyed by content hash and engine
//! (a restart maps them instead of recompiling; concurrent starts on a cold cache compile each
//! file once, the others wait for it), and the linker with WASI, wasi:http and the
//! Spin host interfaces.

use std::path::Path;

use anyhow::Context;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::state::HostState;

const MB: usize = 1 << 20;

/// # Errors
/// The engine cannot be created (neither with nor without the pooling allocator).
pub fn build_engine() -> anyhow::Result<Engine> {
    let mut config = base_config();
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
            Engine::new(&base_config()).map_err(anyhow::Error::from)
        }
    }
}

fn base_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config
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

/// Loads one component: from `cache_dir` when it holds this file compiled by a compatible engine,
/// else compiled by Cranelift and stored there.
///
/// The cache keeps wasmtime's own serialised form uncompressed (`<sha256 of the wasm>-<engine
/// compatibility hash>.cwasm`), so a warm start maps each file instead of decompressing and
/// copying it: start-up time is what the benchmarks' cold-start goal measures.
///
/// # Errors
/// The file is missing or not a valid component.
pub fn load_component(
    engine: &Engine,
    cache_dir: Option<&Path>,
    id: &str,
    path: &Path,
) -> anyhow::Result<Component> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "component {id:?}: cannot read {} (was it built?)",
            path.display()
        )
    })?;
    let invalid = || {
        format!(
            "component {id:?}: {} is not a valid wasm component",
            path.display()
        )
    };
    let Some(dir) = cache_dir else {
        return Component::new(engine, &bytes)
            .map_err(anyhow::Error::from)
            .with_context(invalid);
    };
    let cached = dir.join(cache_key(engine, &bytes));
    let started = std::time::Instant::now();
    if let Some(component) = load_cached(engine, &cached) {
        tracing::info!(
            "component {id:?}: loaded from the cache in {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        return Ok(component);
    }
    // Another devhost compiling the same file (parallel test runs, a cold cache): wait for its
    // result instead of compiling the same large component again on the same cores.
    let _lock = CompileLock::acquire(dir, &cached);
    if let Some(component) = load_cached(engine, &cached) {
        return Ok(component);
    }
    tracing::info!(
        "component {id:?}: compiling {} ({} bytes); later starts load it from {}",
        path.display(),
        bytes.len(),
        dir.display()
    );
    let compiled = engine
        .precompile_component(&bytes)
        .map_err(anyhow::Error::from)
        .with_context(invalid)?;
    tracing::info!(
        "component {id:?}: compiled in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let Err(err) = store(dir, &cached, &compiled) {
        tracing::warn!("cannot cache {}: {err}", cached.display());
        return deserialize_bytes(engine, &compiled);
    }
    deserialize(engine, &cached)
}

fn load_cached(engine: &Engine, cached: &Path) -> Option<Component> {
    if !cached.is_file() {
        return None;
    }
    match deserialize(engine, cached) {
        Ok(component) => Some(component),
        Err(err) => {
            tracing::warn!("ignoring cached {}: {err}", cached.display());
            let _ = std::fs::remove_file(cached);
            None
        }
    }
}

/// A lock file beside a cache entry while one process compiles it (`create_new`, removed on
/// drop). A lock older than [`CompileLock::STALE`] is from a process that died and is taken
/// over; when the lock cannot be had the caller compiles anyway (the cache is an optimisation).
struct CompileLock(Option<std::path::PathBuf>);

impl CompileLock {
    const STALE: std::time::Duration = std::time::Duration::from_secs(300);

    fn acquire(dir: &Path, cached: &Path) -> Self {
        let lock = cached.with_extension("lock");
        if std::fs::create_dir_all(dir).is_err() {
            return Self(None);
        }
        let mut waited = false;
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(_) => return Self(Some(lock)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(&lock)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok());
                    if age.is_some_and(|a| a > Self::STALE) {
                        let _ = std::fs::remove_file(&lock);
                        continue;
                    }
                    if cached.is_file() {
                        return Self(None);
                    }
                    if !waited {
                        tracing::info!(
                            "waiting for another devhost compiling {}",
                            cached.display()
                        );
                        waited = true;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(_) => return Self(None),
            }
        }
    }
}

impl Drop for CompileLock {
    fn drop(&mut self) {
        if let Some(lock) = &self.0 {
            let _ = std::fs::remove_file(lock);
        }
    }
}

fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    use sha2::Digest;
    use std::hash::{Hash, Hasher};
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let digest = sha2::Sha256::digest(wasm);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}-{:016x}.cwasm", engine_hash.finish())
}

/// Writes `compiled` to `path` atomically (a concurrent reader never sees half a file).
fn store(dir: &Path, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, compiled)?;
    std::fs::rename(&tmp, path)
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    // SAFETY: the file is wasmtime's own output (`precompile_component` above), written
    // atomically into devhost's cache directory; wasmtime checks the engine compatibility and
    // the artifact's format and refuses anything else. Trusting that directory is the same trust
    // wasmtime's built-in cache places in its own.
    unsafe { Component::deserialize_file(engine, path) }.map_err(anyhow::Error::from)
}

#[allow(unsafe_code)]
fn deserialize_bytes(engine: &Engine, compiled: &[u8]) -> anyhow::Result<Component> {
    // SAFETY: `compiled` was produced by `precompile_component` of this engine just now.
    unsafe { Component::deserialize(engine, compiled) }.map_err(anyhow::Error::from)
}
