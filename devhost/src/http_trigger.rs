//! The HTTP trigger: a hyper server that routes each request to a component with Spin's rules,
//! sets Spin's request headers, and runs a fresh instance of the component per request.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use wasmtime::Store;
use wasmtime_wasi_http::p2::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::{HyperIncomingBody, HyperOutgoingBody};

use crate::allowed_hosts::service_chaining_target;
use crate::app::App;
use crate::routes::{RouteMatch, WELL_KNOWN_PREFIX};
use crate::state::HostState;

/// The client address Spin reports for a chained request.
const CHAINED_CLIENT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0);

/// Accepts connections until the listener fails.
///
/// # Errors
/// Accepting a connection failed.
pub async fn serve(app: Arc<App>, listener: TcpListener) -> anyhow::Result<()> {
    loop {
        let (stream, client) = listener.accept().await?;
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("set_nodelay: {err}");
        }
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let app = app.clone();
                async move {
                    let req = req.map(|b| {
                        b.map_err(wasmtime_wasi_http::p2::hyper_response_error)
                            .boxed_unsync()
                    });
                    // An error goes to hyper, which closes the connection without a response.
                    handle(app, req, client).await.inspect_err(|err| {
                        tracing::info!("request from {client} refused: {err:#}");
                    })
                }
            });
            if let Err(err) = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("connection from {client} ended: {err}");
            }
        });
    }
}

fn plain(
    status: StatusCode,
    body: &'static [u8],
    content_type: Option<&str>,
) -> Response<HyperOutgoingBody> {
    let mut resp = Response::new(
        Full::new(Bytes::from_static(body))
            .map_err(|e| match e {})
            .boxed_unsync(),
    );
    *resp.status_mut() = status;
    if let Some(ct) = content_type {
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_str(ct).expect("static content type"),
        );
    }
    resp
}

/// Handles one request from the network.
///
/// # Errors
/// As in Spin 4.0.2 (`HttpServer::handle_trigger_route` returns `set_req_uri`'s error to hyper
/// rather than a response): a request that matches a route but whose URI cannot be rebuilt — no
/// `Host` header (also when it named a service-chaining host, `<id>.spin.internal`, and was
/// removed), a `Host` that is not a valid authority, or one that differs from an absolute-form
/// request target. The caller hands the error to hyper, which closes the connection without
/// writing a response (the client sees the connection end; with a reused keep-alive
/// connection, hyper's client reports `IncompleteMessage`).
pub async fn handle(
    app: Arc<App>,
    mut req: Request<HyperIncomingBody>,
    client: SocketAddr,
) -> anyhow::Result<Response<HyperOutgoingBody>> {
    // A request from outside may not pretend to be a chained one.
    if req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| service_chaining_target(h).is_some())
    {
        req.headers_mut().remove(http::header::HOST);
    }
    let path = req.uri().path().to_string();
    if let Some(well_known) = path.strip_prefix(WELL_KNOWN_PREFIX) {
        return Ok(match well_known {
            "health" => plain(StatusCode::OK, b"OK", None),
            "info" => info(&app),
            _ => plain(StatusCode::NOT_FOUND, b"", None),
        });
    }
    let Some(route) = app.router.route(&path) else {
        return Ok(plain(StatusCode::NOT_FOUND, b"", None));
    };
    set_uri(&mut req).with_context(|| format!("request for {path}"))?;
    Ok(match execute(&app, &route, req, client).await {
        Ok(resp) => resp,
        Err(err) => {
            tracing::error!(component = %route.component, "Error processing request: {err:#}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, b"", None)
        }
    })
}

/// Handles a service-chaining request from another component, in-process.
///
/// # Errors
/// The target is not an HTTP component of this app, or the guest failed.
pub async fn handle_chained(
    app: Arc<App>,
    component: &str,
    mut req: Request<HyperOutgoingBody>,
) -> anyhow::Result<Response<HyperOutgoingBody>> {
    if !app.http_components.contains(component) {
        return Err(anyhow!("unknown routing destination '{component}'"));
    }
    let host = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default();
    if !req.headers().contains_key(http::header::HOST) {
        req.headers_mut()
            .insert(http::header::HOST, HeaderValue::from_str(&host)?);
    }
    let route = RouteMatch::chained(component, req.uri().path());
    match execute(&app, &route, req, CHAINED_CLIENT).await {
        Ok(resp) => Ok(resp),
        Err(err) => {
            tracing::error!(component, "Error processing request: {err:#}");
            Ok(plain(StatusCode::INTERNAL_SERVER_ERROR, b"", None))
        }
    }
}

/// Spin rebuilds the URI from the `Host` header and the server's scheme.
fn set_uri(req: &mut Request<HyperIncomingBody>) -> anyhow::Result<()> {
    let host = req
        .headers()
        .get(http::header::HOST)
        .map(|h| h.to_str().context("'Host' header is not valid UTF-8"))
        .transpose()?
        .map(|h| {
            h.parse::<http::uri::Authority>()
                .context("'Host' header contains an invalid authority")
        })
        .transpose()?;
    let mut parts = req.uri().clone().into_parts();
    let authority = match (host, parts.authority.take()) {
        (None, None) => anyhow::bail!("no 'Host' header present in request"),
        (Some(a), None) | (None, Some(a)) => a,
        (Some(a), Some(b)) if a == b => a,
        _ => anyhow::bail!("authority in 'Host' header does not match authority in URI"),
    };
    parts.scheme = Some(http::uri::Scheme::HTTP);
    parts.authority = Some(authority);
    if parts.path_and_query.is_none() {
        parts.path_and_query = Some("/".parse()?);
    }
    *req.uri_mut() = Uri::from_parts(parts)?;
    Ok(())
}

/// Spin's request headers: the original ones plus `spin-*` describing the route.
fn spin_headers(req: &mut Request<HyperIncomingBody>, route: &RouteMatch, client: SocketAddr) {
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let scheme = req.uri().scheme_str().unwrap_or("http").to_string();
    let mut extra: Vec<(String, String)> = vec![
        ("spin-path-info".into(), route.path_info.clone()),
        (
            "spin-full-url".into(),
            format!("{scheme}://{host}{path_and_query}"),
        ),
        ("spin-matched-route".into(), route.based_route.clone()),
        ("spin-base-path".into(), "/".into()),
        ("spin-raw-component-route".into(), route.raw_route.clone()),
        (
            "spin-component-route".into(),
            route.component_route().to_string(),
        ),
        ("spin-client-addr".into(), client.to_string()),
    ];
    for (name, value) in &route.params {
        extra.push((
            format!(
                "spin-path-match-{}",
                name.to_ascii_lowercase().replace('_', "-")
            ),
            value.clone(),
        ));
    }
    let headers = req.headers_mut();
    for (name, value) in extra {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            headers.insert(n, v);
        }
    }
}

async fn execute(
    app: &Arc<App>,
    route: &RouteMatch,
    mut req: Request<HyperIncomingBody>,
    client: SocketAddr,
) -> anyhow::Result<Response<HyperOutgoingBody>> {
    let component = app
        .components
        .get(&route.component)
        .with_context(|| format!("unknown component {:?}", route.component))?;
    let proxy_pre = component
        .http
        .as_ref()
        .with_context(|| format!("component {:?} has no HTTP trigger", route.component))?;
    spin_headers(&mut req, route, client);

    let mut store = Store::new(&app.engine, HostState::new(app, &component.config)?);
    store.limiter(|s| &mut s.limits);
    let proxy = proxy_pre
        .instantiate_async(&mut store)
        .await
        .map_err(anyhow::Error::from)?;
    let incoming = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, req)
        .map_err(anyhow::Error::from)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let outparam = store
        .data_mut()
        .http()
        .new_response_outparam(tx)
        .map_err(anyhow::Error::from)?;

    let id = route.component.clone();
    let task = tokio::spawn(async move {
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, incoming, outparam)
            .await
            .map_err(anyhow::Error::from)
    });
    match rx.await {
        Ok(response) => {
            // The guest may keep running (streaming the body) after the response started.
            tokio::spawn(async move {
                match task.await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => {
                        tracing::warn!(component = %id, "component error after response started: {err:#}")
                    }
                    Err(err) => tracing::warn!(component = %id, "component task failed: {err}"),
                }
            });
            response
                .map_err(|code: ErrorCode| anyhow!("guest failed to produce a response: {code:?}"))
        }
        Err(_) => {
            task.await
                .context("guest invocation panicked")?
                .context("guest invocation failed")?;
            Err(anyhow!(
                "guest failed to produce a response prior to returning"
            ))
        }
    }
}

/// `/.well-known/spin/info`: Spin's `{"name", "version"}` (version omitted when unset).
fn info(app: &App) -> Response<HyperOutgoingBody> {
    let mut body = serde_json::json!({ "name": app.name });
    if let Some(version) = &app.version {
        body["version"] = serde_json::Value::String(version.clone());
    }
    let bytes = serde_json::to_vec_pretty(&body).unwrap_or_default();
    let mut resp = Response::new(
        Full::new(Bytes::from(bytes))
            .map_err(|e| match e {})
            .boxed_unsync(),
    );
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
