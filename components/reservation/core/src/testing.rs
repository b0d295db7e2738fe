//! In-memory fakes of every port and a [`World`] wiring them to the use cases, for the core's
//! given/when/then tests (and other crates' with the `testing` feature). The fake store keeps the
//! same rules the SQLite adapter enforces: one claim per (screening, seat), expired claims never
//! count, one booking per booking number (drawn again on a clash), one check-in record per
//! booking number, each write all or nothing.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cinema_events::{EventData, HallLayout, LayoutRow, SeatKind, SeatsOfKind, TicketType};

use crate::breaker::{BreakerConfig, BreakerState, CircuitBreaker};
use crate::hold::{Hold, HoldStatus, ReleaseReason};
use crate::model::{CustomerId, HoldId, Money, ReservationId, Screening};
use crate::ports::{
    AbandonReason, Attempt, Attempts, Begin, BreakerStates, CheckIns, Claim, Clock, Holds,
    IdempotencyKeys, Ids, KeyRef, Outbox, PaymentGateway, PaymentOutcome, PaymentRequest,
    Reservations, Screenings, StoreError, Stored, StoredKey,
};
use crate::pricing::TicketRequest;
use crate::reservation::{Placement, Reservation};
use crate::ticket::{BookingNumber, TicketSecret};
use crate::use_cases::Timing;
use crate::use_cases::cancel::CancelReservation;
use crate::use_cases::holds::HoldSeats;
use crate::use_cases::place::{PlaceRequest, PlaceReservation, Placed, Target};
use crate::use_cases::saga::ApplySagaEvent;
use crate::use_cases::tickets::{CheckIn, ViewTicket};

pub fn alice() -> CustomerId {
    CustomerId::parse("alice").expect("test id")
}

pub fn bob() -> CustomerId {
    CustomerId::parse("bob").expect("test id")
}

pub fn seats(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|s| (*s).to_string()).collect()
}

/// 2030-01-01T10:00:00Z.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 10, 0, 0)
        .single()
        .expect("a valid date")
}

/// Screening `s1`, a copy from before layouts and prices: 5 rows × 8 standard seats, adult
/// tickets only at 12,000 KRW, at 20:00 on the first day.
pub fn screening() -> Screening {
    Screening {
        screening_id: "s1".into(),
        movie_id: "m1".into(),
        movie_title: "Parasite".into(),
        hall_id: "h1".into(),
        hall_name: "Hall 1".into(),
        starts_at: start() + Duration::hours(10),
        rows: 5,
        seats_per_row: 8,
        price: Money {
            amount: 12_000,
            currency: "KRW".into(),
        },
        layout: None,
        ticket_prices: BTreeMap::new(),
        seat_surcharges: BTreeMap::new(),
    }
}

fn krw(amount: i64) -> Money {
    Money {
        amount,
        currency: "KRW".into(),
    }
}

fn row(label: &str, seats: u32, kinds: &[(SeatKind, &[u32])]) -> LayoutRow {
    LayoutRow {
        label: label.into(),
        seats,
        aisles_after: vec![],
        space_before: false,
        kinds: kinds
            .iter()
            .map(|&(kind, numbers)| SeatsOfKind {
                kind,
                numbers: numbers.to_vec(),
            })
            .collect(),
    }
}

/// Screening `s2`, as scheduled with a layout and prices, at the same time as `s1`:
/// - row A, 8 seats: A1 wheelchair, A2 companion; row B, 10 seats: B4–B7 premium; row C, 6
///   seats: couple pairs C1+C2 and C5+C6 (rows differ in length: there is no C7);
/// - adult ₩14,000, youth ₩11,000, senior ₩7,000 (no disabled tickets);
/// - premium +₩3,000 a seat, couple +₩2,000 a seat.
pub fn priced_screening() -> Screening {
    Screening {
        screening_id: "s2".into(),
        rows: 3,
        seats_per_row: 10,
        price: krw(14_000),
        layout: Some(HallLayout {
            rows: vec![
                row(
                    "A",
                    8,
                    &[(SeatKind::Wheelchair, &[1]), (SeatKind::Companion, &[2])],
                ),
                row("B", 10, &[(SeatKind::Premium, &[4, 5, 6, 7])]),
                row("C", 6, &[(SeatKind::Couple, &[1, 2, 5, 6])]),
            ],
        }),
        ticket_prices: BTreeMap::from([
            (TicketType::Adult, krw(14_000)),
            (TicketType::Youth, krw(11_000)),
            (TicketType::Senior, krw(7_000)),
        ]),
        seat_surcharges: BTreeMap::from([
            (SeatKind::Premium, krw(3_000)),
            (SeatKind::Couple, krw(2_000)),
        ]),
        ..screening()
    }
}

/// A request's `"tickets"`: `[("adult", 1), ("youth", 1)]`.
pub fn tickets(counts: &[(&str, i64)]) -> TicketRequest {
    counts.iter().map(|&(t, n)| (t.to_string(), n)).collect()
}

pub struct FakeClock(Cell<DateTime<Utc>>);

impl FakeClock {
    pub fn advance_s(&self, seconds: i64) {
        self.0.set(self.0.get() + Duration::seconds(seconds));
    }

    pub fn set(&self, at: DateTime<Utc>) {
        self.0.set(at);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.get()
    }
}

/// `id-1`, `id-2`, …
#[derive(Default)]
pub struct SeqIds(Cell<u64>);

impl Ids for SeqIds {
    fn new_id(&self) -> String {
        self.0.set(self.0.get() + 1);
        format!("id-{}", self.0.get())
    }
}

/// Payment: approves unless told otherwise; counts calls and charges.
#[derive(Default)]
pub struct FakePayments {
    next: RefCell<VecDeque<PaymentOutcome>>,
    always: RefCell<Option<PaymentOutcome>>,
    hook: RefCell<Option<Box<dyn FnOnce()>>>,
    calls: Cell<usize>,
    charges: Cell<usize>,
    last_amount: Cell<i64>,
}

impl FakePayments {
    /// The next call answers `outcome`.
    pub fn answer(&self, outcome: PaymentOutcome) {
        self.next.borrow_mut().push_back(outcome);
    }

    pub fn answer_always(&self, outcome: PaymentOutcome) {
        *self.always.borrow_mut() = Some(outcome);
    }

    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    /// Approved charges.
    pub fn charges(&self) -> usize {
        self.charges.get()
    }

    pub fn last_amount(&self) -> i64 {
        self.last_amount.get()
    }
}

impl PaymentGateway for FakePayments {
    fn authorize(&self, request: &PaymentRequest) -> PaymentOutcome {
        self.calls.set(self.calls.get() + 1);
        let hook = self.hook.borrow_mut().take();
        if let Some(hook) = hook {
            hook();
        }
        let outcome = self
            .next
            .borrow_mut()
            .pop_front()
            .or_else(|| self.always.borrow().clone())
            .unwrap_or(PaymentOutcome::Approved {
                payment_id: format!("pay-{}", request.reservation_id),
            });
        if matches!(outcome, PaymentOutcome::Approved { .. }) {
            self.charges.set(self.charges.get() + 1);
            self.last_amount.set(request.amount.amount);
        }
        outcome
    }
}

/// The breaker's shared state in memory.
#[derive(Default)]
pub struct InMemoryBreaker {
    state: Cell<BreakerState>,
    failing: Cell<bool>,
}

impl InMemoryBreaker {
    pub fn with(state: BreakerState) -> Self {
        Self {
            state: Cell::new(state),
            failing: Cell::new(false),
        }
    }

    pub fn state(&self) -> BreakerState {
        self.state.get()
    }

    pub fn set(&self, state: BreakerState) {
        self.state.set(state);
    }

    pub fn fail(&self, failing: bool) {
        self.failing.set(failing);
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.failing.get() {
            Err(StoreError("breaker store down".into()))
        } else {
            Ok(())
        }
    }
}

impl BreakerStates for InMemoryBreaker {
    fn current(&self) -> Result<BreakerState, StoreError> {
        self.check()?;
        Ok(self.state.get())
    }

    fn update(
        &self,
        change: &mut dyn FnMut(BreakerState) -> Option<BreakerState>,
    ) -> Result<BreakerState, StoreError> {
        self.check()?;
        if let Some(next) = change(self.state.get()) {
            self.state.set(next);
        }
        Ok(self.state.get())
    }
}

#[derive(Debug, Clone)]
struct ClaimRow {
    holder: String,
    customer: CustomerId,
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct HoldRow {
    hold: Hold,
    attempt: Option<(ReservationId, DateTime<Utc>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttemptState {
    Pending,
    Placed,
    Abandoned,
}

#[derive(Debug, Clone)]
struct AttemptRow {
    customer: CustomerId,
    state: AttemptState,
    started_at: DateTime<Utc>,
}

#[derive(Default, Clone)]
struct State {
    screenings: HashMap<String, Screening>,
    holds: BTreeMap<String, HoldRow>,
    claims: BTreeMap<(String, String), ClaimRow>,
    reservations: Vec<Reservation>,
    attempts: BTreeMap<String, AttemptRow>,
    keys: HashMap<(String, String), (StoredKey, DateTime<Utc>)>,
    /// Booking number → (reservation id, first check-in).
    check_ins: BTreeMap<String, (String, DateTime<Utc>)>,
    events: Vec<EventData>,
}

/// The reservation database in memory. `now` for expiry comes from the clock it shares with the
/// use cases.
pub struct InMemoryStore {
    state: RefCell<State>,
    clock: Rc<FakeClock>,
    fail_store_placed: Cell<bool>,
    /// How many of the next `store_placed` calls find the database locked by other writers.
    busy_store_placed: Cell<u32>,
    /// The serials booking numbers are drawn from: these first, then 1, 2, 3…
    serials: RefCell<VecDeque<u64>>,
    next_serial: Cell<u64>,
}

impl InMemoryStore {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs `f` on a copy of the state and keeps the copy only if `f` succeeds (a transaction).
    fn atomically<T, E>(&self, f: impl FnOnce(&mut State) -> Result<T, E>) -> Result<T, E> {
        let mut copy = self.state.borrow().clone();
        let value = f(&mut copy)?;
        *self.state.borrow_mut() = copy;
        Ok(value)
    }

    pub fn event_types(&self) -> Vec<String> {
        self.state
            .borrow()
            .events
            .iter()
            .map(|e| e.type_name().to_string())
            .collect()
    }

    pub fn events(&self) -> Vec<EventData> {
        self.state.borrow().events.clone()
    }

    pub fn abandoned_reasons(&self) -> Vec<String> {
        self.state
            .borrow()
            .events
            .iter()
            .filter_map(|e| match e {
                EventData::ReservationAbandoned(a) => Some(a.reason.clone()),
                _ => None,
            })
            .collect()
    }

    /// The seats `holder` (a hold or a booking) claims, expired or not, in label order.
    pub fn claimed_by(&self, holder: &str) -> Vec<String> {
        self.state
            .borrow()
            .claims
            .iter()
            .filter(|(_, c)| c.holder == holder)
            .map(|((_, seat), _)| seat.clone())
            .collect()
    }

    pub fn claim_expiry(&self, holder: &str) -> Option<DateTime<Utc>> {
        self.state
            .borrow()
            .claims
            .values()
            .find(|c| c.holder == holder)
            .and_then(|c| c.expires_at)
    }

    pub fn claims_of_customer(&self, customer: &CustomerId) -> Vec<String> {
        self.state
            .borrow()
            .claims
            .iter()
            .filter(|(_, c)| &c.customer == customer)
            .map(|((_, seat), _)| seat.clone())
            .collect()
    }

    pub fn hold_now(&self, id: &HoldId) -> Hold {
        self.state.borrow().holds[id.as_str()].hold.clone()
    }

    pub fn release_now(&self, id: &HoldId) {
        self.release(id, ReleaseReason::Released)
            .expect("in memory");
    }

    pub fn reservation_now(&self, id: &str) -> Reservation {
        self.reservation(id)
            .expect("in memory")
            .expect("a stored booking")
    }

    pub fn reservations(&self) -> Vec<Reservation> {
        self.state.borrow().reservations.clone()
    }

    pub fn pending_attempts(&self) -> Vec<ReservationId> {
        self.state
            .borrow()
            .attempts
            .iter()
            .filter(|(_, a)| a.state == AttemptState::Pending)
            .map(|(id, _)| ReservationId::parse(id).expect("stored id"))
            .collect()
    }

    pub fn abandon_now(&self, id: &ReservationId) {
        self.abandon(id, AbandonReason::NotStored)
            .expect("in memory");
    }

    /// A payment attempt for `hold` that never ends (its instance died).
    pub fn begin_payment_now(&self, hold: &Hold, clock: &FakeClock) {
        let now = clock.now();
        let attempt = Attempt {
            reservation_id: ReservationId::parse("died-mid-call").expect("test id"),
            customer_id: hold.customer_id.clone(),
            started_at: now,
            until: now + Duration::seconds(14),
        };
        assert_eq!(
            self.begin_payment(hold, &attempt).expect("in memory"),
            Begin::Began
        );
    }

    pub fn fail_next_store_placed(&self) {
        self.fail_store_placed.set(true);
    }

    /// The next `times` bookings to be stored find the database locked past its busy timeout
    /// (SQLite's text, as Spin reports it).
    pub fn lock_next_store_placed(&self, times: u32) {
        self.busy_store_placed.set(times);
    }

    /// The next booking numbers are drawn from these serials (a clash draws again).
    pub fn draw_serials(&self, serials: &[u64]) {
        self.serials.borrow_mut().extend(serials);
    }

    /// The booking numbers checked in, with their first time.
    pub fn check_ins(&self) -> Vec<(String, DateTime<Utc>)> {
        self.state
            .borrow()
            .check_ins
            .iter()
            .map(|(number, (_, at))| (number.clone(), *at))
            .collect()
    }

    fn draw(&self) -> u64 {
        self.serials.borrow_mut().pop_front().unwrap_or_else(|| {
            self.next_serial.set(self.next_serial.get() + 1);
            self.next_serial.get()
        })
    }

    /// A number no booking has, as the unique index would find one.
    fn free_number(&self, at: DateTime<Utc>) -> Result<BookingNumber, StoreError> {
        for _ in 0..NUMBER_DRAWS {
            let number = BookingNumber::new(at, self.draw());
            let taken = self
                .state
                .borrow()
                .reservations
                .iter()
                .any(|r| r.booking_number.as_ref() == Some(&number));
            if !taken {
                return Ok(number);
            }
        }
        Err(StoreError("no free booking number".into()))
    }
}

/// How often the fake store draws a booking number before giving up (as the SQLite store).
const NUMBER_DRAWS: usize = 10;

fn release_in(state: &mut State, id: &str, reason: ReleaseReason) {
    let Some(row) = state.holds.get_mut(id) else {
        return;
    };
    if let Some(event) = row.hold.release(reason) {
        row.attempt = None;
        state.events.extend(event);
        state.claims.retain(|_, c| c.holder != id);
    }
}

/// The attempt ended without a booking: its hold is free again (a call's hold is released).
fn end_attempt_in(state: &mut State, attempt: &ReservationId) {
    let Some((id, row)) = state
        .holds
        .iter_mut()
        .find(|(_, row)| row.attempt.as_ref().is_some_and(|(a, _)| a == attempt))
    else {
        return;
    };
    let id = id.clone();
    row.attempt = None;
    if row.hold.for_call {
        release_in(state, &id, ReleaseReason::Released);
    } else {
        let expires_at = row.hold.expires_at;
        for claim in state.claims.values_mut().filter(|c| c.holder == id) {
            claim.expires_at = Some(expires_at);
        }
    }
}

impl Screenings for InMemoryStore {
    fn screening(&self, id: &str) -> Result<Option<Screening>, StoreError> {
        Ok(self.state.borrow().screenings.get(id).cloned())
    }

    fn upsert_screening(&self, screening: &Screening) -> Result<(), StoreError> {
        self.state
            .borrow_mut()
            .screenings
            .insert(screening.screening_id.clone(), screening.clone());
        Ok(())
    }
}

impl Holds for InMemoryStore {
    fn claim(&self, hold: &Hold, attempt: Option<&Attempt>) -> Result<Claim, StoreError> {
        let now = self.now();
        self.atomically(|s| {
            let keys: Vec<(String, String)> = hold
                .seats
                .iter()
                .map(|seat| (hold.screening_id.clone(), seat.clone()))
                .collect();
            s.claims
                .retain(|k, c| !(keys.contains(k) && c.expires_at.is_some_and(|t| t <= now)));
            let replaced: Vec<String> = keys
                .iter()
                .filter_map(|k| s.claims.get(k))
                .filter(|c| c.customer == hold.customer_id)
                .filter(|c| {
                    s.holds.get(&c.holder).is_some_and(|row| {
                        row.hold.status == HoldStatus::Active
                            && row.attempt.as_ref().is_none_or(|(_, until)| *until <= now)
                    })
                })
                .map(|c| c.holder.clone())
                .collect();
            for id in replaced {
                release_in(s, &id, ReleaseReason::Replaced);
            }
            let taken: Vec<String> = keys
                .iter()
                .filter(|k| s.claims.contains_key(*k))
                .map(|(_, seat)| seat.clone())
                .collect();
            if !taken.is_empty() {
                return Err(Claim::Taken(taken));
            }
            for k in keys {
                s.claims.insert(
                    k,
                    ClaimRow {
                        holder: hold.id.to_string(),
                        customer: hold.customer_id.clone(),
                        expires_at: Some(hold.expires_at),
                    },
                );
            }
            s.holds.insert(
                hold.id.to_string(),
                HoldRow {
                    hold: hold.clone(),
                    attempt: attempt.map(|a| (a.reservation_id.clone(), a.until)),
                },
            );
            if let Some(a) = attempt {
                s.attempts.insert(
                    a.reservation_id.to_string(),
                    AttemptRow {
                        customer: a.customer_id.clone(),
                        state: AttemptState::Pending,
                        started_at: a.started_at,
                    },
                );
            }
            s.events.extend(hold.announcement());
            Ok(Claim::Claimed)
        })
        .or_else(Ok)
    }

    fn hold(&self, id: &HoldId) -> Result<Option<Hold>, StoreError> {
        Ok(self
            .state
            .borrow()
            .holds
            .get(id.as_str())
            .map(|row| row.hold.clone()))
    }

    fn release(&self, id: &HoldId, reason: ReleaseReason) -> Result<Option<Hold>, StoreError> {
        let mut s = self.state.borrow_mut();
        release_in(&mut s, id.as_str(), reason);
        Ok(s.holds.get(id.as_str()).map(|row| row.hold.clone()))
    }

    fn begin_payment(&self, hold: &Hold, attempt: &Attempt) -> Result<Begin, StoreError> {
        let now = attempt.started_at;
        let mut s = self.state.borrow_mut();
        let id = hold.id.to_string();
        let Some(row) = s.holds.get(&id) else {
            return Ok(Begin::Expired);
        };
        if !row.hold.is_active(now) {
            return Ok(Begin::Expired);
        }
        if row.attempt.as_ref().is_some_and(|(_, until)| *until > now) {
            return Ok(Begin::Busy);
        }
        let live = s
            .claims
            .values()
            .filter(|c| c.holder == id && c.expires_at.is_none_or(|t| t > now))
            .count();
        if live != hold.seats.len() {
            return Ok(Begin::Expired);
        }
        for claim in s.claims.values_mut().filter(|c| c.holder == id) {
            claim.expires_at = claim.expires_at.map(|t| t.max(attempt.until));
        }
        s.holds.get_mut(&id).expect("read above").attempt =
            Some((attempt.reservation_id.clone(), attempt.until));
        s.attempts.insert(
            attempt.reservation_id.to_string(),
            AttemptRow {
                customer: attempt.customer_id.clone(),
                state: AttemptState::Pending,
                started_at: attempt.started_at,
            },
        );
        Ok(Begin::Began)
    }

    fn end_payment(&self, _hold: &Hold, attempt: &ReservationId) -> Result<(), StoreError> {
        let mut s = self.state.borrow_mut();
        if s.attempts
            .get(attempt.as_str())
            .is_some_and(|a| a.state == AttemptState::Pending)
        {
            s.attempts.remove(attempt.as_str());
        }
        end_attempt_in(&mut s, attempt);
        Ok(())
    }
}

impl Reservations for InMemoryStore {
    fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError> {
        Ok(self
            .state
            .borrow()
            .reservations
            .iter()
            .find(|r| r.id.as_str() == id)
            .cloned())
    }

    fn reservations_of(&self, customer: &CustomerId) -> Result<Vec<Reservation>, StoreError> {
        let mut all: Vec<Reservation> = self
            .state
            .borrow()
            .reservations
            .iter()
            .filter(|r| &r.customer_id == customer)
            .cloned()
            .collect();
        all.reverse();
        Ok(all)
    }

    fn by_booking_number(&self, number: &BookingNumber) -> Result<Option<Reservation>, StoreError> {
        Ok(self
            .state
            .borrow()
            .reservations
            .iter()
            .find(|r| r.booking_number.as_ref() == Some(number))
            .cloned())
    }

    fn store_placed(
        &self,
        placement: &Placement,
        hold: &Hold,
        then: &[EventData],
        key: Option<KeyRef<'_>>,
    ) -> Result<Stored, StoreError> {
        if self.fail_store_placed.replace(false) {
            return Err(StoreError("disk full".into()));
        }
        if self.busy_store_placed.get() > 0 {
            self.busy_store_placed.set(self.busy_store_placed.get() - 1);
            return Err(StoreError(
                "sqlite: Error::Io(\"database is locked\")".into(),
            ));
        }
        let (reservation, placed) = placement.numbered(self.free_number(placement.at)?);
        let reservation = &reservation;
        let id = reservation.id.to_string();
        self.atomically(|s| {
            match s.attempts.get_mut(&id) {
                Some(a) if a.state == AttemptState::Pending => a.state = AttemptState::Placed,
                _ => return Err(Stored::Abandoned),
            }
            let hold_id = hold.id.to_string();
            let mut moved = 0;
            for claim in s.claims.values_mut().filter(|c| c.holder == hold_id) {
                claim.holder = id.clone();
                claim.expires_at = None;
                moved += 1;
            }
            if moved != reservation.seats.len() {
                return Err(Stored::Abandoned);
            }
            s.holds.insert(
                hold_id,
                HoldRow {
                    hold: hold.clone(),
                    attempt: None,
                },
            );
            s.reservations.push(reservation.clone());
            if let Some(key) = key
                && let Some((stored, _)) = s
                    .keys
                    .get_mut(&(key.customer_id.to_string(), key.key.to_string()))
            {
                stored
                    .response
                    .get_or_insert_with(|| format!("{{\"reservation_id\":\"{id}\"}}"));
            }
            s.events.push(placed.clone());
            s.events.extend(then.iter().cloned());
            Ok(Stored::Placed(Box::new(reservation.clone())))
        })
        .or_else(Ok)
    }

    fn save(&self, reservation: &Reservation, event: Option<&EventData>) -> Result<(), StoreError> {
        let mut s = self.state.borrow_mut();
        let id = reservation.id.to_string();
        if let Some(r) = s.reservations.iter_mut().find(|r| r.id == reservation.id) {
            *r = reservation.clone();
        }
        if !reservation.status.holds_seats() {
            s.claims.retain(|_, c| c.holder != id);
        }
        s.events.extend(event.cloned());
        Ok(())
    }
}

impl Attempts for InMemoryStore {
    fn abandon(
        &self,
        reservation_id: &ReservationId,
        reason: AbandonReason,
    ) -> Result<bool, StoreError> {
        let mut s = self.state.borrow_mut();
        let customer = match s.attempts.get_mut(reservation_id.as_str()) {
            Some(a) if a.state == AttemptState::Pending => {
                a.state = AttemptState::Abandoned;
                a.customer.clone()
            }
            _ => return Ok(false),
        };
        end_attempt_in(&mut s, reservation_id);
        s.events.push(EventData::ReservationAbandoned(
            cinema_events::ReservationAbandoned {
                reservation_id: reservation_id.to_string(),
                customer_id: customer.to_string(),
                reason: reason.as_str().to_string(),
            },
        ));
        Ok(true)
    }

    fn stale(&self, before: DateTime<Utc>) -> Result<Vec<ReservationId>, StoreError> {
        Ok(self
            .state
            .borrow()
            .attempts
            .iter()
            .filter(|(_, a)| a.state == AttemptState::Pending && a.started_at < before)
            .map(|(id, _)| ReservationId::parse(id).expect("stored id"))
            .collect())
    }
}

impl IdempotencyKeys for InMemoryStore {
    fn claim_key(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        reservation_id: &ReservationId,
    ) -> Result<Option<StoredKey>, StoreError> {
        let now = self.now();
        let mut s = self.state.borrow_mut();
        let k = (customer.to_string(), key.to_string());
        if let Some((stored, _)) = s.keys.get(&k) {
            return Ok(Some(stored.clone()));
        }
        let row = StoredKey {
            fingerprint: fingerprint.to_string(),
            reservation_id: reservation_id.to_string(),
            response: None,
        };
        s.keys.insert(k, (row, now));
        Ok(None)
    }

    fn take_over_stale_key(
        &self,
        customer: &CustomerId,
        key: &str,
        stale: &str,
        reservation_id: &ReservationId,
        cutoff: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let mut s = self.state.borrow_mut();
        let live = s.reservations.iter().any(|r| r.id.as_str() == stale)
            || s.attempts
                .get(stale)
                .is_some_and(|a| a.state != AttemptState::Abandoned);
        let Some((row, created)) = s.keys.get_mut(&(customer.to_string(), key.to_string())) else {
            return Ok(false);
        };
        if row.reservation_id != stale || row.response.is_some() || *created >= cutoff || live {
            return Ok(false);
        }
        row.reservation_id = reservation_id.to_string();
        *created = now;
        Ok(true)
    }

    fn release_key(
        &self,
        customer: &CustomerId,
        key: &str,
        reservation_id: &ReservationId,
    ) -> Result<(), StoreError> {
        let mut s = self.state.borrow_mut();
        let stored = s.reservations.iter().any(|r| &r.id == reservation_id);
        let k = (customer.to_string(), key.to_string());
        if !stored
            && s.keys
                .get(&k)
                .is_some_and(|(row, _)| row.reservation_id == reservation_id.as_str())
        {
            s.keys.remove(&k);
        }
        Ok(())
    }
}

impl CheckIns for InMemoryStore {
    fn check_in(
        &self,
        number: &BookingNumber,
        reservation: &ReservationId,
        at: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, bool), StoreError> {
        let mut s = self.state.borrow_mut();
        match s.check_ins.get(number.as_str()) {
            Some((_, first)) => Ok((*first, false)),
            None => {
                s.check_ins
                    .insert(number.to_string(), (reservation.to_string(), at));
                Ok((at, true))
            }
        }
    }

    fn checked_in_at(&self, number: &BookingNumber) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .state
            .borrow()
            .check_ins
            .get(number.as_str())
            .map(|(_, at)| *at))
    }
}

impl Outbox for InMemoryStore {
    fn relay(&self) {}
}

/// The use cases wired to fakes, with screenings `s1` and `s2` ([`priced_screening`]) known.
pub struct World {
    pub screening: Screening,
    pub store: InMemoryStore,
    pub clock: Rc<FakeClock>,
    pub ids: SeqIds,
    pub payments: FakePayments,
    pub breaker: InMemoryBreaker,
    pub timing: Timing,
    pub ticket_secret: TicketSecret,
}

impl World {
    pub fn new() -> Rc<Self> {
        let clock = Rc::new(FakeClock(Cell::new(start())));
        let store = InMemoryStore {
            state: RefCell::default(),
            clock: Rc::clone(&clock),
            fail_store_placed: Cell::new(false),
            busy_store_placed: Cell::new(0),
            serials: RefCell::default(),
            next_serial: Cell::new(0),
        };
        let screening = screening();
        store.upsert_screening(&screening).expect("in memory");
        store
            .upsert_screening(&priced_screening())
            .expect("in memory");
        Rc::new(Self {
            screening,
            store,
            clock,
            ids: SeqIds::default(),
            payments: FakePayments::default(),
            breaker: InMemoryBreaker::default(),
            timing: Timing {
                hold_ttl: Duration::seconds(600),
                payment_timeout_ms: 2000,
            },
            ticket_secret: TicketSecret::new(&"k".repeat(40)).expect("long enough"),
        })
    }

    /// Runs `f` while payment is being called next (another request arriving meanwhile).
    pub fn during_next_payment(self: &Rc<Self>, f: impl FnOnce(&World) + 'static) {
        let world = Rc::clone(self);
        *self.payments.hook.borrow_mut() = Some(Box::new(move || f(&world)));
    }

    pub fn hold_seats(&self) -> HoldSeats<'_> {
        HoldSeats {
            screenings: &self.store,
            holds: &self.store,
            outbox: &self.store,
            clock: &*self.clock,
            ids: &self.ids,
            timing: self.timing,
        }
    }

    pub fn place(&self) -> PlaceReservation<'_> {
        PlaceReservation {
            screenings: &self.store,
            holds: &self.store,
            reservations: &self.store,
            attempts: &self.store,
            keys: &self.store,
            payments: &self.payments,
            breaker: CircuitBreaker {
                states: &self.breaker,
                config: BreakerConfig {
                    failure_threshold: 5,
                    open_for_ms: 10_000,
                    probe_timeout_ms: 4_000,
                },
            },
            outbox: &self.store,
            clock: &*self.clock,
            ids: &self.ids,
            timing: self.timing,
        }
    }

    pub fn cancel(&self) -> CancelReservation<'_> {
        CancelReservation {
            reservations: &self.store,
            screenings: &self.store,
            check_ins: &self.store,
            clock: &*self.clock,
        }
    }

    pub fn saga(&self) -> ApplySagaEvent<'_> {
        ApplySagaEvent {
            reservations: &self.store,
            screenings: &self.store,
            clock: &*self.clock,
        }
    }

    pub fn view_ticket(&self) -> ViewTicket<'_> {
        ViewTicket {
            reservations: &self.store,
            screenings: &self.store,
            secret: &self.ticket_secret,
        }
    }

    pub fn check_in(&self) -> CheckIn<'_> {
        CheckIn {
            reservations: &self.store,
            screenings: &self.store,
            check_ins: &self.store,
            clock: &*self.clock,
            secret: &self.ticket_secret,
        }
    }

    /// The theater allocates the booking's seats: it becomes CONFIRMED.
    pub fn confirm(&self, r: &Reservation) {
        self.saga()
            .execute(&EventData::SeatsAllocated(cinema_events::SeatsAllocated {
                reservation_id: r.id.to_string(),
                screening_id: r.screening_id.clone(),
                seats: r.seats.clone(),
            }))
            .expect("in memory");
    }

    /// A paid booking of `labels` by `customer`, booked directly.
    pub fn book(&self, customer: &CustomerId, labels: &[&str]) -> Reservation {
        let request = PlaceRequest {
            customer: customer.clone(),
            target: Target::Seats {
                screening_id: "s1".into(),
                seats: seats(labels),
            },
            tickets: None,
            card_token: "tok_visa".into(),
            idempotency_key: None,
        };
        match self.place().execute(&request).expect("a booking") {
            Placed::New(r) => r,
            other => panic!("expected a new booking, got {other:?}"),
        }
    }
}
