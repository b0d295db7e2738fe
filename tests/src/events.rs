//! The app's event log (the Redis stream `cinema:events`) as the tests see it: every envelope,
//! and a barrier that waits until every running consumer group has handled everything.

use std::time::Duration;

use serde_json::Value;

use crate::{ASYNC, STREAM, TestApp};

/// Every entry of the stream as `[[id, [field, value, ...]], ...]`, one JSON string (redis-cli
/// prints nested replies in a form not worth parsing).
const XRANGE_JSON: &str = "local r = redis.call('XRANGE', KEYS[1], '-', '+') \
     if #r == 0 then return '[]' end return cjson.encode(r)";

/// The stream's last id and, per consumer group, what it has read and what is still pending.
const PROGRESS_JSON: &str = r#"
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local out = { last = (last[1] and last[1][1]) or '0-0', groups = {} }
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if ok then
  for _, g in ipairs(groups) do
    local t = {}
    for i = 1, #g, 2 do t[g[i]] = g[i + 1] end
    local p = redis.call('XPENDING', KEYS[1], t['name'])
    table.insert(out.groups, { name = t['name'], delivered = t['last-delivered-id'],
      pending = p[1], oldest_pending = p[2] or '' })
  end
end
return cjson.encode(out)
"#;

impl TestApp {
    /// Every event envelope in the stream, oldest first; `None` when this run cannot reach the
    /// app's Redis (a shared app without `CINEMA_REDIS_URL`, or Redis stopped).
    pub fn events(&self) -> Option<Vec<Value>> {
        let out = self.redis_cli(&["EVAL", XRANGE_JSON, "1", STREAM])?;
        let entries: Value = serde_json::from_str(out.trim()).ok()?;
        let entries = entries.as_array()?;
        Some(
            entries
                .iter()
                .filter_map(|entry| {
                    let fields = entry[1].as_array()?;
                    let i = fields.iter().position(|f| f == "e")?;
                    serde_json::from_str(fields.get(i + 1)?.as_str()?).ok()
                })
                .collect(),
        )
    }

    /// Events whose JSON mentions `needle` anywhere (an id, a customer…).
    pub fn events_mentioning(&self, needle: &str) -> Option<Vec<Value>> {
        Some(
            self.events()?
                .into_iter()
                .filter(|e| e.to_string().contains(needle))
                .collect(),
        )
    }

    /// A sale the theater made outside this system (a box-office sale, seats it blocked): a
    /// `ReservationPlaced` the reservation side never stored, put on the stream directly, and
    /// waited for until the seat map shows the seats taken. Local apps only (it needs the
    /// app's Redis).
    pub fn sell_at_the_box_office(&self, screening: &str, seats: &[&str]) {
        let id = uuid::Uuid::now_v7().to_string();
        let envelope = serde_json::json!({
            "event_id": uuid::Uuid::now_v7().to_string(),
            "type": "ReservationPlaced",
            "version": 1,
            "occurred_at": "2026-12-01T10:00:00Z",
            "correlation_id": "box-office",
            "reservation_id": id,
            "reservation_version": 1,
            "source": "reservation",
            "data": {
                "reservation_id": id,
                "customer_id": "box-office",
                "screening_id": screening,
                "seats": seats,
                "total": {"amount": 12_000 * seats.len(), "currency": "KRW"},
                "payment_id": "cash",
            },
        });
        self.redis_cli(&["XADD", STREAM, "*", "e", &envelope.to_string()])
            .expect("the box office needs the app's Redis");
        self.ring();
        crate::eventually(ASYNC, "the theater to sell at the box office", || {
            let taken = self.taken_seats(screening);
            seats
                .iter()
                .all(|s| taken.iter().any(|t| t == s))
                .then_some(())
        });
    }

    /// Waits until every running consumer group has handled every event in the stream,
    /// including the events that handling publishes (it repeats until a round adds nothing).
    /// Then "exactly once" and "nothing" can be checked on the read sides. Without access to
    /// the app's Redis it just waits a little.
    pub fn settle(&self) {
        if self.redis_cli(&["PING"]).is_none_or(|p| p.trim() != "PONG") {
            std::thread::sleep(Duration::from_secs(3));
            return;
        }
        let groups = self.running_consumers();
        let mut previous: Option<StreamId> = None;
        // A shared app never goes quiet; a few rounds cover the saga's longest chain.
        for _ in 0..8 {
            let deadline = std::time::Instant::now() + ASYNC;
            let last = loop {
                let p = self.progress();
                let last = p.as_ref().and_then(|p| StreamId::parse(&p["last"]));
                if let (Some(p), Some(last)) = (&p, last) {
                    let all_caught_up = groups.iter().all(|name| {
                        p["groups"].as_array().is_some_and(|gs| {
                            gs.iter().any(|g| g["name"] == *name && caught_up(g, last))
                        })
                    });
                    // An empty stream has no groups yet, and nothing to catch up with.
                    if all_caught_up || last == StreamId(0, 0) {
                        break last;
                    }
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "timed out after {ASYNC:?} waiting for consumer groups {groups:?} to catch \
                     up with the stream: {p:#?}"
                );
                std::thread::sleep(Duration::from_millis(50));
            };
            if previous == Some(last) {
                return;
            }
            previous = Some(last);
            // Handlers relay what they publish after acknowledging: give that time to land.
            std::thread::sleep(Duration::from_millis(400));
        }
    }

    /// Entries delivered to a consumer group and not yet acknowledged, over every group.
    pub fn pending_events(&self) -> Option<u64> {
        let p = self.progress()?;
        Some(
            p["groups"]
                .as_array()?
                .iter()
                .filter_map(|g| g["pending"].as_u64())
                .sum(),
        )
    }

    /// Entries a consumer read but could not acknowledge (Redis stopped mid-drain) stay pending;
    /// the next drain of the group takes them over once they are 30 s idle
    /// (`cinema_eventing::consumer`). Waits for that, ringing the doorbell every second
    /// (`POST /api/admin/events/relay`), until nothing is pending.
    pub fn wait_for_abandoned_entries(&self) {
        if self.pending_events().unwrap_or(0) == 0 {
            return;
        }
        let admin = self.admin();
        let deadline = std::time::Instant::now() + Duration::from_secs(30) + ASYNC;
        loop {
            let r = self.relay_events(&admin);
            assert_eq!(r.status, 200, "relay: {:?}", r.body);
            if self.pending_events() == Some(0) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "entries still pending: {:#?}",
                self.progress()
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    fn progress(&self) -> Option<Value> {
        let out = self.redis_cli(&["EVAL", PROGRESS_JSON, "1", STREAM])?;
        serde_json::from_str(out.trim()).ok()
    }
}

/// Whether a group (from `PROGRESS_JSON`) has read up to `last` with nothing at or before it
/// still pending.
fn caught_up(group: &Value, last: StreamId) -> bool {
    let delivered = StreamId::parse(&group["delivered"]).unwrap_or(StreamId(0, 0));
    let pending = group["pending"].as_u64().unwrap_or(0);
    let oldest = StreamId::parse(&group["oldest_pending"]);
    delivered >= last && (pending == 0 || oldest.is_some_and(|o| o > last))
}

/// A stream entry id `ms-seq`, ordered like Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StreamId(u64, u64);

impl StreamId {
    fn parse(v: &Value) -> Option<Self> {
        let (ms, seq) = v.as_str()?.split_once('-')?;
        Some(Self(ms.parse().ok()?, seq.parse().ok()?))
    }
}

/// The events of one reservation (by the envelope's `reservation_id`).
pub fn of_reservation<'a>(events: &'a [Value], id: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["reservation_id"] == id)
        .collect()
}

/// The events of one type.
pub fn of_type<'a>(events: &'a [Value], type_: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == type_).collect()
}

/// How many distinct events (by `event_id`) of `events` have type `type_`. Delivery is at least
/// once: a relay may append one outbox row twice, with the same event id, and consumers' inboxes
/// absorb that; two different event ids are two events.
pub fn count_of_type(events: &[&Value], type_: &str) -> usize {
    events
        .iter()
        .filter(|e| e["type"] == type_)
        .filter_map(|e| e["event_id"].as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}
