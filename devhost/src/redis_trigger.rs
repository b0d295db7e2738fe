//! The Redis trigger: one SUBSCRIBE connection per address; every message on a channel runs a
//! fresh instance of each component subscribed to it, one message at a time per address (as
//! Spin). A handler error is logged and the message dropped, as in Spin. Unlike Spin, when Redis
//! goes away the subscriber reconnects with backoff (logged) instead of ending the process.
//! Messages published while disconnected are lost — that is pub/sub; the app's event log does
//! not rely on them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use wasmtime::Store;

use crate::app::App;
use crate::state::HostState;

/// Runs every subscriber until the process ends.
pub async fn run(app: Arc<App>) {
    let mut by_address: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for sub in &app.redis {
        by_address
            .entry(sub.address.clone())
            .or_default()
            .entry(sub.channel.clone())
            .or_default()
            .push(sub.component.clone());
    }
    let tasks = by_address
        .into_iter()
        .map(|(address, channels)| tokio::spawn(subscriber(app.clone(), address, channels)));
    futures::future::join_all(tasks).await;
}

async fn subscriber(app: Arc<App>, address: String, channels: BTreeMap<String, Vec<String>>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen(&app, &address, &channels).await {
            Ok(()) => tracing::warn!("redis trigger: disconnected from {address}; reconnecting"),
            Err(err) => tracing::warn!("redis trigger: {err:#}; retrying in {backoff:?}"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen(
    app: &Arc<App>,
    address: &str,
    channels: &BTreeMap<String, Vec<String>>,
) -> anyhow::Result<()> {
    let client =
        redis::Client::open(address).with_context(|| format!("invalid redis address {address}"))?;
    let mut pubsub = client
        .get_async_pubsub()
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    for (channel, components) in channels {
        pubsub
            .subscribe(channel)
            .await
            .with_context(|| format!("cannot subscribe to {channel:?} on {address}"))?;
        tracing::info!(
            "redis trigger: {address}/{channel} -> [{}]",
            components.join(",")
        );
    }
    let mut messages = pubsub.on_message();
    while let Some(msg) = messages.next().await {
        let channel = msg.get_channel_name().to_string();
        let payload = msg.get_payload_bytes().to_vec();
        let Some(components) = channels.get(&channel) else {
            continue;
        };
        let runs = components.iter().map(|id| {
            let payload = payload.clone();
            async move {
                let started = std::time::Instant::now();
                let result = dispatch(app, id, payload).await;
                tracing::debug!(
                    component = %id,
                    elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "redis message handled"
                );
                if let Err(err) = result {
                    tracing::info!(component = %id, "Component {id} handler failed: {err:#}");
                }
            }
        });
        futures::future::join_all(runs).await;
    }
    Ok(())
}

/// Runs one message through one component.
///
/// # Errors
/// Instantiation failed, the guest trapped, or it returned an error.
pub async fn dispatch(app: &Arc<App>, component_id: &str, payload: Vec<u8>) -> anyhow::Result<()> {
    let component = app
        .components
        .get(component_id)
        .context("unknown component")?;
    let pre = component
        .redis
        .as_ref()
        .context("component has no redis trigger")?;
    let mut store = Store::new(&app.engine, HostState::new(app, &component.config)?);
    store.limiter(|s| &mut s.limits);
    let guest = pre
        .instantiate_async(&mut store)
        .await
        .map_err(anyhow::Error::from)?;
    guest
        .fermyon_spin_inbound_redis()
        .call_handle_message(&mut store, &payload)
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| anyhow::anyhow!("Redis handler returned an error: {e:?}"))
}
