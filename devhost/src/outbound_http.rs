//! Outbound HTTP from a component (`wasi:http/outgoing-handler`): `allowed_outbound_hosts`
//! enforced as Spin does (denied → `HttpRequestDenied`), relative URLs sent to the app itself,
//! and `http://<component-id>.spin.internal` served in-process (service chaining).

use std::sync::Arc;

use http::header::HOST;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{
    HostFutureIncomingResponse, IncomingResponse, OutgoingRequestConfig,
};
use wasmtime_wasi_http::p2::{HttpResult, WasiHttpHooks, default_send_request_handler};

use crate::allowed_hosts::service_chaining_target;
use crate::app::{App, ComponentConfig};

pub struct OutboundHooks {
    app: Arc<App>,
    component: Arc<ComponentConfig>,
}

impl OutboundHooks {
    pub fn new(app: Arc<App>, component: Arc<ComponentConfig>) -> Self {
        Self { app, component }
    }

    fn prepare(
        &self,
        request: &mut hyper::Request<HyperOutgoingBody>,
        config: &mut OutgoingRequestConfig,
    ) -> Result<(), ErrorCode> {
        let uri = request.uri_mut();
        // A URI whose authority has an empty host is relative.
        if uri.authority().is_some_and(|a| a.host().is_empty()) {
            let mut builder = http::Uri::builder();
            if let Some(pq) = uri.path_and_query() {
                builder = builder.path_and_query(pq.clone());
            }
            *uri = builder
                .build()
                .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
        }
        let is_self = request
            .uri()
            .authority()
            .is_none_or(|a| a.host() == "self.alt");
        let allowed = if is_self {
            self.component
                .allowed_hosts
                .allows_relative(&["http", "https"])
        } else {
            self.component
                .allowed_hosts
                .allows_url(&request.uri().to_string(), "https")
        };
        if !allowed {
            tracing::warn!(component = %self.component.id, uri = %request.uri(), "outbound request denied: host not in allowed_outbound_hosts");
            return Err(ErrorCode::HttpRequestDenied);
        }
        if is_self {
            let Some(addr) = self.app.listen_addr.get() else {
                return Err(ErrorCode::HttpRequestUriInvalid);
            };
            config.use_tls = false;
            let pq = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            *request.uri_mut() = format!("http://{addr}{pq}")
                .parse()
                .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
        }
        request.headers_mut().remove(HOST);
        Ok(())
    }
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        mut request: hyper::Request<HyperOutgoingBody>,
        mut config: OutgoingRequestConfig,
    ) -> HttpResult<HostFutureIncomingResponse> {
        if let Err(code) = self.prepare(&mut request, &mut config) {
            return Ok(HostFutureIncomingResponse::ready(Ok(Err(code))));
        }
        let chained = request
            .uri()
            .authority()
            .and_then(|a| service_chaining_target(a.host()))
            .map(str::to_string);
        let app = self.app.clone();
        let between_bytes_timeout = config.between_bytes_timeout;
        let handle = wasmtime_wasi::runtime::spawn(async move {
            match chained {
                Some(component) => {
                    match crate::http_trigger::handle_chained(app, &component, request).await {
                        Ok(resp) => Ok(Ok(IncomingResponse {
                            resp,
                            worker: None,
                            between_bytes_timeout,
                        })),
                        Err(err) => Err(wasmtime::Error::msg(format!(
                            "service chaining to {component:?} failed: {err:#}"
                        ))),
                    }
                }
                None => Ok(default_send_request_handler(request, config).await),
            }
        });
        Ok(HostFutureIncomingResponse::pending(handle))
    }
}
