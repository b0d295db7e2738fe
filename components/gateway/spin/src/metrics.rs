//! `GET /api/admin/metrics`: asks every consuming context, concurrently, for its own numbers
//! (`GET /admin/metrics`, answered from its own store), reads the consumer groups and the dead
//! letters from Redis itself, and answers all of it in the Prometheus text format
//! (`gateway_core::metrics`). A context that does not answer within [`CONTEXT_DEADLINE`] is
//! `cinema_context_up 0`, never a failed or hung scrape.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::join_all;
use gateway_core::correlation::CorrelationId;
use gateway_core::identity::Identity;
use gateway_core::metrics::{CONTENT_TYPE, ContextSample, Exposition, Kind, Refused};
use gateway_core::routes::{Context, DRAINING_CONTEXTS};
use serde::Deserialize;
use spin_sdk::http::{Method, Response};
use spin_sdk::redis::{Connection, RedisParameter, RedisResult};

use crate::config::Config;
use crate::counters::{shed_key, slots_key};
use crate::{admin_call, deadline};

const PATH: &str = "/admin/metrics";
/// How long the scrape waits for the contexts (asked concurrently, so this bounds them all). A
/// context reads a few indexed rows in milliseconds; one slower than this is reported down
/// rather than holding up every other number (Prometheus's own scrape timeout is 10 s).
pub const CONTEXT_DEADLINE: Duration = Duration::from_secs(3);
/// The event stream and the dead-letter stream (`cinema_eventing::{STREAM, DEAD_LETTERS}`).
const STREAM: &str = "cinema:events";
const DEAD_LETTERS: &str = "cinema:events:dead";

/// Each consumer group's `pending` and `lag` (`XINFO GROUPS`; Redis ≥ 7 has `lag`, and leaves it
/// nil when it cannot tell after entries were deleted) and the dead letters per group, as one
/// JSON string (Spin flattens nested replies). Objects, not arrays: cjson writes an empty table
/// as `{}`. And this gateway scope's forwarded requests in flight (live leases) and refusals.
const READ: &str = r#"
local groups, dead = {}, {}
local ok, infos = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if ok then
  for _, info in ipairs(infos) do
    local f = {}
    for i = 1, #info, 2 do f[info[i]] = info[i + 1] end
    local group = {pending = f.pending}
    if type(f.lag) == 'number' then group.lag = f.lag end
    groups[f.name] = group
  end
end
for _, entry in ipairs(redis.call('XRANGE', KEYS[2], '-', '+')) do
  for i = 1, #entry[2], 2 do
    if entry[2][i] == 'group' then
      local g = entry[2][i + 1]
      dead[g] = (dead[g] or 0) + 1
    end
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local in_flight = redis.call('ZCOUNT', KEYS[3], '(' .. now, '+inf')
local shed = tonumber(redis.call('GET', KEYS[4]) or '0')
return cjson.encode({groups = groups, dead = dead, in_flight = in_flight, shed = shed})
"#;

#[derive(Debug, Default, Deserialize)]
struct Streams {
    groups: BTreeMap<String, Group>,
    dead: BTreeMap<String, u64>,
    in_flight: u64,
    shed: u64,
}

#[derive(Debug, Deserialize)]
struct Group {
    pending: u64,
    lag: Option<u64>,
}

pub async fn scrape(admin: &Identity, correlation: &CorrelationId, config: &Config) -> Response {
    let calls = DRAINING_CONTEXTS.map(|context| async move {
        let call = admin_call::call(Method::Get, context, PATH, admin, correlation);
        let answer = deadline::within(CONTEXT_DEADLINE, call)
            .await
            .unwrap_or_else(|| Err(format!("no answer within {CONTEXT_DEADLINE:?}")));
        (context, answer)
    });
    let answers = join_all(calls).await;
    let mut exposition = Exposition::new();
    let mut refused = Vec::new();
    for (context, answer) in answers {
        let samples = match answer {
            Ok((200, body)) => own_samples(&body),
            Ok((status, _)) => Err(format!("answered {status}")),
            Err(why) => Err(why),
        };
        let up = match samples {
            Ok(samples) => {
                for sample in &samples {
                    if let Err(e) = exposition.add_from(context.name(), sample) {
                        refused.push(format!("{}: {e}", context.name()));
                    }
                }
                1.0
            }
            Err(why) => {
                refused.push(format!("{} did not answer: {why}", context.name()));
                0.0
            }
        };
        note(exposition.add(
            "cinema_context_up",
            "Whether the context answered its part of this scrape (1) or not (0).",
            Kind::Gauge,
            &[("context", context.name())],
            up,
        ));
    }
    let streams = read_streams(&config.redis_address, &config.capacity.scope);
    if let Err(why) = &streams {
        refused.push(format!("event stream unreadable: {why}"));
    }
    add_streams(&mut exposition, streams.as_ref().ok());
    for why in refused {
        cinema_http::log(
            "gateway",
            cinema_http::Level::Warn,
            &format!("metrics: {why}"),
            &[("correlation_id", correlation.as_str())],
        );
    }
    Response::builder()
        .status(200)
        .header("content-type", CONTENT_TYPE)
        .body(exposition.render())
        .build()
}

fn own_samples(body: &serde_json::Value) -> Result<Vec<ContextSample>, String> {
    serde_json::from_value(body.get("metrics").cloned().unwrap_or_default())
        .map_err(|e| format!("an answer without 'metrics': {e}"))
}

fn add_streams(exposition: &mut Exposition, streams: Option<&Streams>) {
    note(exposition.add(
        "cinema_event_stream_up",
        "Whether the gateway could read the consumer groups and dead letters from Redis.",
        Kind::Gauge,
        &[],
        if streams.is_some() { 1.0 } else { 0.0 },
    ));
    let Some(streams) = streams else { return };
    note(exposition.add(
        "cinema_gateway_in_flight",
        "Forwarded requests this gateway scope (process or pod, in_flight_scope) is serving now; at max_in_flight it sheds.",
        Kind::Gauge,
        &[],
        count(streams.in_flight),
    ));
    note(exposition.add(
        "cinema_gateway_shed_total",
        "Requests this gateway scope answered 503 overloaded because every in-flight slot was taken.",
        Kind::Counter,
        &[],
        count(streams.shed),
    ));
    for (group, info) in &streams.groups {
        if let Some(lag) = info.lag {
            note(exposition.add(
                "cinema_consumer_group_lag",
                "Entries of the event stream not yet delivered to the consumer group.",
                Kind::Gauge,
                &[("group", group)],
                count(lag),
            ));
        }
        note(exposition.add(
            "cinema_consumer_group_pending",
            "Entries delivered to the consumer group and not yet acknowledged.",
            Kind::Gauge,
            &[("group", group)],
            count(info.pending),
        ));
    }
    let mut dead = streams.dead.clone();
    for context in DRAINING_CONTEXTS.map(Context::name) {
        dead.entry(context.to_string()).or_insert(0);
    }
    for (context, letters) in &dead {
        note(exposition.add(
            "cinema_dead_letters",
            "Events parked because the context could not process them (listed and replayed at /api/admin/events/dead-letters).",
            Kind::Gauge,
            &[("context", context)],
            count(*letters),
        ));
    }
}

/// The gateway's own metrics have fixed, valid names: a refusal is a programming error, and a
/// scrape goes on without the sample rather than failing.
fn note(added: Result<(), Refused>) {
    if let Err(e) = added {
        cinema_http::log(
            "gateway",
            cinema_http::Level::Error,
            &format!("metrics: {e}"),
            &[],
        );
    }
}

fn count(n: u64) -> f64 {
    n as f64
}

fn read_streams(redis_address: &str, scope: &str) -> Result<Streams, String> {
    let redis = Connection::open(redis_address).map_err(|e| format!("connect: {e:?}"))?;
    let bin = |s: &str| RedisParameter::Binary(s.as_bytes().to_vec());
    let reply = redis
        .execute(
            "EVAL",
            &[
                bin(READ),
                RedisParameter::Int64(4),
                bin(STREAM),
                bin(DEAD_LETTERS),
                bin(&slots_key(scope)),
                bin(&shed_key(scope)),
            ],
        )
        .map_err(|e| format!("{e:?}"))?;
    let Some(RedisResult::Binary(json)) = reply.first() else {
        return Err(format!("unexpected reply {reply:?}"));
    };
    serde_json::from_slice(json).map_err(|e| format!("unexpected reply: {e}"))
}
