//! Correlation ids: the key that ties a request to every log line and event it causes.

use std::fmt;

/// A correlation id: the client's own when it is sane, else a new one from the id port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationId(String);

impl CorrelationId {
    pub const MAX_LEN: usize = 128;

    /// Accepts a client-sent id: 1–128 characters of `[A-Za-z0-9._-]`.
    pub fn from_client(value: &str) -> Option<Self> {
        let sane = !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        sane.then(|| Self(value.to_string()))
    }

    /// The client's id if sane, else `fresh()` (a new UUIDv7 in the adapter).
    pub fn resolve(client: Option<&str>, fresh: impl FnOnce() -> String) -> Self {
        client
            .and_then(Self::from_client)
            .unwrap_or_else(|| Self(fresh()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> String {
        "new-id".into()
    }

    #[test]
    fn a_sane_client_id_is_kept() {
        assert_eq!(
            CorrelationId::resolve(Some("req-42_a.B"), fresh).as_str(),
            "req-42_a.B"
        );
        let longest = "a".repeat(128);
        assert_eq!(
            CorrelationId::resolve(Some(&longest), fresh).as_str(),
            longest
        );
    }

    #[test]
    fn a_missing_or_insane_client_id_is_replaced() {
        assert_eq!(CorrelationId::resolve(None, fresh).as_str(), "new-id");
        for bad in [
            "",
            "has space",
            "a\r\nb",
            "semi;colon",
            "ünï",
            &"a".repeat(129),
        ] {
            assert_eq!(
                CorrelationId::resolve(Some(bad), fresh).as_str(),
                "new-id",
                "{bad:?}"
            );
        }
    }
}
