//! The rate-limit counters and the in-flight slots, in Redis (`redis_address`), on one
//! connection per request.
//!
//! - Counters: `INCR` and, when that created the key, `EXPIRE`, in one script — so a counter
//!   lives for its window and a moment more, and nothing ever has to list or sweep them.
//! - Slots ([`gateway_core::capacity`]): a sorted set per scope, ticket → lease expiry (ms, by
//!   Redis's clock, so replicas' clocks do not matter); taking one drops the expired leases,
//!   counts the live ones and adds the ticket, in one script; the set itself expires a lease
//!   after the last slot was taken. Refusals are counted per scope for the metrics.

use std::cell::OnceCell;

use gateway_core::capacity::Slots;
use gateway_core::ports::{CounterError, WindowCounters};
use spin_sdk::redis::{Connection, RedisParameter, RedisResult};

const INCREMENT: &str = r#"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"#;

const TAKE_SLOT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  redis.call('INCR', KEYS[2])
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"#;

/// The sorted set of a scope's leases.
pub fn slots_key(scope: &str) -> String {
    format!("cinema:gateway:in_flight:{scope}")
}

/// The count of a scope's refusals (`cinema_gateway_shed_total`).
pub fn shed_key(scope: &str) -> String {
    format!("cinema:gateway:shed:{scope}")
}

/// Connects on first use only: a request with every limit disabled never touches Redis.
pub struct RedisCounters {
    address: String,
    connection: OnceCell<Result<Connection, CounterError>>,
}

impl RedisCounters {
    pub fn new(address: String) -> Self {
        Self {
            address,
            connection: OnceCell::new(),
        }
    }

    fn connection(&self) -> Result<&Connection, CounterError> {
        self.connection
            .get_or_init(|| {
                cinema_http::timing::time("redis-connect", || Connection::open(&self.address))
                    .map_err(|e| CounterError(format!("connect: {e:?}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl RedisCounters {
    fn eval(
        &self,
        script: &str,
        keys: &[&str],
        args: &[RedisParameter],
    ) -> Result<i64, CounterError> {
        let mut params = vec![
            RedisParameter::Binary(script.as_bytes().to_vec()),
            RedisParameter::Int64(keys.len() as i64),
        ];
        params.extend(
            keys.iter()
                .map(|k| RedisParameter::Binary(k.as_bytes().to_vec())),
        );
        params.extend_from_slice(args);
        let reply = self
            .connection()?
            .execute("EVAL", &params)
            .map_err(|e| CounterError(format!("{e:?}")))?;
        match reply.first() {
            Some(RedisResult::Int64(n)) => Ok(*n),
            other => Err(CounterError(format!("answered {other:?}"))),
        }
    }
}

impl Slots for RedisCounters {
    fn take(
        &self,
        scope: &str,
        ticket: &str,
        max: u32,
        lease_ms: u32,
    ) -> Result<bool, CounterError> {
        let taken = self.eval(
            TAKE_SLOT,
            &[&slots_key(scope), &shed_key(scope)],
            &[
                RedisParameter::Int64(i64::from(max)),
                RedisParameter::Int64(i64::from(lease_ms)),
                RedisParameter::Binary(ticket.as_bytes().to_vec()),
            ],
        );
        taken
            .map(|n| n == 1)
            .map_err(|e| CounterError(format!("take a slot: {}", e.0)))
    }

    fn give_back(&self, scope: &str, ticket: &str) -> Result<(), CounterError> {
        self.connection()?
            .execute(
                "ZREM",
                &[
                    RedisParameter::Binary(slots_key(scope).into_bytes()),
                    RedisParameter::Binary(ticket.as_bytes().to_vec()),
                ],
            )
            .map(drop)
            .map_err(|e| CounterError(format!("give a slot back: {e:?}")))
    }
}

impl WindowCounters for RedisCounters {
    fn increment(&self, key: &str, ttl_s: u32) -> Result<i64, CounterError> {
        self.eval(
            INCREMENT,
            &[key],
            &[RedisParameter::Int64(i64::from(ttl_s))],
        )
        .map_err(|e| CounterError(format!("increment: {}", e.0)))
    }
}
