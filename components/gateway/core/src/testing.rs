//! In-memory fakes of the gateway's ports.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::capacity::Slots;
use crate::ports::{Clock, CounterError, WindowCounters};

/// A secret derived from `seed` at run time (64 hex characters): tests use these so that no
/// credential a deployment would accept is written in the repository.
pub fn generated_secret(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A clock stopped at a given Unix second.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_unix_s(&self) -> i64 {
        self.0
    }
}

/// Counters in a map; counts every store operation, keeps the time-to-live each key was created
/// with, and can be made to fail.
#[derive(Debug, Default)]
pub struct MemoryCounters {
    values: RefCell<BTreeMap<String, i64>>,
    ttls: RefCell<BTreeMap<String, u32>>,
    operations: Cell<usize>,
    failing: Cell<bool>,
}

impl MemoryCounters {
    pub fn fail(&self, failing: bool) {
        self.failing.set(failing);
    }

    /// The time-to-live every key was created with.
    pub fn ttls(&self) -> BTreeMap<String, u32> {
        self.ttls.borrow().clone()
    }

    /// How many store calls were made.
    pub fn operations(&self) -> usize {
        self.operations.get()
    }

    fn call(&self) -> Result<(), CounterError> {
        self.operations.set(self.operations.get() + 1);
        if self.failing.get() {
            Err(CounterError("store down".into()))
        } else {
            Ok(())
        }
    }
}

impl WindowCounters for MemoryCounters {
    fn increment(&self, key: &str, ttl_s: u32) -> Result<i64, CounterError> {
        self.call()?;
        let mut values = self.values.borrow_mut();
        let value = values.entry(key.to_string()).or_insert(0);
        *value += 1;
        if *value == 1 {
            self.ttls.borrow_mut().insert(key.to_string(), ttl_s);
        }
        Ok(*value)
    }
}

/// Slots in a map (leases never expire here); counts store calls and refusals, and can be made
/// to fail.
#[derive(Debug, Default)]
pub struct MemorySlots {
    held: RefCell<BTreeMap<String, Vec<String>>>,
    refused: RefCell<BTreeMap<String, u64>>,
    counters: MemoryCounters,
}

impl MemorySlots {
    pub fn fail(&self, failing: bool) {
        self.counters.fail(failing);
    }

    pub fn held(&self, scope: &str) -> usize {
        self.held.borrow().get(scope).map_or(0, Vec::len)
    }

    pub fn refused(&self, scope: &str) -> u64 {
        self.refused.borrow().get(scope).copied().unwrap_or(0)
    }

    pub fn operations(&self) -> usize {
        self.counters.operations()
    }
}

impl Slots for MemorySlots {
    fn take(
        &self,
        scope: &str,
        ticket: &str,
        max: u32,
        _lease_ms: u32,
    ) -> Result<bool, CounterError> {
        self.counters.call()?;
        let mut held = self.held.borrow_mut();
        let tickets = held.entry(scope.to_string()).or_default();
        if tickets.len() >= max as usize {
            *self
                .refused
                .borrow_mut()
                .entry(scope.to_string())
                .or_insert(0) += 1;
            return Ok(false);
        }
        tickets.push(ticket.to_string());
        Ok(true)
    }

    fn give_back(&self, scope: &str, ticket: &str) -> Result<(), CounterError> {
        self.counters.call()?;
        if let Some(tickets) = self.held.borrow_mut().get_mut(scope) {
            tickets.retain(|t| t != ticket);
        }
        Ok(())
    }
}
