//! The reservation bounded context's domain core.
