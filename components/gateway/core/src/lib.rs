//! The gateway bounded context's domain core.
