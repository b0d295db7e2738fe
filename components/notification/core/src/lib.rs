//! The notification bounded context's domain core.
