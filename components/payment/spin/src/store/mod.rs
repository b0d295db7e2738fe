//! The SQLite database `payment`: schema, row mapping and the core's storage ports.

mod payments;
mod schema;

pub use payments::{SqlPayments, TxRefunds, record_abandoned};

use cinema_eventing::sql;
use payment_core::ports::StoreError;
use spin_sdk::sqlite3::Connection;

pub const DATABASE: &str = "payment";

/// Opens the database, creating or upgrading the schema on first use.
///
/// # Errors
/// The database is not granted or unavailable.
pub fn open() -> Result<Connection, cinema_eventing::Error> {
    let conn = sql::open(DATABASE)?;
    schema::ensure(&conn)?;
    Ok(conn)
}

pub fn store_error(e: cinema_eventing::Error) -> StoreError {
    StoreError(e.to_string())
}
