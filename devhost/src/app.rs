//! The loaded application: the manifest resolved against variables and runtime config, every
//! component compiled and pre-instantiated, the router, the stores and the Redis subscriptions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, bail};
use wasmtime::Engine;
use wasmtime::component::InstancePre;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::allowed_hosts::AllowedHosts;
use crate::host::key_value::KvStores;
use crate::logs::{ComponentLog, Stream};
use crate::manifest::{FileMount, Manifest, Route};
use crate::routes::Router;
use crate::runtime_config::{RuntimeConfig, StoreLocation};
use crate::state::HostState;
use crate::variables::{AppVariables, resolve_component};

/// Everything an instance of one component may see and do.
pub struct ComponentConfig {
    pub id: String,
    pub variables: BTreeMap<String, String>,
    pub environment: Vec<(String, String)>,
    pub allowed_hosts: AllowedHosts,
    pub key_value_stores: HashSet<String>,
    pub sqlite_databases: HashSet<String>,
    pub files: Vec<(PathBuf, String)>,
    pub stdout: ComponentLog,
    pub stderr: ComponentLog,
}

pub struct LoadedComponent {
    pub config: Arc<ComponentConfig>,
    pub pre: InstancePre<HostState>,
    pub http: Option<ProxyPre<HostState>>,
    pub redis: Option<crate::host::RedisTriggerPre<HostState>>,
}

pub struct RedisSubscription {
    pub address: String,
    pub channel: String,
    pub component: String,
}

pub struct App {
    pub name: String,
    pub engine: Engine,
    pub components: HashMap<String, LoadedComponent>,
    /// Components with an HTTP trigger (public or private): the service-chaining targets.
    pub http_components: HashSet<String>,
    pub router: Router,
    pub redis: Vec<RedisSubscription>,
    pub kv: KvStores,
    pub sqlite: BTreeMap<String, StoreLocation>,
    /// The address the HTTP server listens on, once bound (for relative outbound requests).
    pub listen_addr: OnceLock<SocketAddr>,
    pub version: Option<String>,
}

pub struct LoadOptions {
    pub manifest: PathBuf,
    pub runtime_config: Option<PathBuf>,
    pub state_dir: PathBuf,
    pub cache_dir: Option<PathBuf>,
    pub variables: Vec<(String, String)>,
    pub only_components: Vec<String>,
    pub quiet_components: bool,
}

impl App {
    /// # Errors
    /// Anything Spin would refuse at start-up: invalid manifest or runtime config, missing
    /// .wasm, undefined store label, unresolvable variable, invalid allowed host.
    pub fn load(opts: &LoadOptions) -> anyhow::Result<Self> {
        let manifest = Manifest::load(&opts.manifest)?;
        let manifest_dir = opts
            .manifest
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let cwd = std::env::current_dir()?;
        let rc = RuntimeConfig::load(opts.runtime_config.as_deref(), &opts.state_dir, &cwd)?;
        let vars = AppVariables::resolve(&manifest.variables, &opts.variables, |k| {
            std::env::var(k).ok()
        })?;
        for (name, _) in &opts.variables {
            if !manifest.variables.contains_key(name) {
                bail!("--variable {name}: the manifest declares no variable named {name:?}");
            }
        }

        let selected = |id: &str| {
            opts.only_components.is_empty() || opts.only_components.iter().any(|c| c == id)
        };
        for id in &opts.only_components {
            if !manifest.component.contains_key(id) {
                bail!("--component-id {id:?}: the manifest defines no such component");
            }
        }
        let all_ids: Vec<String> = manifest.component.keys().cloned().collect();
        if !opts.only_components.is_empty() {
            check_chaining_targets_selected(&manifest, &opts.only_components)?;
        }
        let engine = crate::engine::build_engine()?;
        let base_linker = crate::engine::base_linker(&engine)?;
        let log_dir = opts.state_dir.join("logs");

        let http_ids: HashSet<&str> = manifest
            .trigger
            .http
            .iter()
            .map(|t| t.component.as_str())
            .collect();
        let redis_ids: HashSet<&str> = manifest
            .trigger
            .redis
            .iter()
            .map(|t| t.component.as_str())
            .collect();

        let wasm_files = manifest
            .component
            .iter()
            .filter(|(id, _)| selected(id))
            .map(|(id, c)| Ok((id.clone(), c.local_source(id, &manifest_dir)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let loaded = load_components(&engine, opts.cache_dir.as_deref(), &wasm_files)?;
        // Linked once per wasm file: component ids sharing a file share its `InstancePre`.
        let mut pres: HashMap<PathBuf, InstancePre<HostState>> = HashMap::new();
        let mut components = HashMap::new();
        for (id, c) in &manifest.component {
            if !selected(id) {
                continue;
            }
            rc.check_labels(id, &c.key_value_stores, &c.sqlite_databases)?;
            let variables = resolve_component(id, &c.variables, &manifest.variables, &vars)?;
            let rendered_hosts = c
                .allowed_outbound_hosts
                .iter()
                .map(|h| vars.render(h))
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("component {id:?} allowed_outbound_hosts"))?;
            let allowed_hosts = AllowedHosts::parse(&rendered_hosts, &all_ids)
                .with_context(|| format!("component {id:?}"))?;
            let files = mounts(id, &c.files, &manifest_dir)?;
            let config = Arc::new(ComponentConfig {
                id: id.clone(),
                variables,
                environment: c.environment.clone().into_iter().collect(),
                allowed_hosts,
                key_value_stores: c.key_value_stores.iter().cloned().collect(),
                sqlite_databases: c.sqlite_databases.iter().cloned().collect(),
                files,
                stdout: ComponentLog::open(&log_dir, id, Stream::Stdout, opts.quiet_components)?,
                stderr: ComponentLog::open(&log_dir, id, Stream::Stderr, opts.quiet_components)?,
            });
            let wasm = c.local_source(id, &manifest_dir)?;
            let pre = match pres.get(&wasm) {
                Some(pre) => pre.clone(),
                None => {
                    let component = loaded.get(&wasm).with_context(|| {
                        format!("component {id:?}: {} was not loaded", wasm.display())
                    })?;
                    let pre = instantiate_pre(&base_linker, id, component)?;
                    pres.insert(wasm.clone(), pre.clone());
                    pre
                }
            };
            let http = if http_ids.contains(id.as_str()) {
                Some(ProxyPre::new(pre.clone()).map_err(anyhow::Error::from).with_context(|| {
                    format!("component {id:?} has an HTTP trigger but does not export wasi:http/incoming-handler@0.2.x")
                })?)
            } else {
                None
            };
            let redis = if redis_ids.contains(id.as_str()) {
                Some(crate::host::RedisTriggerPre::new(pre.clone()).map_err(anyhow::Error::from).with_context(|| {
                    format!("component {id:?} has a Redis trigger but does not export fermyon:spin/inbound-redis")
                })?)
            } else {
                None
            };
            components.insert(
                id.clone(),
                LoadedComponent {
                    config,
                    pre,
                    http,
                    redis,
                },
            );
        }

        let mut routes = Vec::new();
        let mut http_components = HashSet::new();
        for t in &manifest.trigger.http {
            if !selected(&t.component) {
                continue;
            }
            http_components.insert(t.component.clone());
            if let Route::Path(path) = &t.route {
                routes.push((t.component.as_str(), path.as_str()));
            }
        }
        let router = Router::build(routes)?;

        let mut redis = Vec::new();
        for t in &manifest.trigger.redis {
            if !selected(&t.component) {
                continue;
            }
            let address_template = match (&t.address, &manifest.application.trigger.redis) {
                (Some(a), _) => a.clone(),
                (None, Some(d)) => d.address.clone(),
                (None, None) => unreachable!("validated by Manifest::load"),
            };
            let address = vars.render(&address_template).with_context(|| {
                format!("redis trigger address for component {:?}", t.component)
            })?;
            let channel = vars.render(&t.channel).with_context(|| {
                format!("redis trigger channel for component {:?}", t.component)
            })?;
            redis.push(RedisSubscription {
                address,
                channel,
                component: t.component.clone(),
            });
        }

        Ok(Self {
            name: manifest.application.name.clone(),
            engine,
            components,
            http_components,
            router,
            redis,
            kv: KvStores::new(&rc.key_value)?,
            sqlite: rc.sqlite.clone(),
            listen_addr: OnceLock::new(),
            version: manifest.application.version.clone(),
        })
    }
}

/// Spin refuses `--component-id` selections in which a selected component may chain to an
/// unselected one (it could never be served); templated entries are not checked, as in Spin.
fn check_chaining_targets_selected(manifest: &Manifest, selected: &[String]) -> anyhow::Result<()> {
    for id in selected {
        let Some(component) = manifest.component.get(id) else {
            continue;
        };
        for entry in &component.allowed_outbound_hosts {
            let Some(target) = entry.parse::<http::Uri>().ok().and_then(|uri| {
                uri.host()
                    .and_then(crate::allowed_hosts::service_chaining_target)
                    .map(str::to_string)
            }) else {
                continue;
            };
            if selected.contains(&target) {
                continue;
            }
            if target == "*" {
                bail!(
                    "Selected component '{id}' cannot use wildcard service chaining: allowed_outbound_hosts = [\"http://*.spin.internal\"]"
                );
            }
            bail!(
                "Selected component '{id}' cannot use service chaining to unselected component: allowed_outbound_hosts = [\"http://{target}.spin.internal\"]"
            );
        }
    }
    Ok(())
}

/// Loads every distinct wasm file once, on as many threads as there are cores (start-up time is
/// mostly compiling or deserialising components).
fn load_components(
    engine: &wasmtime::Engine,
    cache_dir: Option<&Path>,
    files: &[(String, PathBuf)],
) -> anyhow::Result<HashMap<PathBuf, wasmtime::component::Component>> {
    let mut unique: Vec<&(String, PathBuf)> = Vec::new();
    for entry in files {
        if !unique.iter().any(|(_, p)| *p == entry.1) {
            unique.push(entry);
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(unique.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((id, path)) = unique.get(i) else {
                        break;
                    };
                    let result = crate::engine::load_component(engine, cache_dir, id, path);
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((i, path.clone(), result));
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The first failure in manifest order, as a sequential load would report it.
    results.sort_by_key(|(i, _, _)| *i);
    results
        .into_iter()
        .map(|(_, path, r)| Ok((path, r?)))
        .collect()
}

/// Links a component against the host. The host provides every interface of the Spin world
/// (the ones devhost does not implement, such as Postgres or LLM, answer with their own error:
/// `host::unsupported`); any other import becomes a function that traps when called, so a
/// component that merely links it still runs. (Resources cannot be stubbed that way.)
fn instantiate_pre(
    base: &wasmtime::component::Linker<HostState>,
    id: &str,
    component: &wasmtime::component::Component,
) -> anyhow::Result<InstancePre<HostState>> {
    match base.instantiate_pre(component) {
        Ok(pre) => Ok(pre),
        Err(first) => {
            let mut linker = base.clone();
            linker
                .define_unknown_imports_as_traps(component)
                .and_then(|()| linker.instantiate_pre(component))
                .inspect(|_| {
                    tracing::warn!("component {id:?}: some imports are not provided by devhost and will trap if called: {first}");
                })
                .map_err(|_| anyhow::Error::from(first))
                .with_context(|| format!("component {id:?} imports something this host cannot provide"))
        }
    }
}

/// `files`: directories mapped into the guest read-only. Spin also accepts glob patterns; this
/// host supports whole directories (`"dir"` or `{ source = "dir", destination = "/x" }`).
fn mounts(
    id: &str,
    files: &[FileMount],
    manifest_dir: &Path,
) -> anyhow::Result<Vec<(PathBuf, String)>> {
    files
        .iter()
        .map(|f| {
            let (source, destination) = match f {
                FileMount::Pattern(p) => (p.clone(), format!("/{}", p.trim_start_matches("./"))),
                FileMount::Placement { source, destination } => (source.clone(), destination.clone()),
            };
            let host = manifest_dir.join(&source);
            if !host.is_dir() {
                bail!(
                    "component {id:?}: files entry {source:?} is not a directory (devhost maps whole directories; glob patterns are not supported)"
                );
            }
            Ok((host, destination))
        })
        .collect()
}
