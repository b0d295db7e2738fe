//! The component's configuration, read from Spin variables only.

/// Settings shared by both entry points.
pub struct Config {
    /// Where the event stream lives (`redis://host:port`).
    pub redis_address: String,
}

impl Config {
    pub fn load() -> Self {
        Self {
            redis_address: cinema_http::redis_address(),
        }
    }
}
