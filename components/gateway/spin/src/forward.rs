//! Forwarding to a private context (service chaining) and copying its answer back.

use gateway_core::correlation::CorrelationId;
use gateway_core::forwarding::{downstream_headers, downstream_url, public_response_headers};
use gateway_core::identity::Identity;
use gateway_core::routes::{Context, Method, Route, strip_api_prefix};
use spin_sdk::http::{Request, Response};

use crate::config::context_url;
use crate::errors;
use crate::http::Incoming;

pub async fn forward(
    context: Context,
    route: &Route,
    incoming: &Incoming,
    body: Vec<u8>,
    identity: Option<&Identity>,
    correlation: &CorrelationId,
) -> Response {
    let Some(base) = context_url(context) else {
        return errors::not_deployed(context);
    };
    let path = strip_api_prefix(&incoming.path).unwrap_or(&incoming.path);
    let mut request = Request::builder();
    request
        .method(spin_method(route.method))
        .uri(downstream_url(&base, path, &incoming.query));
    if !body.is_empty() || matches!(route.method, Method::Post | Method::Put) {
        // A known length rather than chunked encoding: every HTTP server accepts it.
        request.header("content-length", body.len().to_string());
    }
    request.body(body);
    let client_headers = incoming
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    for (name, value) in downstream_headers(route, client_headers, identity, correlation) {
        request.header(name, value);
    }
    match spin_sdk::http::send::<_, Response>(request.build()).await {
        Ok(answer) => public_answer(context, answer),
        Err(e) => errors::unreachable(context, &e, correlation),
    }
}

/// The context's answer as the client sees it: status, body and the copied headers. A server
/// error that is not a JSON error (a trapped component answers an empty 500) becomes a 502
/// with the API's error shape.
fn public_answer(context: Context, answer: Response) -> Response {
    let status = *answer.status();
    if let Some(value) = answer
        .header(cinema_http::timing::HEADER)
        .and_then(|v| v.as_str())
    {
        cinema_http::timing::nest(value);
    }
    let is_json = answer
        .header("content-type")
        .and_then(|v| v.as_str())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    if status >= 500 && (!is_json || answer.body().is_empty()) {
        return errors::bad_gateway(context);
    }
    let mut response = Response::builder();
    response.status(status);
    for (name, value) in public_response_headers(|name| answer.header(name)?.as_str()) {
        response.header(name, value);
    }
    response.body(answer.into_body()).build()
}

pub fn spin_method(method: Method) -> spin_sdk::http::Method {
    match method {
        Method::Get => spin_sdk::http::Method::Get,
        Method::Post => spin_sdk::http::Method::Post,
        Method::Put => spin_sdk::http::Method::Put,
        Method::Delete => spin_sdk::http::Method::Delete,
        Method::Patch => spin_sdk::http::Method::Patch,
        Method::Head => spin_sdk::http::Method::Head,
        Method::Options => spin_sdk::http::Method::Options,
        Method::Other => spin_sdk::http::Method::Other("OTHER".into()),
    }
}
