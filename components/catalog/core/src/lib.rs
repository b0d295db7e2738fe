//! The catalog bounded context's domain core.
