//! `devhost up`: load the app, bind the HTTP listener, start the Redis subscribers, run until
//! interrupted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::app::{App, LoadOptions};

#[derive(Parser)]
#[command(
    name = "devhost",
    version,
    about = "Runs this project's spin.toml on wasmtime (a development and test host, not a Spin replacement)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the application, like `spin up`.
    Up(UpArgs),
    /// Not a Spin command: create the SQLite files of the runtime config's `spin`-type key-value
    /// stores in WAL mode before the first `up` (Spin's or devhost's). WAL is a property of the
    /// file, so the host's own connections then use it: readers stop blocking the writer and a
    /// commit costs one fsync instead of a rollback journal's three. Existing files are put in WAL
    /// mode too; data is untouched.
    Wal(WalArgs),
}

#[derive(Args, Clone)]
pub struct WalArgs {
    /// Runtime configuration whose `spin` key-value stores to prepare.
    #[arg(long = "runtime-config-file")]
    pub runtime_config_file: PathBuf,
    /// Where default stores live (default: `.spin` in the current directory).
    #[arg(long = "state-dir")]
    pub state_dir: Option<PathBuf>,
}

/// `devhost wal`: every file-backed `spin` key-value store of the runtime config in WAL mode.
///
/// # Errors
/// Unreadable runtime config, or a store file that cannot be created or switched.
pub fn wal(args: &WalArgs) -> anyhow::Result<()> {
    let cwd = std::env::current_dir()?;
    let state_dir = args.state_dir.clone().unwrap_or_else(|| cwd.join(".spin"));
    let config = crate::runtime_config::RuntimeConfig::load(
        Some(&args.runtime_config_file),
        &state_dir,
        &cwd,
    )?;
    for (label, location) in &config.key_value {
        if let crate::runtime_config::KvLocation::Sqlite(crate::runtime_config::StoreLocation(
            Some(path),
        )) = location
        {
            crate::host::key_value::use_wal(path)
                .with_context(|| format!("key-value store {label:?} at {}", path.display()))?;
            println!("{label}: {} (WAL)", path.display());
        }
    }
    Ok(())
}

#[derive(Args, Clone)]
pub struct UpArgs {
    /// The manifest file, or a directory containing spin.toml.
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    pub manifest: PathBuf,
    /// Address for the HTTP trigger.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Runtime configuration (key-value stores and SQLite databases by label).
    #[arg(long = "runtime-config-file")]
    pub runtime_config_file: Option<PathBuf>,
    /// Where default stores and logs live (default: `.spin` beside the manifest).
    #[arg(long = "state-dir")]
    pub state_dir: Option<PathBuf>,
    /// Set an application variable: `--variable name=value` (repeatable).
    #[arg(long = "variable", value_parser = parse_variable)]
    pub variables: Vec<(String, String)>,
    /// Run only these components (repeatable), like `spin up --component-id`.
    #[arg(long = "component-id")]
    pub component_ids: Vec<String>,
    /// Compiled-component cache (default: $DEVHOST_CACHE_DIR, else ~/.cache/devhost).
    #[arg(long = "cache-dir")]
    pub cache_dir: Option<PathBuf>,
    /// Do not echo component output to the console (it still goes to the log files).
    #[arg(long)]
    pub quiet: bool,
}

fn parse_variable(text: &str) -> Result<(String, String), String> {
    let (k, v) = text
        .split_once('=')
        .ok_or_else(|| format!("expected name=value, got {text:?}"))?;
    Ok((k.trim().to_string(), v.to_string()))
}

fn default_cache_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("DEVHOST_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("devhost"))
}

/// # Errors
/// Start-up failed (the message says why) or the HTTP server stopped.
pub async fn up(args: UpArgs) -> anyhow::Result<()> {
    let manifest = if args.manifest.is_dir() {
        args.manifest.join("spin.toml")
    } else {
        args.manifest.clone()
    };
    if !manifest.exists() {
        bail!("manifest {} not found", manifest.display());
    }
    let manifest = std::fs::canonicalize(&manifest)?;
    let manifest_dir = manifest.parent().map(PathBuf::from).unwrap_or_default();
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| manifest_dir.join(".spin"));
    std::fs::create_dir_all(&state_dir)
        .with_context(|| format!("cannot create state dir {}", state_dir.display()))?;
    let opts = LoadOptions {
        manifest,
        runtime_config: args.runtime_config_file.clone(),
        state_dir,
        cache_dir: args.cache_dir.clone().or_else(default_cache_dir),
        variables: args.variables.clone(),
        only_components: args.component_ids.clone(),
        quiet_components: args.quiet,
    };
    let started = std::time::Instant::now();
    let app = Arc::new(tokio::task::block_in_place(|| App::load(&opts))?);
    tracing::info!(
        "loaded {} component(s) in {:?}",
        app.components.len(),
        started.elapsed()
    );

    let http = if app.http_components.is_empty() {
        None
    } else {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|err| {
                if err.kind() == std::io::ErrorKind::AddrInUse {
                    anyhow::anyhow!("{} is already in use", args.listen)
                } else {
                    anyhow::anyhow!("unable to listen on {}: {err}", args.listen)
                }
            })?;
        let addr = listener.local_addr()?;
        let _ = app.listen_addr.set(addr);
        println!("Serving http://{addr}");
        println!("Available Routes:");
        for (component, route, wildcard) in app.router.routes() {
            let suffix = if *wildcard { " (wildcard)" } else { "" };
            println!("  {component}: http://{addr}{route}{suffix}");
        }
        Some(tokio::spawn(crate::http_trigger::serve(
            app.clone(),
            listener,
        )))
    };
    let redis =
        (!app.redis.is_empty()).then(|| tokio::spawn(crate::redis_trigger::run(app.clone())));

    tokio::select! {
        result = async { match http { Some(task) => task.await, None => std::future::pending().await } } => {
            result.context("HTTP server task failed")??;
            Ok(())
        }
        _ = async { match redis { Some(task) => task.await, None => std::future::pending().await } } => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
