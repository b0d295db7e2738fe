//! Pinning with `taskset`: the hosts' processes (devhost or `spin up` and its trigger processes,
//! their Redis) on some CPUs, the load generator on others, so the generator never takes a core
//! from the app it measures. Without `taskset` or with one core, nothing is pinned.

use std::process::Command;

use anyhow::{Context, bail};

/// Where each side runs, as `taskset -c` CPU lists (e.g. `0` and `1`).
#[derive(Clone, Debug)]
pub struct Pinning {
    pub host: String,
    pub load: String,
}

impl Pinning {
    /// The plan for this machine: `None` when pinning is off, `taskset` is missing or there is
    /// only one core to share.
    pub fn plan(off: bool, host: &str, load: &str) -> Option<Self> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        (!off && cores >= 2 && on_path("taskset")).then(|| Self {
            host: host.into(),
            load: load.into(),
        })
    }

    /// One line for the report.
    pub fn describe(&self) -> String {
        format!(
            "host processes (and their Redis) on CPU {}, the load generator on CPU {} (`taskset`)",
            self.host, self.load
        )
    }
}

/// Moves every thread of process `pid` onto `cpus` (threads it starts later inherit it).
///
/// # Errors
/// `taskset` failed (e.g. a CPU the machine does not have).
pub fn process(pid: u32, cpus: &str) -> anyhow::Result<()> {
    let out = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &pid.to_string()])
        .output()
        .context("run taskset")?;
    if !out.status.success() {
        bail!(
            "taskset -a -p -c {cpus} {pid}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// A command for `bin` that starts on `cpus` when given (`taskset -c <cpus> <bin>`: taskset
/// execs the program, so the child's pid is the program's).
pub fn command(bin: &std::path::Path, cpus: Option<&str>) -> Command {
    match cpus {
        Some(cpus) => {
            let mut cmd = Command::new("taskset");
            cmd.args(["-c", cpus]).arg(bin);
            cmd
        }
        None => Command::new(bin),
    }
}

/// Whether an executable named `name` is on `PATH`.
pub fn on_path(name: &str) -> bool {
    find_on_path(name).is_some()
}

pub fn find_on_path(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}
