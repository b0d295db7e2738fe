//! The payment bounded context's domain core.
