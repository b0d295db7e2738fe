//! A small keep-alive HTTP/1.1 client (hyper) with JSON helpers.

use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

#[derive(Clone)]
pub struct Client {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
    pub base: String,
}

pub struct Reply {
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The `Server-Timing` header, if any ([`crate::timing`]).
    pub server_timing: Option<String>,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl Client {
    pub fn new(base: &str) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(256)
            .build(connector);
        Self {
            inner,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// Sends one request; errors are transport errors only (any status is a reply).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let payload = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(v)?)
            }
            None => Bytes::new(),
        };
        let resp = tokio::time::timeout(
            Duration::from_secs(30),
            self.inner.request(req.body(Full::new(payload))?),
        )
        .await
        .context("timed out after 30 s")??;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let server_timing = resp
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            retry_after,
            server_timing,
            body,
        })
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> anyhow::Result<Reply> {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<Reply> {
        self.send(Method::POST, path, token, Some(body)).await
    }

    /// POSTs and insists on `expected`, returning the JSON body.
    pub async fn post_ok(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        expected: u16,
    ) -> anyhow::Result<Value> {
        let r = self.post(path, token, body).await?;
        if r.status != expected {
            bail!(
                "POST {path}: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            );
        }
        Ok(r.json())
    }

    /// A development token (the app must run with `dev_auth=true`).
    pub async fn dev_token(&self, sub: &str, role: &str) -> anyhow::Result<String> {
        let v = self
            .post_ok(
                "/api/auth/dev-token",
                None,
                &serde_json::json!({ "sub": sub, "roles": [role] }),
                200,
            )
            .await?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .context("dev-token reply without token")
    }
}
