//! The JSON forms of layouts and prices, shared by the HTTP API and the store (which keeps them
//! as the API writes them and reads them back through the same validating constructors).

pub mod layout;
pub mod prices;
