//! Counters a context keeps in its own SQLite database for `GET /admin/metrics`: one row per
//! series (metric and label value), bumped by the write that makes the change it counts, inside
//! that write's transaction — a rolled-back change is not counted, and a scrape reads a handful
//! of rows instead of counting a big table. They count from the schema version that created the
//! table on; Prometheus's `rate` and `increase` do not need a counter to start at zero.

use std::collections::BTreeMap;

use spin_sdk::sqlite3::Connection;

use crate::Error;
use crate::metrics_endpoint::Sample;
use crate::sql::{exec, int, text};

/// One counter: its name (ending in `_total`), help, and the label telling its series apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub name: &'static str,
    pub help: &'static str,
    pub label: Option<Label>,
}

/// A counter's label: its name, and the values reported (as 0) before their first count. Other
/// values (a currency) are reported once counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub name: &'static str,
    pub known: &'static [&'static str],
}

/// # Errors
/// The database's.
pub fn ensure_schema(conn: &Connection) -> Result<(), Error> {
    exec(
        conn,
        "CREATE TABLE IF NOT EXISTS counters (
            name  TEXT NOT NULL,
            label TEXT NOT NULL,
            value INTEGER NOT NULL,
            PRIMARY KEY (name, label)
        ) WITHOUT ROWID",
        &[],
    )?;
    Ok(())
}

/// Adds `delta` to the series `label` of `counter` (`""` for a counter without a label). Call
/// it inside the transaction of the change it counts.
///
/// # Errors
/// The database's.
pub fn add(conn: &Connection, counter: &Counter, label: &str, delta: i64) -> Result<(), Error> {
    exec(
        conn,
        "INSERT INTO counters (name, label, value) VALUES (?, ?, ?)
         ON CONFLICT (name, label) DO UPDATE SET value = value + excluded.value",
        &[text(counter.name), text(label), int(delta)],
    )?;
    Ok(())
}

/// Every series of `counters`: the known label values (0 until counted) and whatever else was
/// counted, from one read of the table (a row per series). Rows of counters not listed are left
/// out (a metric since removed).
///
/// # Errors
/// The database's.
pub fn samples(conn: &Connection, counters: &[Counter]) -> Result<Vec<Sample>, Error> {
    let mut stored: BTreeMap<(String, String), i64> = BTreeMap::new();
    for row in exec(conn, "SELECT name, label, value FROM counters", &[])?.rows() {
        if let (Some(name), Some(label), Some(value)) = (
            row.get::<&str>("name"),
            row.get::<&str>("label"),
            row.get::<i64>("value"),
        ) {
            stored.insert((name.to_string(), label.to_string()), value);
        }
    }
    let mut samples = Vec::new();
    for counter in counters {
        let mut series: BTreeMap<String, i64> = match counter.label {
            Some(label) => label.known.iter().map(|v| ((*v).to_string(), 0)).collect(),
            None => [(String::new(), 0)].into(),
        };
        for ((name, label), value) in &stored {
            if name == counter.name && (counter.label.is_some() || label.is_empty()) {
                series.insert(label.clone(), *value);
            }
        }
        for (value_label, value) in series {
            let sample = Sample::counter(counter.name, counter.help, value as f64);
            samples.push(match counter.label {
                Some(label) => sample.label(label.name, value_label),
                None => sample,
            });
        }
    }
    Ok(samples)
}
