//! The `redis` key-value store type (Spin's `key-value-redis`): the guest's keys are Redis keys
//! of the URL's database, shared by every label configured with that URL — give each label its
//! own database number (`redis://host:6379/3`).
//!
//! As in Spin, the server is contacted on first use, not at start-up, and a dropped connection
//! fails the call that sees it; the next call connects again (Spin's connection manager).

use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, Script};
use tokio::sync::Mutex;

type Res<T> = Result<T, String>;

pub struct RedisKv {
    client: redis::Client,
    /// The shared connection, `None` until first use and after it broke.
    connection: Mutex<Option<MultiplexedConnection>>,
}

/// Compare-and-swap in one atomic step: `ARGV[1]` = 1 when a previous value is expected,
/// `ARGV[2]` = that value, `ARGV[3]` = the new value.
const SWAP: &str = r"
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
";

fn err(e: redis::RedisError) -> String {
    let text = e.to_string();
    tracing::warn!("key-value (redis) error: {text}");
    text
}

/// The runtime that drives Redis key-value connections (one thread: the work is I/O).
fn io_runtime() -> &'static tokio::runtime::Runtime {
    static IO: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    IO.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("devhost-redis-kv")
            .enable_all()
            .build()
            .expect("the Redis key-value I/O runtime starts")
    })
}

impl RedisKv {
    /// # Errors
    /// The URL does not parse: not `redis://` or `redis+unix://` (`rediss://` would need the
    /// `redis` crate's TLS feature, which devhost does not enable), a bad database number…
    pub fn new(url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: Mutex::new(None),
        })
    }

    /// The shared connection, opened if there is none.
    async fn connection(&self) -> redis::RedisResult<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(conn) = &*slot {
            return Ok(conn.clone());
        }
        let conn = self.client.get_multiplexed_async_connection().await?;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Runs an async Redis operation from the synchronous store API. An error that leaves the
    /// connection unusable (dropped, I/O) drops it, so the next call reconnects; the failed
    /// call is not retried (it may have been applied, e.g. an `INCRBY`).
    ///
    /// The operation runs on [`io_runtime`], not the server's runtime: a caller blocks its
    /// thread (`block_in_place`), and if the connection's I/O were driven by the same runtime,
    /// hundreds of blocked callers (an overload: the gateway counts every request here) could
    /// exhaust its 512 blocking threads and leave none to drive the I/O they wait for — a
    /// deadlock found by the benchmarks' overload scenario.
    fn run<T>(
        &self,
        op: impl AsyncFnOnce(MultiplexedConnection) -> redis::RedisResult<T>,
    ) -> Res<T> {
        tokio::task::block_in_place(|| {
            io_runtime().block_on(async {
                let conn = self.connection().await.map_err(err)?;
                match op(conn).await {
                    Ok(value) => Ok(value),
                    Err(e) => {
                        if e.is_unrecoverable_error() || e.is_io_error() {
                            self.connection.lock().await.take();
                        }
                        Err(err(e))
                    }
                }
            })
        })
    }

    pub fn get(&self, key: &str) -> Res<Option<Vec<u8>>> {
        self.run(async |mut c| c.get(key).await)
    }

    pub fn set(&self, key: &str, value: &[u8]) -> Res<()> {
        self.run(async |mut c| c.set(key, value).await)
    }

    pub fn delete(&self, key: &str) -> Res<()> {
        self.run(async |mut c| c.del(key).await)
    }

    /// `EXISTS`, as Spin: also true for a key holding another Redis type than a string.
    pub fn exists(&self, key: &str) -> Res<bool> {
        self.run(async |mut c| c.exists(key).await)
    }

    pub fn keys(&self) -> Res<Vec<String>> {
        self.run(async |mut c| c.keys("*").await)
    }

    pub fn get_many(&self, keys: &[String]) -> Res<Vec<(String, Option<Vec<u8>>)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<Option<Vec<u8>>> =
            self.run(async |mut c| redis::cmd("MGET").arg(keys).query_async(&mut c).await)?;
        Ok(keys
            .iter()
            .cloned()
            .zip(values)
            .filter(|(_, v)| v.is_some())
            .collect())
    }

    pub fn set_many(&self, items: &[(String, Vec<u8>)]) -> Res<()> {
        self.run(async |mut c| {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for (k, v) in items {
                pipe.set(k, v).ignore();
            }
            pipe.query_async(&mut c).await
        })
    }

    pub fn delete_many(&self, keys: &[String]) -> Res<()> {
        if keys.is_empty() {
            return Ok(());
        }
        self.run(async |mut c| c.del(keys).await)
    }

    pub fn increment(&self, key: &str, delta: i64) -> Res<i64> {
        self.run(async |mut c| c.incr(key, delta).await)
    }

    pub fn swap(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Res<bool> {
        let changed: i64 = self.run(async |mut c| {
            Script::new(SWAP)
                .key(key)
                .arg(if expected.is_some() { "1" } else { "0" })
                .arg(expected.unwrap_or_default())
                .arg(value)
                .invoke_async(&mut c)
                .await
        })?;
        Ok(changed == 1)
    }
}
