//! Interfaces of the Spin world that devhost links but does not implement: `fermyon:spin/llm`,
//! `mqtt`, `mysql` and `postgres` `@2.0.0`, and `spin:postgres/postgres` `@3.0.0` / `@4.0.0`.
//!
//! A component built for the whole world (componentize-py's `fermyon:spin/spin-all@2.0.0`
//! imports all of them whether the code uses them or not) must instantiate, so every function
//! answers with its interface's own error:
//!
//! - `open` first checks `allowed_outbound_hosts` like Spin 4.0.2 and, for an address that is
//!   not allowed, returns Spin's `connection-failed("address … is not permitted")` (verified
//!   against Spin 4.0.2 for URL addresses); an allowed one gets
//!   `connection-failed("… is not supported by devhost")`. No connection resource is
//!   ever created, so the connection methods cannot be reached (they trap if they were).
//! - `llm`: devhost has no `ai_models` grant, so, as in Spin for a component without one,
//!   every model is refused with Spin's `invalid-input` message.

use wasmtime::component::Resource;

use super::fermyon::spin2_0_0::{llm, mqtt, mysql, postgres as pg2, rdbms_types};
use super::spin::postgres3_0_0::postgres as pg3;
use super::spin::postgres4_0_0::postgres as pg4;
use crate::state::HostState;

/// The connection resource of every unsupported interface: uninhabited, since `open` never
/// succeeds.
pub enum NoConnection {}

fn not_permitted(address: &str) -> String {
    format!("address {address} is not permitted")
}

fn unsupported(what: &str) -> String {
    format!("{what} is not supported by devhost (use `spin up` for it)")
}

impl HostState {
    /// The message of `connection-failed`: not allowed, or allowed but not supported.
    fn refuse_open(&self, address: &str, scheme: &str, what: &str) -> String {
        if self.component.allowed_hosts.allows_url(address, scheme) {
            tracing::warn!(component = %self.component.id, "{what} is not supported by devhost");
            unsupported(what)
        } else {
            not_permitted(address)
        }
    }

    /// Postgres: Spin checks each host of the parsed connection string as `host[:port]` and
    /// names it `postgres://host[:port]` (no user, database or options) when refusing it.
    fn refuse_postgres(&self, address: &str) -> String {
        let hosts = postgres_hosts(address);
        if hosts.is_empty() {
            return not_permitted(address);
        }
        for host in hosts {
            if !self.component.allowed_hosts.allows_url(&host, "postgres") {
                return not_permitted(&format!("postgres://{host}"));
            }
        }
        tracing::warn!(component = %self.component.id, "PostgreSQL is not supported by devhost");
        unsupported("PostgreSQL")
    }
}

/// The `host[:port]` entries of a Postgres connection string, URL (`postgres://u@h:p/db`) or
/// key-value (`host=h port=p`) form; a port applies to every host when only one is given.
fn postgres_hosts(address: &str) -> Vec<String> {
    let (hosts, ports): (Vec<String>, Vec<String>) = if let Some(rest) = address
        .strip_prefix("postgres://")
        .or_else(|| address.strip_prefix("postgresql://"))
    {
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let hostlist = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for entry in hostlist.split(',').filter(|e| !e.is_empty()) {
            let split = match entry.strip_prefix('[') {
                // [v6]:port
                Some(_) => entry
                    .split_once("]:")
                    .map(|(h, p)| (format!("{h}]"), p.to_string())),
                None => entry
                    .rsplit_once(':')
                    .map(|(h, p)| (h.to_string(), p.to_string())),
            };
            match split {
                Some((h, p)) => {
                    hosts.push(h);
                    ports.push(p);
                }
                None => hosts.push(entry.to_string()),
            }
        }
        (hosts, ports)
    } else {
        let value = |key: &str| {
            address
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        (value("host"), value("port"))
    };
    hosts
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports
                .get(i)
                .or_else(|| (ports.len() == 1).then(|| &ports[0]));
            match port {
                Some(p) => format!("{host}:{p}"),
                None => host.clone(),
            }
        })
        .collect()
}

fn unreachable_connection<T>(c: &Resource<NoConnection>) -> wasmtime::Result<T> {
    wasmtime::bail!(
        "connection resource {} does not exist: devhost never opens one",
        c.rep()
    )
}

// ---------------------------------------------------------------------------------------------
// fermyon:spin/llm@2.0.0

impl llm::Host for HostState {
    async fn infer(
        &mut self,
        model: String,
        _prompt: String,
        _params: Option<llm::InferencingParams>,
    ) -> wasmtime::Result<Result<llm::InferencingResult, llm::Error>> {
        Ok(Err(model_denied(&model)))
    }

    async fn generate_embeddings(
        &mut self,
        model: String,
        _text: Vec<String>,
    ) -> wasmtime::Result<Result<llm::EmbeddingsResult, llm::Error>> {
        Ok(Err(model_denied(&model)))
    }
}

/// Spin 4.0.2's answer for a model not in the component's `ai_models` (devhost grants none).
fn model_denied(model: &str) -> llm::Error {
    llm::Error::InvalidInput(format!(
        "The component does not have access to use '{model}'. To give the component access, add '{model}' to the 'ai_models' key for the component in your spin.toml manifest"
    ))
}

// ---------------------------------------------------------------------------------------------
// fermyon:spin/mqtt@2.0.0

impl mqtt::Host for HostState {}

impl mqtt::HostConnection for HostState {
    async fn open(
        &mut self,
        address: String,
        _username: String,
        _password: String,
        _keep_alive_interval_in_secs: u64,
    ) -> wasmtime::Result<Result<Resource<NoConnection>, mqtt::Error>> {
        Ok(Err(mqtt::Error::ConnectionFailed(
            self.refuse_open(&address, "mqtt", "MQTT"),
        )))
    }

    async fn publish(
        &mut self,
        c: Resource<NoConnection>,
        _topic: String,
        _payload: Vec<u8>,
        _qos: mqtt::Qos,
    ) -> wasmtime::Result<Result<(), mqtt::Error>> {
        unreachable_connection(&c)
    }

    async fn drop(&mut self, _c: Resource<NoConnection>) -> wasmtime::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// fermyon:spin/rdbms-types, mysql and postgres @2.0.0

impl rdbms_types::Host for HostState {}

impl mysql::Host for HostState {}

impl mysql::HostConnection for HostState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<NoConnection>, rdbms_types::Error>> {
        Ok(Err(rdbms_types::Error::ConnectionFailed(
            self.refuse_open(&address, "mysql", "MySQL"),
        )))
    }

    async fn query(
        &mut self,
        c: Resource<NoConnection>,
        _statement: String,
        _params: Vec<rdbms_types::ParameterValue>,
    ) -> wasmtime::Result<Result<rdbms_types::RowSet, rdbms_types::Error>> {
        unreachable_connection(&c)
    }

    async fn execute(
        &mut self,
        c: Resource<NoConnection>,
        _statement: String,
        _params: Vec<rdbms_types::ParameterValue>,
    ) -> wasmtime::Result<Result<(), rdbms_types::Error>> {
        unreachable_connection(&c)
    }

    async fn drop(&mut self, _c: Resource<NoConnection>) -> wasmtime::Result<()> {
        Ok(())
    }
}

impl pg2::Host for HostState {}

impl pg2::HostConnection for HostState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<NoConnection>, rdbms_types::Error>> {
        Ok(Err(rdbms_types::Error::ConnectionFailed(
            self.refuse_postgres(&address),
        )))
    }

    async fn query(
        &mut self,
        c: Resource<NoConnection>,
        _statement: String,
        _params: Vec<rdbms_types::ParameterValue>,
    ) -> wasmtime::Result<Result<rdbms_types::RowSet, rdbms_types::Error>> {
        unreachable_connection(&c)
    }

    async fn execute(
        &mut self,
        c: Resource<NoConnection>,
        _statement: String,
        _params: Vec<rdbms_types::ParameterValue>,
    ) -> wasmtime::Result<Result<u64, rdbms_types::Error>> {
        unreachable_connection(&c)
    }

    async fn drop(&mut self, _c: Resource<NoConnection>) -> wasmtime::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// spin:postgres/postgres@3.0.0 and @4.0.0

macro_rules! spin_postgres {
    ($v:ident) => {
        impl $v::Host for HostState {}

        impl $v::HostConnection for HostState {
            async fn open(
                &mut self,
                address: String,
            ) -> wasmtime::Result<Result<Resource<NoConnection>, $v::Error>> {
                Ok(Err($v::Error::ConnectionFailed(
                    self.refuse_postgres(&address),
                )))
            }

            async fn query(
                &mut self,
                c: Resource<NoConnection>,
                _statement: String,
                _params: Vec<$v::ParameterValue>,
            ) -> wasmtime::Result<Result<$v::RowSet, $v::Error>> {
                unreachable_connection(&c)
            }

            async fn execute(
                &mut self,
                c: Resource<NoConnection>,
                _statement: String,
                _params: Vec<$v::ParameterValue>,
            ) -> wasmtime::Result<Result<u64, $v::Error>> {
                unreachable_connection(&c)
            }

            async fn drop(&mut self, _c: Resource<NoConnection>) -> wasmtime::Result<()> {
                Ok(())
            }
        }
    };
}

spin_postgres!(pg3);
spin_postgres!(pg4);

#[cfg(test)]
mod tests {
    use super::postgres_hosts;

    #[test]
    fn postgres_hosts_are_named_like_spin() {
        assert_eq!(
            postgres_hosts("postgres://u:p@127.0.0.1:5432/db"),
            ["127.0.0.1:5432"]
        );
        assert_eq!(postgres_hosts("postgresql://db.example/x"), ["db.example"]);
        assert_eq!(
            postgres_hosts("postgres://a:1,b:2/db?sslmode=disable"),
            ["a:1", "b:2"]
        );
        assert_eq!(
            postgres_hosts("host=a,b port=5433 user=x"),
            ["a:5433", "b:5433"]
        );
        assert_eq!(postgres_hosts("postgres://[::1]:5432/db"), ["[::1]:5432"]);
        assert_eq!(postgres_hosts("postgres://[::1]/db"), ["[::1]"]);
        assert!(postgres_hosts("nonsense").is_empty());
    }
}
