//! The per-instance store data: WASI, wasi:http and the Spin host interfaces' state for one
//! component instance. A fresh instance (and so a fresh `HostState`) serves every request or
//! message, as in Spin.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::p2::{WasiHttpCtxView, WasiHttpView};

use crate::app::{App, ComponentConfig};
use crate::outbound_http::OutboundHooks;

pub struct HostState {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub http: WasiHttpCtx,
    pub hooks: OutboundHooks,
    pub component: Arc<ComponentConfig>,
    pub app: Arc<App>,
    pub limits: wasmtime::StoreLimits,
}

impl HostState {
    /// # Errors
    /// A `files` directory cannot be opened.
    pub fn new(app: &Arc<App>, component: &Arc<ComponentConfig>) -> anyhow::Result<Self> {
        let mut wasi = WasiCtx::builder();
        wasi.stdout(component.stdout.clone());
        wasi.stderr(component.stderr.clone());
        for (key, value) in &component.environment {
            wasi.env(key, value);
        }
        for (host, guest) in &component.files {
            wasi.preopened_dir(
                host,
                guest,
                wasmtime_wasi::DirPerms::READ,
                wasmtime_wasi::FilePerms::READ,
            )?;
        }
        Ok(Self {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks::new(app.clone(), component.clone()),
            component: component.clone(),
            app: app.clone(),
            limits: wasmtime::StoreLimitsBuilder::new().build(),
        })
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
