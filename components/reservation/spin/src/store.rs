//! The reservation database (SQLite label `reservation`): bookings (with their unique booking
//! numbers), seat holds and the unique seat claims behind them, the screenings learned from the
//! theater, idempotency keys, payment attempts, check-ins, and the outbox/inbox. [`Db`] implements the core's ports over it.
//!
//! A seat of a screening is claimed by at most one active hold or live booking: `seat_claims`
//! has one row per (screening, seat), written inside `BEGIN IMMEDIATE` transactions, so the
//! primary key decides between concurrent requests, instances and replicas. A claim has an
//! expiry (a hold's) or none (a booking's); an expired claim is deleted by the next claim on its
//! seat, so expiry needs no timer. Times are stored as RFC 3339 UTC text with milliseconds, which
//! sorts like time.

use chrono::{DateTime, SecondsFormat, Utc};
use cinema_eventing::sql::{exec, int, opt_text, text};
use cinema_eventing::{Error, Meta, counters, envelope, inbox, outbox, retention, sql};
use cinema_events::EventData;
use reservation_core::hold::{Hold, ReleaseReason};
use reservation_core::ports::{
    AbandonReason, Attempt, Attempts, Begin, CheckIns, Claim, Holds, IdempotencyKeys, KeyRef,
    Outbox, Reservations, Screenings, StoreError, Stored, StoredKey,
};
use reservation_core::{
    BookingNumber, CustomerId, HoldId, Placement, Reservation, ReservationId, Screening,
};
use spin_sdk::sqlite3::Connection;

use crate::CONTEXT;

/// v3: the outbox keeps relayed rows until every consumer group has them (`stream_last`,
/// `confirmed_at`, added by `outbox::ensure_schema`).
/// v4: seat holds (`holds`) and one claim per seat for holds and bookings alike (`seat_claims`,
/// replacing `held_seats`, which only bookings used).
/// v5: booking numbers (`reservations.booking_number`, unique; bookings stored before stay
/// without one) and `check_ins` (one row per booking number: the first check-in).
/// v6: the metrics' running totals (`counters`, bumped where events are published) and
/// `holds.for_call` with the partial index `holds_active`, so the active customer holds are
/// counted without reading the holds that are over.
///
/// The `doc` columns (screenings, bookings, holds) gain optional fields without a new version: a
/// document stored before a field existed reads with its default (a screening without layout or
/// prices: `rows` × `seats_per_row` standard seats, adult tickets at `price`; a booking or hold
/// without tickets: one adult ticket per seat).
const SCHEMA_VERSION: i64 = 6;

/// Opens the database, creating or migrating the schema on first use (one `PRAGMA user_version`
/// read after).
///
/// # Errors
/// The database's.
pub fn open() -> Result<Connection, Error> {
    let conn = sql::open("reservation")?;
    sql::migrate(&conn, SCHEMA_VERSION, migrate)?;
    Ok(conn)
}

/// From `version` (0: a new database) to [`SCHEMA_VERSION`].
fn migrate(c: &Connection, version: i64) -> Result<(), Error> {
    for sql in [
        "CREATE TABLE IF NOT EXISTS screenings (
            screening_id TEXT PRIMARY KEY,
            doc          TEXT NOT NULL
        )",
        "CREATE TABLE IF NOT EXISTS reservations (
            reservation_id TEXT PRIMARY KEY,
            customer_id    TEXT NOT NULL,
            screening_id   TEXT NOT NULL,
            status         TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            doc            TEXT NOT NULL
        )",
        "CREATE INDEX IF NOT EXISTS reservations_by_customer ON reservations (customer_id, created_at)",
        "CREATE TABLE IF NOT EXISTS idempotency_keys (
            customer_id    TEXT NOT NULL,
            key            TEXT NOT NULL,
            fingerprint    TEXT NOT NULL,
            reservation_id TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            PRIMARY KEY (customer_id, key)
        )",
    ] {
        exec(c, sql, &[])?;
    }
    outbox::ensure_schema(c)?;
    inbox::ensure_schema(c)?;
    if version < 2 {
        // v2: payment attempts (to refund a charge whose booking was never stored) and the first
        // accepted reply per idempotency key (replayed verbatim).
        exec(
            c,
            "CREATE TABLE IF NOT EXISTS payment_attempts (
                reservation_id TEXT PRIMARY KEY,
                customer_id    TEXT NOT NULL,
                state          TEXT NOT NULL,
                started_at     TEXT NOT NULL
            )",
            &[],
        )?;
        exec(
            c,
            "ALTER TABLE idempotency_keys ADD COLUMN response TEXT",
            &[],
        )?;
    }
    if version < 4 {
        for sql in [
            "CREATE TABLE IF NOT EXISTS holds (
                hold_id       TEXT PRIMARY KEY,
                customer_id   TEXT NOT NULL,
                screening_id  TEXT NOT NULL,
                status        TEXT NOT NULL,
                expires_at    TEXT NOT NULL,
                attempt       TEXT,
                attempt_until TEXT,
                created_at    TEXT NOT NULL,
                doc           TEXT NOT NULL
            )",
            "CREATE INDEX IF NOT EXISTS holds_by_attempt ON holds (attempt) WHERE attempt IS NOT NULL",
            "CREATE TABLE IF NOT EXISTS seat_claims (
                screening_id TEXT NOT NULL,
                seat         TEXT NOT NULL,
                holder       TEXT NOT NULL,
                customer_id  TEXT NOT NULL,
                expires_at   TEXT,
                PRIMARY KEY (screening_id, seat)
            )",
            "CREATE INDEX IF NOT EXISTS seat_claims_by_holder ON seat_claims (holder)",
        ] {
            exec(c, sql, &[])?;
        }
        if version >= 1 {
            // The live bookings' seats become their claims.
            exec(
                c,
                "INSERT OR IGNORE INTO seat_claims (screening_id, seat, holder, customer_id, expires_at)
                 SELECT h.screening_id, h.seat, h.reservation_id, r.customer_id, NULL
                 FROM held_seats h JOIN reservations r ON r.reservation_id = h.reservation_id
                 WHERE r.status IN ('PAID', 'CONFIRMED')",
                &[],
            )?;
        }
        exec(c, "DROP TABLE IF EXISTS held_seats", &[])?;
    }
    if version < 5 {
        for sql in [
            "ALTER TABLE reservations ADD COLUMN booking_number TEXT",
            // NULLs (bookings from before numbers) do not clash.
            "CREATE UNIQUE INDEX IF NOT EXISTS reservations_by_booking_number
                 ON reservations (booking_number)",
            "CREATE TABLE IF NOT EXISTS check_ins (
                booking_number TEXT PRIMARY KEY,
                reservation_id TEXT NOT NULL,
                checked_in_at  TEXT NOT NULL
            )",
        ] {
            exec(c, sql, &[])?;
        }
    }
    if version < 6 {
        for sql in [
            "ALTER TABLE holds ADD COLUMN for_call INTEGER NOT NULL DEFAULT 0",
            "UPDATE holds SET for_call = 1 WHERE json_extract(doc, '$.for_call') = 1",
            "CREATE INDEX IF NOT EXISTS holds_active ON holds (expires_at)
                 WHERE status = 'ACTIVE' AND for_call = 0",
        ] {
            exec(c, sql, &[])?;
        }
        counters::ensure_schema(c)?;
    }
    Ok(())
}

/// How often storing a booking draws a booking number before giving up. With 10⁸ numbers a month
/// a clash is rare; ten in a row means something else is wrong.
const NUMBER_DRAWS: usize = 10;

/// A random serial for a booking number (`wasi:random`, the host's secure source).
fn random_serial() -> u64 {
    wasi::random::random::get_random_u64()
}

fn parse_ts(text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Other(format!("corrupt time {text:?}: {e}")))
}

/// What the relay tick prunes here besides the outbox and the inbox: idempotency keys (a retry
/// after `retention_days` is a new request), settled payment attempts, holds long over, and the
/// claims of holds that expired long ago and whose seats nobody claimed since.
pub const RETENTION: [retention::Rule; 5] = [
    retention::Rule {
        table: "idempotency_keys",
        condition: "created_at < ?",
    },
    retention::Rule {
        table: "payment_attempts",
        condition: "state <> 'PENDING' AND started_at < ?",
    },
    retention::Rule {
        table: "holds",
        condition: "status <> 'ACTIVE' AND created_at < ?",
    },
    retention::Rule {
        table: "holds",
        condition: "attempt IS NULL AND expires_at < ?",
    },
    retention::Rule {
        table: "seat_claims",
        condition: "expires_at IS NOT NULL AND expires_at < ?",
    },
];

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, Error> {
    serde_json::from_slice(json.as_bytes()).map_err(|e| Error::Other(format!("corrupt row: {e}")))
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("documents always serialise")
}

fn storage(e: Error) -> StoreError {
    StoreError(e.to_string())
}

/// `?, ?, ?` for `n` parameters.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The JSON `doc` column of the row `sql` selects by one id, decoded.
fn one_doc<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    id: &str,
) -> Result<Option<T>, Error> {
    exec(conn, sql, &[text(id)])?
        .rows()
        .next()
        .and_then(|r| r.get::<&str>("doc").map(decode))
        .transpose()
}

/// A transaction's early end that must roll it back.
enum Abort {
    Db(Error),
    Taken(Vec<String>),
    Lost,
}

impl From<Error> for Abort {
    fn from(e: Error) -> Self {
        Self::Db(e)
    }
}

/// The core's ports over one connection. Each write runs in a transaction of its own, unless the
/// caller already holds one ([`Db::within`]: the saga's and cancel's use cases).
pub struct Db<'c> {
    conn: &'c Connection,
    meta: Meta,
    redis_address: &'c str,
    in_transaction: bool,
}

impl<'c> Db<'c> {
    /// For a request: its events carry its correlation id.
    pub fn new(conn: &'c Connection, redis_address: &'c str, correlation_id: &str) -> Self {
        Self {
            conn,
            meta: Meta::new(correlation_id),
            redis_address,
            in_transaction: false,
        }
    }

    /// Inside a transaction the caller holds; events carry `meta` (e.g. caused by an event).
    pub fn within(conn: &'c Connection, redis_address: &'c str, meta: Meta) -> Self {
        Self {
            conn,
            meta,
            redis_address,
            in_transaction: true,
        }
    }

    pub fn correlation_id(&self) -> &str {
        &self.meta.correlation_id
    }

    fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, StoreError> {
        if self.in_transaction {
            f(self.conn).map_err(storage)
        } else {
            sql::transaction(self.conn, f).map_err(storage)
        }
    }

    /// Reads, or one statement (atomic on its own).
    fn run<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, StoreError> {
        f(self.conn).map_err(storage)
    }

    /// Appends an event to the outbox and counts what it announces
    /// ([`crate::metrics::count`]), as part of the current transaction.
    fn publish(
        &self,
        c: &Connection,
        data: EventData,
        reservation: Option<(&str, Option<u64>)>,
    ) -> Result<(), Error> {
        let mut meta = self.meta.clone();
        if let Some((id, version)) = reservation {
            meta = meta.reservation(id, version);
        }
        crate::metrics::count(c, &data)?;
        outbox::append::<crate::Published>(c, &envelope(CONTEXT, &meta, data))
    }

    fn hold_row(c: &Connection, id: &str) -> Result<Option<HoldRow>, Error> {
        let result = exec(
            c,
            "SELECT doc, attempt_until FROM holds WHERE hold_id = ?",
            &[text(id)],
        )?;
        result
            .rows()
            .next()
            .map(|r| {
                Ok(HoldRow {
                    hold: decode(r.get::<&str>("doc").unwrap_or("null"))?,
                    attempt_until: r.get::<&str>("attempt_until").map(str::to_string),
                })
            })
            .transpose()
    }

    fn save_hold(c: &Connection, hold: &Hold, attempt: Option<(&str, &str)>) -> Result<(), Error> {
        exec(
            c,
            "INSERT INTO holds (hold_id, customer_id, screening_id, status, expires_at, attempt,
                                attempt_until, created_at, for_call, doc)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (hold_id) DO UPDATE SET status = excluded.status, doc = excluded.doc,
                 attempt = excluded.attempt, attempt_until = excluded.attempt_until",
            &[
                text(hold.id.as_str()),
                text(hold.customer_id.as_str()),
                text(&hold.screening_id),
                text(hold.status.as_str()),
                text(ts(hold.expires_at)),
                opt_text(attempt.map(|(id, _)| id)),
                opt_text(attempt.map(|(_, until)| until)),
                text(ts(hold.created_at)),
                int(i64::from(hold.for_call)),
                text(encode(hold)),
            ],
        )?;
        Ok(())
    }

    /// Ends an active hold: `RELEASED`, its claims dropped, the end announced.
    fn release_in(&self, c: &Connection, id: &str, reason: ReleaseReason) -> Result<(), Error> {
        let Some(mut row) = Self::hold_row(c, id)? else {
            return Ok(());
        };
        let Some(event) = row.hold.release(reason) else {
            return Ok(());
        };
        Self::save_hold(c, &row.hold, None)?;
        exec(c, "DELETE FROM seat_claims WHERE holder = ?", &[text(id)])?;
        if let Some(event) = event {
            self.publish(c, event, None)?;
        }
        Ok(())
    }

    /// The attempt ended without a booking: the hold it paid for is free for another try (a
    /// call's own hold is released).
    fn end_attempt_in(&self, c: &Connection, attempt: &str) -> Result<(), Error> {
        let result = exec(
            c,
            "SELECT hold_id FROM holds WHERE attempt = ?",
            &[text(attempt)],
        )?;
        let Some(hold_id) = result
            .rows()
            .next()
            .and_then(|r| r.get::<&str>("hold_id").map(str::to_string))
        else {
            return Ok(());
        };
        let Some(row) = Self::hold_row(c, &hold_id)? else {
            return Ok(());
        };
        if row.hold.for_call {
            return self.release_in(c, &hold_id, ReleaseReason::Released);
        }
        Self::save_hold(c, &row.hold, None)?;
        exec(
            c,
            "UPDATE seat_claims SET expires_at = ? WHERE holder = ?",
            &[text(ts(row.hold.expires_at)), text(&hold_id)],
        )?;
        Ok(())
    }

    fn claim_in(
        &self,
        c: &Connection,
        hold: &Hold,
        attempt: Option<&Attempt>,
    ) -> Result<(), Abort> {
        let now = ts(hold.created_at);
        let seats = || hold.seats.iter().map(text);
        let in_seats = placeholders(hold.seats.len());
        // Expired claims on these seats stop counting.
        let mut params = vec![text(&hold.screening_id), text(&now)];
        params.extend(seats());
        exec(
            c,
            &format!(
                "DELETE FROM seat_claims WHERE screening_id = ? AND expires_at IS NOT NULL
                 AND expires_at <= ? AND seat IN ({in_seats})"
            ),
            &params,
        )?;
        // The same customer's newer choice replaces their older holds on these seats (not one
        // being paid for right now).
        let mut params = vec![
            text(&hold.screening_id),
            text(hold.customer_id.as_str()),
            text(&now),
        ];
        params.extend(seats());
        let replaced: Vec<String> = exec(
            c,
            &format!(
                "SELECT DISTINCT c.holder FROM seat_claims c JOIN holds h ON h.hold_id = c.holder
                 WHERE c.screening_id = ? AND h.customer_id = ? AND h.status = 'ACTIVE'
                   AND (h.attempt IS NULL OR h.attempt_until <= ?) AND c.seat IN ({in_seats})"
            ),
            &params,
        )?
        .rows()
        .filter_map(|r| r.get::<&str>("holder").map(str::to_string))
        .collect();
        for id in replaced {
            self.release_in(c, &id, ReleaseReason::Replaced)?;
        }
        // Every seat or none: the primary key refuses a seat someone holds or booked.
        let expires_at = ts(hold.expires_at);
        let mut params = Vec::with_capacity(hold.seats.len() * 5);
        for seat in &hold.seats {
            params.extend([
                text(&hold.screening_id),
                text(seat),
                text(hold.id.as_str()),
                text(hold.customer_id.as_str()),
                text(&expires_at),
            ]);
        }
        let rows = vec!["(?, ?, ?, ?, ?)"; hold.seats.len()].join(", ");
        let claimed: Vec<String> = exec(
            c,
            &format!(
                "INSERT INTO seat_claims (screening_id, seat, holder, customer_id, expires_at)
                 VALUES {rows} ON CONFLICT DO NOTHING RETURNING seat"
            ),
            &params,
        )?
        .rows()
        .filter_map(|r| r.get::<&str>("seat").map(str::to_string))
        .collect();
        if claimed.len() != hold.seats.len() {
            let taken = hold
                .seats
                .iter()
                .filter(|s| !claimed.contains(s))
                .cloned()
                .collect();
            return Err(Abort::Taken(taken));
        }
        let attempt_row = attempt.map(|a| (a.reservation_id.to_string(), ts(a.until)));
        Self::save_hold(
            c,
            hold,
            attempt_row
                .as_ref()
                .map(|(id, until)| (id.as_str(), until.as_str())),
        )?;
        if let Some(a) = attempt {
            begin_attempt(c, a)?;
        }
        if let Some(event) = hold.announcement() {
            self.publish(c, event, None)?;
        }
        Ok(())
    }
}

struct HoldRow {
    hold: Hold,
    attempt_until: Option<String>,
}

fn begin_attempt(c: &Connection, a: &Attempt) -> Result<(), Error> {
    exec(
        c,
        "INSERT INTO payment_attempts (reservation_id, customer_id, state, started_at)
         VALUES (?, ?, 'PENDING', ?) ON CONFLICT DO NOTHING",
        &[
            text(a.reservation_id.as_str()),
            text(a.customer_id.as_str()),
            text(ts(a.started_at)),
        ],
    )?;
    Ok(())
}

impl Screenings for Db<'_> {
    fn screening(&self, id: &str) -> Result<Option<Screening>, StoreError> {
        self.run(|c| one_doc(c, "SELECT doc FROM screenings WHERE screening_id = ?", id))
    }

    fn upsert_screening(&self, s: &Screening) -> Result<(), StoreError> {
        self.write(|c| {
            exec(
                c,
                "INSERT INTO screenings (screening_id, doc) VALUES (?, ?)
                 ON CONFLICT (screening_id) DO UPDATE SET doc = excluded.doc",
                &[text(&s.screening_id), text(encode(s))],
            )?;
            Ok(())
        })
    }
}

impl Holds for Db<'_> {
    fn claim(&self, hold: &Hold, attempt: Option<&Attempt>) -> Result<Claim, StoreError> {
        let result = if self.in_transaction {
            self.claim_in(self.conn, hold, attempt)
        } else {
            sql::transaction(self.conn, |c| self.claim_in(c, hold, attempt))
        };
        match result {
            Ok(()) => Ok(Claim::Claimed),
            Err(Abort::Taken(seats)) => Ok(Claim::Taken(seats)),
            Err(Abort::Db(e)) => Err(storage(e)),
            Err(Abort::Lost) => Err(StoreError("claim lost".into())),
        }
    }

    fn hold(&self, id: &HoldId) -> Result<Option<Hold>, StoreError> {
        self.run(|c| Ok(Self::hold_row(c, id.as_str())?.map(|row| row.hold)))
    }

    fn release(&self, id: &HoldId, reason: ReleaseReason) -> Result<Option<Hold>, StoreError> {
        self.write(|c| {
            self.release_in(c, id.as_str(), reason)?;
            Ok(Self::hold_row(c, id.as_str())?.map(|row| row.hold))
        })
    }

    fn begin_payment(&self, hold: &Hold, attempt: &Attempt) -> Result<Begin, StoreError> {
        let now = ts(attempt.started_at);
        self.write(|c| {
            let Some(row) = Self::hold_row(c, hold.id.as_str())? else {
                return Ok(Begin::Expired);
            };
            if !row.hold.is_active(attempt.started_at) {
                return Ok(Begin::Expired);
            }
            if row
                .attempt_until
                .as_deref()
                .is_some_and(|until| until > now.as_str())
            {
                return Ok(Begin::Busy);
            }
            let live = exec(
                c,
                "SELECT COUNT(*) AS n FROM seat_claims WHERE holder = ?
                 AND (expires_at IS NULL OR expires_at > ?)",
                &[text(hold.id.as_str()), text(&now)],
            )?
            .rows()
            .next()
            .and_then(|r| r.get::<i64>("n"))
            .unwrap_or(0);
            if usize::try_from(live).ok() != Some(row.hold.seats.len()) {
                return Ok(Begin::Expired);
            }
            let until = ts(attempt.until);
            exec(
                c,
                "UPDATE seat_claims SET expires_at = MAX(expires_at, ?) WHERE holder = ?",
                &[text(&until), text(hold.id.as_str())],
            )?;
            Self::save_hold(
                c,
                &row.hold,
                Some((attempt.reservation_id.as_str(), &until)),
            )?;
            begin_attempt(c, attempt)?;
            Ok(Begin::Began)
        })
    }

    fn end_payment(&self, _hold: &Hold, attempt: &ReservationId) -> Result<(), StoreError> {
        self.write(|c| {
            exec(
                c,
                "DELETE FROM payment_attempts WHERE reservation_id = ? AND state = 'PENDING'",
                &[text(attempt.as_str())],
            )?;
            self.end_attempt_in(c, attempt.as_str())
        })
    }
}

impl Reservations for Db<'_> {
    fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError> {
        self.run(|c| {
            one_doc(
                c,
                "SELECT doc FROM reservations WHERE reservation_id = ?",
                id,
            )
        })
    }

    fn reservations_of(&self, customer: &CustomerId) -> Result<Vec<Reservation>, StoreError> {
        self.run(|c| {
            exec(
                c,
                "SELECT doc FROM reservations WHERE customer_id = ?
                 ORDER BY created_at DESC, reservation_id DESC LIMIT 500",
                &[text(customer.as_str())],
            )?
            .rows()
            .filter_map(|r| r.get::<&str>("doc").map(decode))
            .collect()
        })
    }

    fn by_booking_number(&self, number: &BookingNumber) -> Result<Option<Reservation>, StoreError> {
        self.run(|c| {
            one_doc(
                c,
                "SELECT doc FROM reservations WHERE booking_number = ?",
                number.as_str(),
            )
        })
    }

    fn store_placed(
        &self,
        placement: &Placement,
        hold: &Hold,
        then: &[EventData],
        key: Option<KeyRef<'_>>,
    ) -> Result<Stored, StoreError> {
        let id = placement.id.as_str();
        let store = |c: &Connection| -> Result<Reservation, Abort> {
            let attempt = exec(
                c,
                "UPDATE payment_attempts SET state = 'PLACED' WHERE reservation_id = ? AND state = 'PENDING'
                 RETURNING reservation_id",
                &[text(id)],
            )?;
            if attempt.rows().next().is_none() {
                return Err(Abort::Lost);
            }
            let moved = exec(
                c,
                "UPDATE seat_claims SET holder = ?, expires_at = NULL WHERE holder = ? RETURNING seat",
                &[text(id), text(hold.id.as_str())],
            )?
            .rows()
            .count();
            if moved != placement.quote.seats.len() {
                // The call outlived its allowance and a seat went to someone else: the sweep
                // abandons the attempt (refund) since it stays pending.
                return Err(Abort::Lost);
            }
            let (r, placed) = insert_numbered(c, placement)?;
            Self::save_hold(c, hold, None)?;
            if let Some(key) = &key {
                exec(
                    c,
                    "UPDATE idempotency_keys SET response = ?
                     WHERE customer_id = ? AND key = ? AND response IS NULL",
                    &[
                        text(crate::views::reservation(&r).to_string()),
                        text(key.customer_id.as_str()),
                        text(key.key),
                    ],
                )?;
            }
            self.publish(c, placed, Some((r.id.as_str(), Some(r.version))))?;
            for event in then {
                self.publish(c, event.clone(), None)?;
            }
            Ok(r)
        };
        let result = if self.in_transaction {
            store(self.conn)
        } else {
            sql::transaction(self.conn, store)
        };
        match result {
            Ok(r) => Ok(Stored::Placed(Box::new(r))),
            Err(Abort::Lost | Abort::Taken(_)) => Ok(Stored::Abandoned),
            Err(Abort::Db(e)) => Err(storage(e)),
        }
    }

    fn save(&self, r: &Reservation, event: Option<&EventData>) -> Result<(), StoreError> {
        self.write(|c| {
            exec(
                c,
                "UPDATE reservations SET status = ?, doc = ? WHERE reservation_id = ?",
                &[
                    text(r.status.as_str()),
                    text(encode(r)),
                    text(r.id.as_str()),
                ],
            )?;
            if !r.status.holds_seats() {
                exec(
                    c,
                    "DELETE FROM seat_claims WHERE holder = ?",
                    &[text(r.id.as_str())],
                )?;
            }
            if let Some(event) = event {
                self.publish(c, event.clone(), Some((r.id.as_str(), Some(r.version))))?;
            }
            Ok(())
        })
    }
}

/// Inserts the booking under a booking number nobody has: draws until the unique index takes one.
fn insert_numbered(
    c: &Connection,
    placement: &Placement,
) -> Result<(Reservation, EventData), Abort> {
    for _ in 0..NUMBER_DRAWS {
        let number = BookingNumber::new(placement.at, random_serial());
        let (r, placed) = placement.numbered(number.clone());
        // No conflict target: either the id or the number may clash; which one is told below.
        let inserted = exec(
            c,
            "INSERT INTO reservations (reservation_id, customer_id, screening_id, status, created_at,
                                       booking_number, doc)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING reservation_id",
            &[
                text(r.id.as_str()),
                text(r.customer_id.as_str()),
                text(&r.screening_id),
                text(r.status.as_str()),
                text(r.created_at.to_rfc3339()),
                text(number.as_str()),
                text(encode(&r)),
            ],
        )?;
        if inserted.rows().next().is_some() {
            return Ok((r, placed));
        }
        let id_used = exec(
            c,
            "SELECT 1 AS one FROM reservations WHERE reservation_id = ?",
            &[text(r.id.as_str())],
        )?
        .rows()
        .next()
        .is_some();
        if id_used {
            return Err(Abort::Db(Error::Other(
                "reservation id already used".into(),
            )));
        }
    }
    Err(Abort::Db(Error::Other(format!(
        "no free booking number after {NUMBER_DRAWS} draws"
    ))))
}

impl CheckIns for Db<'_> {
    fn check_in(
        &self,
        number: &BookingNumber,
        reservation: &ReservationId,
        at: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, bool), StoreError> {
        self.write(|c| {
            // The primary key lets exactly one of concurrent scans in.
            let inserted = exec(
                c,
                "INSERT INTO check_ins (booking_number, reservation_id, checked_in_at)
                 VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING checked_in_at",
                &[
                    text(number.as_str()),
                    text(reservation.as_str()),
                    text(ts(at)),
                ],
            )?;
            if let Some(first) = inserted
                .rows()
                .next()
                .and_then(|r| r.get::<&str>("checked_in_at").map(str::to_string))
            {
                return Ok((parse_ts(&first)?, true));
            }
            let first = exec(
                c,
                "SELECT checked_in_at FROM check_ins WHERE booking_number = ?",
                &[text(number.as_str())],
            )?
            .rows()
            .next()
            .and_then(|r| r.get::<&str>("checked_in_at").map(str::to_string))
            .ok_or_else(|| Error::Other("a check-in without its row".into()))?;
            Ok((parse_ts(&first)?, false))
        })
    }

    fn checked_in_at(&self, number: &BookingNumber) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.run(|c| {
            exec(
                c,
                "SELECT checked_in_at FROM check_ins WHERE booking_number = ?",
                &[text(number.as_str())],
            )?
            .rows()
            .next()
            .and_then(|r| r.get::<&str>("checked_in_at").map(str::to_string))
            .map(|at| parse_ts(&at))
            .transpose()
        })
    }
}

impl Attempts for Db<'_> {
    fn abandon(&self, id: &ReservationId, reason: AbandonReason) -> Result<bool, StoreError> {
        self.write(|c| {
            let changed = exec(
                c,
                "UPDATE payment_attempts SET state = 'ABANDONED' WHERE reservation_id = ? AND state = 'PENDING'
                 AND NOT EXISTS (SELECT 1 FROM reservations WHERE reservation_id = ?) RETURNING customer_id",
                &[text(id.as_str()), text(id.as_str())],
            )?;
            let Some(customer_id) = changed
                .rows()
                .next()
                .and_then(|r| r.get::<&str>("customer_id").map(str::to_string))
            else {
                return Ok(false);
            };
            self.end_attempt_in(c, id.as_str())?;
            let data = EventData::ReservationAbandoned(cinema_events::ReservationAbandoned {
                reservation_id: id.to_string(),
                customer_id,
                reason: reason.as_str().to_string(),
            });
            self.publish(c, data, Some((id.as_str(), None)))?;
            Ok(true)
        })
    }

    fn stale(&self, before: DateTime<Utc>) -> Result<Vec<ReservationId>, StoreError> {
        self.run(|c| {
            Ok(exec(
                c,
                "SELECT reservation_id FROM payment_attempts WHERE state = 'PENDING' AND started_at < ? LIMIT 100",
                &[text(ts(before))],
            )?
            .rows()
            .filter_map(|r| r.get::<&str>("reservation_id").and_then(|id| ReservationId::parse(id).ok()))
            .collect())
        })
    }
}

impl IdempotencyKeys for Db<'_> {
    fn claim_key(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        reservation_id: &ReservationId,
    ) -> Result<Option<StoredKey>, StoreError> {
        self.run(|c| {
            let inserted = exec(
                c,
                "INSERT INTO idempotency_keys (customer_id, key, fingerprint, reservation_id, created_at)
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING key",
                &[
                    text(customer.as_str()),
                    text(key),
                    text(fingerprint),
                    text(reservation_id.as_str()),
                    text(cinema_http::now_rfc3339()),
                ],
            )?;
            if inserted.rows().next().is_some() {
                return Ok(None);
            }
            let result = exec(
                c,
                "SELECT fingerprint, reservation_id, response FROM idempotency_keys WHERE customer_id = ? AND key = ?",
                &[text(customer.as_str()), text(key)],
            )?;
            Ok(result.rows().next().map(|r| StoredKey {
                fingerprint: r.get::<&str>("fingerprint").unwrap_or_default().to_string(),
                reservation_id: r.get::<&str>("reservation_id").unwrap_or_default().to_string(),
                response: r.get::<&str>("response").map(str::to_string),
            }))
        })
    }

    fn take_over_stale_key(
        &self,
        customer: &CustomerId,
        key: &str,
        stale: &str,
        reservation_id: &ReservationId,
        cutoff: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.run(|c| {
            let changed = exec(
                c,
                "UPDATE idempotency_keys SET reservation_id = ?, created_at = ?
                 WHERE customer_id = ? AND key = ? AND reservation_id = ? AND response IS NULL
                   AND created_at < ?
                   AND NOT EXISTS (SELECT 1 FROM reservations WHERE reservation_id = ?)
                   AND NOT EXISTS (SELECT 1 FROM payment_attempts WHERE reservation_id = ?
                                   AND state IN ('PENDING', 'PLACED'))
                 RETURNING key",
                &[
                    text(reservation_id.as_str()),
                    text(cinema_http::now_rfc3339()),
                    text(customer.as_str()),
                    text(key),
                    text(stale),
                    text(ts(cutoff)),
                    text(stale),
                    text(stale),
                ],
            )?;
            Ok(changed.rows().next().is_some())
        })
    }

    fn release_key(
        &self,
        customer: &CustomerId,
        key: &str,
        reservation_id: &ReservationId,
    ) -> Result<(), StoreError> {
        self.run(|c| {
            exec(
                c,
                "DELETE FROM idempotency_keys WHERE customer_id = ? AND key = ? AND reservation_id = ?
                 AND NOT EXISTS (SELECT 1 FROM reservations WHERE reservation_id = ?)",
                &[
                    text(customer.as_str()),
                    text(key),
                    text(reservation_id.as_str()),
                    text(reservation_id.as_str()),
                ],
            )?;
            Ok(())
        })
    }
}

impl Outbox for Db<'_> {
    fn relay(&self) {
        outbox::relay_best_effort(
            self.conn,
            self.redis_address,
            CONTEXT,
            self.correlation_id(),
        );
    }
}
