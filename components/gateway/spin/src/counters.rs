//! The rate-limit counters, in Redis (`redis_address`): `INCR` and, when that created the key,
//! `EXPIRE`, in one script — so a counter lives for its window and a moment more, and nothing
//! ever has to list or sweep them.

use std::cell::OnceCell;

use gateway_core::ports::{CounterError, WindowCounters};
use spin_sdk::redis::{Connection, RedisParameter, RedisResult};

const INCREMENT: &str = r#"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"#;

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
                Connection::open(&self.address).map_err(|e| CounterError(format!("connect: {e:?}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl WindowCounters for RedisCounters {
    fn increment(&self, key: &str, ttl_s: u32) -> Result<i64, CounterError> {
        let reply = self
            .connection()?
            .execute(
                "EVAL",
                &[
                    RedisParameter::Binary(INCREMENT.as_bytes().to_vec()),
                    RedisParameter::Int64(1),
                    RedisParameter::Binary(key.as_bytes().to_vec()),
                    RedisParameter::Int64(i64::from(ttl_s)),
                ],
            )
            .map_err(|e| CounterError(format!("increment: {e:?}")))?;
        match reply.first() {
            Some(RedisResult::Int64(n)) => Ok(*n),
            other => Err(CounterError(format!("increment answered {other:?}"))),
        }
    }
}
