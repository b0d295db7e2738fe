//! Bounded growth: what is only kept to make redelivery harmless (relayed outbox rows every
//! consumer group has confirmed, inbox entries, and each context's own short-lived rows such as
//! idempotency keys) is deleted once it is older than `retention_days` (default 7), in bounded
//! batches, on the operator's relay tick ([`crate::outbox::tick`]) and, for key-value inboxes,
//! on the consumers' own wake-ups ([`crate::inbox::KvInbox::prune_now_and_then`]).
//!
//! The retention must be longer than any redelivery: an event older than it that is delivered
//! again (replayed from a dead letter, say) finds no inbox entry and is applied again — which the
//! projections tolerate (each step is idempotent) but the transactional contexts only guard by
//! their own state.

use spin_sdk::sqlite3::Connection;

use crate::Error;
use crate::sql::{exec, int, text};

/// The Spin variable (days; 0 prunes everything already done).
pub const VARIABLE: &str = "retention_days";
pub const DEFAULT_DAYS: i64 = 7;
/// Rows deleted per table per tick.
pub const BATCH: i64 = 1000;

/// The configured retention.
pub fn days() -> i64 {
    cinema_http::variable_or(VARIABLE, "")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| *d >= 0)
        .unwrap_or(DEFAULT_DAYS)
}

/// Everything recorded before this time (RFC 3339, like the stored times) may go.
pub fn cutoff(days: i64) -> String {
    (cinema_http::now() - chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One kind of row to prune: `table` rows matching `condition`, which compares a stored time
/// with the `?` cutoff (e.g. `"created_at < ?"`).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub table: &'static str,
    pub condition: &'static str,
}

/// What every SQLite context prunes: relayed rows every group confirmed, and its inbox.
pub const COMMON: [Rule; 2] = [
    Rule {
        table: "outbox",
        condition: "confirmed_at IS NOT NULL AND confirmed_at < ?",
    },
    Rule {
        table: "inbox",
        condition: "processed_at < ?",
    },
];

/// Deletes at most [`BATCH`] rows per rule (the common ones, then `extra`) older than `cutoff`;
/// returns how many rows went.
///
/// # Errors
/// The database's.
pub fn prune(conn: &Connection, cutoff: &str, extra: &[Rule]) -> Result<usize, Error> {
    let mut deleted = 0;
    for rule in COMMON.iter().chain(extra) {
        let sql = format!(
            "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {condition} LIMIT ?)",
            table = rule.table,
            condition = rule.condition,
        );
        let result = exec(
            conn,
            &format!("{sql} RETURNING 1 AS gone"),
            &[text(cutoff), int(BATCH)],
        )?;
        deleted += result.rows().count();
    }
    Ok(deleted)
}
