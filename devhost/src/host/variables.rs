//! `fermyon:spin/variables@2.0.0` and `wasi:config/store@0.2.0-draft-2024-09-27`: a component
//! sees exactly the variables of its `[component.<id>.variables]` table.

use super::fermyon::spin2_0_0::variables as v2;
use super::wasi::config::store as config;
use crate::state::HostState;

impl HostState {
    fn variable(&self, name: &str) -> Result<String, v2::Error> {
        crate::variables::validate_name(name).map_err(|e| v2::Error::InvalidName(e.to_string()))?;
        self.component.variables.get(name).cloned().ok_or_else(|| {
            v2::Error::Undefined(format!("no variable for {:?}.{name:?}", self.component.id))
        })
    }
}

impl v2::Host for HostState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, v2::Error>> {
        Ok(self.variable(&name))
    }
}

impl config::Host for HostState {
    async fn get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, config::Error>> {
        Ok(match self.variable(&key) {
            Ok(value) => Ok(Some(value)),
            Err(v2::Error::Undefined(_) | v2::Error::InvalidName(_)) => Ok(None),
            Err(v2::Error::Provider(m)) => Err(config::Error::Upstream(m)),
            Err(v2::Error::Other(m)) => Err(config::Error::Io(m)),
        })
    }

    async fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, config::Error>> {
        Ok(Ok(self
            .component
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()))
    }
}
