//! Outbound Redis (`fermyon:spin/redis@2.0.0`): one multiplexed connection per `open`, the
//! address checked against `allowed_outbound_hosts` (denied → `invalid-address`, as Spin), and
//! `execute` replies flattened into one list exactly like Spin (nested arrays are spliced in,
//! RESP3 maps are rejected).

use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, FromRedisValue, Value};
use wasmtime::component::Resource;

use super::fermyon::spin2_0_0::redis as v2;
use crate::state::HostState;

pub struct RedisConnection(MultiplexedConnection);

fn other(e: redis::RedisError) -> v2::Error {
    v2::Error::Other(e.to_string())
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
    fn redis(
        &mut self,
        c: &Resource<RedisConnection>,
    ) -> wasmtime::Result<&mut MultiplexedConnection> {
        Ok(&mut self.table.get_mut(c)?.0)
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
        let client = match redis::Client::open(address.as_str()) {
            Ok(c) => c,
            Err(_) => return Ok(Err(v2::Error::InvalidAddress)),
        };
        match client.get_multiplexed_async_connection().await {
            Ok(conn) => Ok(Ok(self.table.push(RedisConnection(conn))?)),
            Err(e) => Ok(Err(other(e))),
        }
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Vec<u8>,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        Ok(self
            .redis(&c)?
            .publish::<_, _, ()>(&channel, &payload)
            .await
            .map_err(other))
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, v2::Error>> {
        Ok(self
            .redis(&c)?
            .get::<_, Option<Vec<u8>>>(&key)
            .await
            .map_err(other))
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), v2::Error>> {
        Ok(self
            .redis(&c)?
            .set::<_, _, ()>(&key, &value)
            .await
            .map_err(other))
    }

    async fn incr(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<i64, v2::Error>> {
        Ok(self
            .redis(&c)?
            .incr::<_, _, i64>(&key, 1)
            .await
            .map_err(other))
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<u32, v2::Error>> {
        Ok(self.redis(&c)?.del::<_, u32>(&keys).await.map_err(other))
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, v2::Error>> {
        Ok(self
            .redis(&c)?
            .sadd::<_, _, u32>(&key, &values)
            .await
            .map_err(|e| {
                if e.kind() == redis::ErrorKind::TypeError {
                    v2::Error::TypeError
                } else {
                    other(e)
                }
            }))
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Vec<String>, v2::Error>> {
        Ok(self
            .redis(&c)?
            .smembers::<_, Vec<String>>(&key)
            .await
            .map_err(other))
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, v2::Error>> {
        Ok(self
            .redis(&c)?
            .srem::<_, _, u32>(&key, &values)
            .await
            .map_err(other))
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<v2::RedisParameter>,
    ) -> wasmtime::Result<Result<Vec<v2::RedisResult>, v2::Error>> {
        let mut cmd = redis::cmd(&command);
        for arg in arguments {
            match arg {
                v2::RedisParameter::Int64(i) => cmd.arg(i),
                v2::RedisParameter::Binary(b) => cmd.arg(b),
            };
        }
        Ok(cmd
            .query_async::<Flattened>(self.redis(&c)?)
            .await
            .map(|f| f.0)
            .map_err(other))
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
