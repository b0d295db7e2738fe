//! Load shedding: a cap on the requests the gateway is forwarding at once, so that overload is
//! answered with a fast 503 `overloaded` + `Retry-After` instead of the host running out of
//! component instances (Spin's pooling allocator, 1,000 by default, then answers an empty 500
//! for every component, which the gateway can only pass on as 502).
//!
//! The count is shared by every gateway instance of one **scope**: the Spin process on `spin up`
//! (`in_flight_scope` unset), one pod on SpinKube (the variable set to the pod's name), because
//! the instance pool it protects is per process. Each forwarded request holds a **slot** from
//! admission until its answer is built; a slot carries a lease ([`LEASE_MS`]) so that one an
//! instance never gave back (a trap, a killed pod) frees itself.
//!
//! Only forwarded routes (the API the customers and the staff use, and dev tokens) are shed:
//! health probes, metrics and the operations fan-outs always pass, so an operator can see and
//! act on an overloaded system, and the platform does not restart a pod for being busy.

use crate::ports::CounterError;
use crate::routes::{Route, Target};

/// Slots per scope when `max_in_flight` is not set: a forwarded request holds up to three
/// instances at once (gateway, context, payment), so 200 keep the forwarded traffic within
/// 600 of the pool's 1,000 and leave the rest to the event consumers and the shed answers.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 200;
/// A slot's lease: longer than any forwarded request takes (the payment call times out after
/// `payment_timeout_ms`, 2 s by default; the fan-outs' deadline is 3 s).
pub const LEASE_MS: u32 = 60_000;
/// What an overloaded gateway tells the client to wait: requests last milliseconds, so a slot
/// is likely free a second later.
pub const RETRY_AFTER_S: u64 = 1;
/// The scope when `in_flight_scope` is unset.
pub const DEFAULT_SCOPE: &str = "app";

/// The cap on forwarded requests in flight per scope; `0` disables shedding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    pub max_in_flight: u32,
    pub scope: String,
}

impl Capacity {
    /// Reads the configured values: `max_in_flight` a non-negative integer (anything else: the
    /// default), `in_flight_scope` any text (blank: [`DEFAULT_SCOPE`]).
    pub fn parse(max_in_flight: &str, scope: &str) -> Self {
        let scope = scope.trim();
        Self {
            max_in_flight: max_in_flight
                .trim()
                .parse()
                .unwrap_or(DEFAULT_MAX_IN_FLIGHT),
            scope: if scope.is_empty() {
                DEFAULT_SCOPE.to_string()
            } else {
                scope.to_string()
            },
        }
    }

    /// Whether a request on `route` must hold a slot.
    pub fn applies_to(&self, route: &Route) -> bool {
        self.max_in_flight > 0 && matches!(route.target, Target::Forward(_) | Target::DevToken)
    }
}

/// The slots shared by a scope's instances (Redis: a sorted set of leases).
pub trait Slots {
    /// Takes a slot named `ticket` if fewer than `max` unexpired ones are held in `scope`;
    /// `false` when all are taken (and the refusal is counted).
    ///
    /// # Errors
    /// [`CounterError`] when the store is unavailable.
    fn take(
        &self,
        scope: &str,
        ticket: &str,
        max: u32,
        lease_ms: u32,
    ) -> Result<bool, CounterError>;

    /// Gives the slot back.
    ///
    /// # Errors
    /// [`CounterError`] when the store is unavailable (the lease frees it later).
    fn give_back(&self, scope: &str, ticket: &str) -> Result<(), CounterError>;
}

/// What admission to the cap decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Let through, holding the slot `ticket` (give it back with [`release`]).
    Holding(String),
    /// Let through without a slot: the route is not shed, or shedding is off.
    Free,
    /// Let through because the slots could not be counted (fail open, as the rate limits do:
    /// a Redis outage must not close the API).
    Uncounted(CounterError),
    /// Every slot is taken: 503 `overloaded` with `Retry-After: RETRY_AFTER_S`.
    Overloaded,
}

/// Takes a slot for a request on `route`, if it needs one.
pub fn enter<S: Slots>(capacity: &Capacity, route: &Route, slots: &S, ticket: String) -> Gate {
    if !capacity.applies_to(route) {
        return Gate::Free;
    }
    match slots.take(&capacity.scope, &ticket, capacity.max_in_flight, LEASE_MS) {
        Ok(true) => Gate::Holding(ticket),
        Ok(false) => Gate::Overloaded,
        Err(e) => Gate::Uncounted(e),
    }
}

/// Gives back the slot `gate` holds, if any.
///
/// # Errors
/// [`CounterError`] when the store is unavailable (the lease frees the slot later).
pub fn release<S: Slots>(capacity: &Capacity, gate: &Gate, slots: &S) -> Result<(), CounterError> {
    match gate {
        Gate::Holding(ticket) => slots.give_back(&capacity.scope, ticket),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{Method, RouteMatch, match_route};
    use crate::testing::MemorySlots;

    fn route(method: Method, path: &str) -> &'static Route {
        match match_route(method, path) {
            RouteMatch::Found(route) => route,
            other => panic!("{path}: {other:?}"),
        }
    }

    fn capacity(max: u32) -> Capacity {
        Capacity {
            max_in_flight: max,
            scope: "pod-a".into(),
        }
    }

    #[test]
    fn forwarded_requests_are_refused_once_every_slot_is_held_and_pass_again_when_one_is_given_back()
     {
        let slots = MemorySlots::default();
        let cap = capacity(2);
        let booking = route(Method::Post, "/reservations");
        let first = enter(&cap, booking, &slots, "t1".into());
        let second = enter(&cap, route(Method::Get, "/movies"), &slots, "t2".into());
        assert_eq!(first, Gate::Holding("t1".into()));
        assert_eq!(second, Gate::Holding("t2".into()));
        assert_eq!(enter(&cap, booking, &slots, "t3".into()), Gate::Overloaded);
        assert_eq!(slots.refused("pod-a"), 1);
        release(&cap, &first, &slots).unwrap();
        assert_eq!(slots.held("pod-a"), 1);
        assert_eq!(
            enter(&cap, booking, &slots, "t4".into()),
            Gate::Holding("t4".into())
        );
    }

    #[test]
    fn health_metrics_and_operations_never_take_a_slot() {
        let slots = MemorySlots::default();
        let cap = capacity(1);
        enter(
            &cap,
            route(Method::Post, "/reservations"),
            &slots,
            "t1".into(),
        );
        for (method, path) in [
            (Method::Get, "/health"),
            (Method::Get, "/admin/metrics"),
            (Method::Post, "/admin/events/drain"),
            (Method::Post, "/admin/events/relay"),
            (Method::Get, "/admin/events/dead-letters"),
        ] {
            assert_eq!(
                enter(&cap, route(method, path), &slots, "x".into()),
                Gate::Free,
                "{path}"
            );
        }
        assert_eq!(slots.held("pod-a"), 1);
        assert_eq!(
            enter(
                &cap,
                route(Method::Post, "/auth/dev-token"),
                &slots,
                "t2".into()
            ),
            Gate::Overloaded
        );
    }

    #[test]
    fn scopes_count_apart() {
        let slots = MemorySlots::default();
        let booking = route(Method::Post, "/reservations");
        let a = capacity(1);
        let b = Capacity {
            scope: "pod-b".into(),
            ..capacity(1)
        };
        assert!(matches!(
            enter(&a, booking, &slots, "a1".into()),
            Gate::Holding(_)
        ));
        assert!(matches!(
            enter(&b, booking, &slots, "b1".into()),
            Gate::Holding(_)
        ));
        assert_eq!(enter(&a, booking, &slots, "a2".into()), Gate::Overloaded);
    }

    #[test]
    fn a_store_failure_lets_the_request_through_and_zero_turns_shedding_off() {
        let slots = MemorySlots::default();
        let booking = route(Method::Post, "/reservations");
        slots.fail(true);
        assert!(matches!(
            enter(&capacity(1), booking, &slots, "t1".into()),
            Gate::Uncounted(_)
        ));
        assert_eq!(
            enter(&capacity(0), booking, &slots, "t2".into()),
            Gate::Free
        );
        assert_eq!(slots.operations(), 1, "shedding off touches no store");
        // Nothing held: nothing to give back.
        assert_eq!(release(&capacity(1), &Gate::Free, &slots), Ok(()));
    }

    #[test]
    fn configuration_falls_back_to_the_defaults() {
        assert_eq!(
            Capacity::parse("", " "),
            Capacity {
                max_in_flight: DEFAULT_MAX_IN_FLIGHT,
                scope: DEFAULT_SCOPE.into()
            }
        );
        assert_eq!(
            Capacity::parse("abc", "x").max_in_flight,
            DEFAULT_MAX_IN_FLIGHT
        );
        assert_eq!(
            Capacity::parse("-1", "x").max_in_flight,
            DEFAULT_MAX_IN_FLIGHT
        );
        assert_eq!(Capacity::parse(" 0 ", "x").max_in_flight, 0);
        assert_eq!(
            Capacity::parse("32", " cinema-gateway-7d9f ").scope,
            "cinema-gateway-7d9f"
        );
    }
}
