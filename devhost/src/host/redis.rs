//! Outbound Redis (`fermyon:spin/redis@2.0.0`): the address checked against
//! `allowed_outbound_hosts` (denied → `invalid-address`, as Spin), and `execute` replies
//! flattened into one list exactly like Spin (nested arrays are spliced in, RESP3 maps are
//! rejected).
//!
//! Every `open` shares one multiplexed connection per address: a TCP connect and handshake per
//! `open` was a large part of a short handler (an event consumer opens Redis on every doorbell).
//! Sharing is invisible to guests because a guest whose command would change or hold the
//! connection's state (`MULTI`, `WATCH`, `SELECT`, blocking reads, …) first gets a private
//! connection of its own; `open` checks the shared connection with a `PING` and dials again if
//! it is dead (Redis restarted).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, FromRedisValue, Value};
use wasmtime::component::Resource;

use super::fermyon::spin2_0_0::redis as v2;
use crate::state::HostState;

pub struct RedisConnection {
    conn: MultiplexedConnection,
    address: String,
    shared: bool,
}

/// The shared connection of each address.
static SHARED: LazyLock<Mutex<HashMap<String, MultiplexedConnection>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn other(e: redis::RedisError) -> v2::Error {
    v2::Error::Other(e.to_string())
}

async fn connect(address: &str) -> Result<MultiplexedConnection, v2::Error> {
    let client = redis::Client::open(address).map_err(|_| v2::Error::InvalidAddress)?;
    client
        .get_multiplexed_async_connection()
        .await
        .map_err(other)
}

async fn shared(address: &str) -> Result<MultiplexedConnection, v2::Error> {
    let cached = SHARED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(address)
        .cloned();
    // A PING (one loopback round trip, far cheaper than a connect) proves the shared connection
    // is still alive, e.g. after a Redis restart; a dead one is replaced.
    if let Some(mut conn) = cached {
        if redis::cmd("PING")
            .query_async::<()>(&mut conn)
            .await
            .is_ok()
        {
            return Ok(conn);
        }
        SHARED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(address);
    }
    let conn = connect(address).await?;
    SHARED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(address.to_string(), conn.clone());
    Ok(conn)
}

impl RedisConnection {
    /// Maps a failed command; a broken shared connection is forgotten.
    fn failed(&self, e: redis::RedisError) -> v2::Error {
        if self.shared && (e.is_io_error() || e.is_connection_dropped() || e.is_timeout()) {
            SHARED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.address);
        }
        other(e)
    }
}

/// Whether `command` changes or holds connection state, so it must not run on a shared
/// connection.
fn needs_private(command: &str, arguments: &[v2::RedisParameter]) -> bool {
    const STATEFUL: [&str; 25] = [
        "MULTI",
        "EXEC",
        "DISCARD",
        "WATCH",
        "UNWATCH",
        "SELECT",
        "CLIENT",
        "RESET",
        "HELLO",
        "AUTH",
        "SUBSCRIBE",
        "PSUBSCRIBE",
        "SSUBSCRIBE",
        "MONITOR",
        "READONLY",
        "READWRITE",
        "QUIT",
        "BLPOP",
        "BRPOP",
        "BRPOPLPUSH",
        "BLMOVE",
        "BLMPOP",
        "BZPOPMIN",
        "BZPOPMAX",
        "BZMPOP",
    ];
    let upper = command.to_ascii_uppercase();
    STATEFUL.contains(&upper.as_str())
        || matches!(upper.as_str(), "WAIT" | "WAITAOF")
        || (matches!(upper.as_str(), "XREAD" | "XREADGROUP")
            && arguments.iter().any(
                |a| matches!(a, v2::RedisParameter::Binary(b) if b.eq_ignore_ascii_case(b"BLOCK")),
            ))
}

struct Flattened(Vec<v2::RedisResult>);

impl FromRedisValue for Flattened {
    fn from_redis_value(value: &Value) -> redis::RedisResult<Self> {
        fn unsupported(what: &str) -> redis::RedisError {
            redis::RedisError::from((
                redis::ErrorKind::TypeError,
                "Could not convert Redis response",
                format!("Redis {what} type is not supported"),
            ))
        }
        fn append(out: &mut Vec<v2::RedisResult>, value: &Value) -> redis::RedisResult<()> {
            match value {
                Value::Nil => out.push(v2::RedisResult::Nil),
                Value::Int(i) => out.push(v2::RedisResult::Int64(*i)),
                Value::BulkString(b) => out.push(v2::RedisResult::Binary(b.clone())),
                Value::SimpleString(s) => out.push(v2::RedisResult::Status(s.clone())),
                Value::Okay => out.push(v2::RedisResult::Status("OK".into())),
                Value::Array(items) | Value::Set(items) => {
                    for item in items {
                        append(out, item)?;
                    }
                }
                Value::Double(d) => out.push(v2::RedisResult::Binary(d.to_string().into_bytes())),
                Value::Boolean(b) => out.push(v2::RedisResult::Int64(i64::from(*b))),
                Value::BigNumber(n) => {
                    out.push(v2::RedisResult::Binary(n.to_string().into_bytes()))
                }
                Value::Map(_) => return Err(unsupported("Map")),
                Value::Attribute { .. } => return Err(unsupported("Attribute")),
                Value::VerbatimString { .. } => {
                    return Err(unsupported("string with format attribute"));
                }
                Value::Push { .. } => return Err(unsupported("Pub/Sub")),
                Value::ServerError(e) => {
                    return Err(redis::RedisError::from((
                        redis::ErrorKind::ResponseError,
                        "Server error",
                        format!("{e:?}"),
                    )));
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        append(&mut out, value)?;
        Ok(Self(out))
    }
}

impl HostState {
    fn redis(&mut self, c: &Resource<RedisConnection>) -> wasmtime::Result<&mut RedisConnection> {
        Ok(self.table.get_mut(c)?)
    }
}

impl v2::Host for HostState {}

impl super::fermyon::spin::redis_types::Host for HostState {}

impl v2::HostConnection for HostState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<RedisConnection>, v2::Error>> {
        if !self.component.allowed_hosts.allows_url(&address, "redis") {
            tracing::warn!(component = %self.component.id, %address, "outbound Redis address not in allowed_outbound_hosts");
            return Ok(Err(v2::Error::InvalidAddress));
        }
        match shared(&address).await {
            Ok(conn) => Ok(Ok(self.table.push(RedisConnection {
                conn,
                address,
                shared: true,
            })?)),
            Err(e) => Ok(Err(e)),
        }
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Vec<u8>,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn
            .publish::<_, _, ()>(&channel, &payload)
            .await
            .map_err(|e| r.failed(e)))
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn
            .get::<_, Option<Vec<u8>>>(&key)
            .await
            .map_err(|e| r.failed(e)))
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn
            .set::<_, _, ()>(&key, &value)
            .await
            .map_err(|e| r.failed(e)))
    }

    async fn incr(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<i64, v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn
            .incr::<_, _, i64>(&key, 1)
            .await
            .map_err(|e| r.failed(e)))
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<u32, v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn.del::<_, u32>(&keys).await.map_err(|e| r.failed(e)))
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn.sadd::<_, _, u32>(&key, &values).await.map_err(|e| {
            if e.kind() == redis::ErrorKind::TypeError {
                v2::Error::TypeError
            } else {
                r.failed(e)
            }
        }))
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Vec<String>, v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn
            .smembers::<_, Vec<String>>(&key)
            .await
            .map_err(|e| r.failed(e)))
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, v2::Error>> {
        let r = self.redis(&c)?;
        Ok(r.conn
            .srem::<_, _, u32>(&key, &values)
            .await
            .map_err(|e| r.failed(e)))
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<v2::RedisParameter>,
    ) -> wasmtime::Result<Result<Vec<v2::RedisResult>, v2::Error>> {
        let r = self.redis(&c)?;
        if r.shared && needs_private(&command, &arguments) {
            match connect(&r.address).await {
                Ok(conn) => {
                    r.conn = conn;
                    r.shared = false;
                }
                Err(e) => return Ok(Err(e)),
            }
        }
        let mut cmd = redis::cmd(&command);
        for arg in arguments {
            match arg {
                v2::RedisParameter::Int64(i) => cmd.arg(i),
                v2::RedisParameter::Binary(b) => cmd.arg(b),
            };
        }
        Ok(cmd
            .query_async::<Flattened>(&mut r.conn)
            .await
            .map(|f| f.0)
            .map_err(|e| r.failed(e)))
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
