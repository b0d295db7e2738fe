//! Use cases. Each takes its ports as trait objects and has its own error enum: business
//! variants plus one opaque `Unexpected` for port failures.

pub mod halls;
pub mod holds;
pub mod reservations;
pub mod scheduling;
pub mod seat_maps;
