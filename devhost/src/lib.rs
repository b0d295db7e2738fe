//! devhost: a development and test host that runs this project's `spin.toml` on wasmtime.
//!
//! It exists because the Spin CLI and its runtime crates are not published on crates.io, so build
//! machines, CI and laptops without Spin could not otherwise run the app. It is **not** a Spin
//! replacement: it implements what this project's components import and its manifest uses, and
//! matches Spin 4.0.2's behaviour for those (routing, headers, stores, permissions, triggers).
//! Production runs on Spin / SpinKube.

pub mod allowed_hosts;
pub mod app;
pub mod cli;
pub mod engine;
pub mod host;
pub mod http_trigger;
pub mod logs;
pub mod manifest;
pub mod outbound_http;
pub mod redis_trigger;
pub mod routes;
pub mod runtime_config;
pub mod state;
pub mod variables;
