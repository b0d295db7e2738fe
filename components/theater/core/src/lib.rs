//! The theater bounded context's domain core.
