//! `POST /api/auth/dev-token`: a development stand-in for an identity provider.

use serde::Deserialize;

use crate::identity::{CustomerId, Identity, Role, Roles};

/// The request body as sent: `{"sub": "alice", "roles": ["customer"]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevTokenRequest {
    pub sub: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DevTokenError {
    #[error("'sub' must be 1-64 characters of letters, digits, '_', '.', '@' or '-'")]
    InvalidSubject,
    #[error("'roles' must name at least one role")]
    NoRoles,
    #[error("unknown role '{0}': roles are 'customer' and 'admin'")]
    UnknownRole(String),
}

impl DevTokenRequest {
    /// The identity the token will carry.
    ///
    /// # Errors
    /// [`DevTokenError`]: a bad subject, no roles, or a role other than `customer`/`admin`.
    pub fn identity(&self) -> Result<Identity, DevTokenError> {
        let customer = CustomerId::parse(&self.sub).map_err(|_| DevTokenError::InvalidSubject)?;
        if self.roles.is_empty() {
            return Err(DevTokenError::NoRoles);
        }
        let roles = self
            .roles
            .iter()
            .map(|name| Role::parse(name).ok_or_else(|| DevTokenError::UnknownRole(truncate(name))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Identity {
            customer,
            roles: Roles::new(roles),
        })
    }
}

/// Echoing a client's value back: keep it short.
fn truncate(value: &str) -> String {
    value.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(sub: &str, roles: &[&str]) -> DevTokenRequest {
        DevTokenRequest {
            sub: sub.into(),
            roles: roles.iter().map(|r| (*r).to_string()).collect(),
        }
    }

    #[test]
    fn a_customer_may_ask_for_a_token() {
        let identity = request("alice", &["customer"]).identity().unwrap();
        assert_eq!(identity.customer.as_str(), "alice");
        assert_eq!(identity.roles.header_value(), "customer");
    }

    #[test]
    fn both_roles_may_be_asked_for_and_duplicates_collapse() {
        let identity = request("ops@cinema", &["admin", "customer", "admin"])
            .identity()
            .unwrap();
        assert_eq!(identity.roles.header_value(), "customer,admin");
    }

    #[test]
    fn a_bad_subject_is_refused() {
        assert_eq!(
            request("", &["customer"]).identity(),
            Err(DevTokenError::InvalidSubject)
        );
        assert_eq!(
            request("a b", &["customer"]).identity(),
            Err(DevTokenError::InvalidSubject)
        );
        assert_eq!(
            request(&"a".repeat(65), &["customer"]).identity(),
            Err(DevTokenError::InvalidSubject)
        );
    }

    #[test]
    fn roles_must_be_a_non_empty_subset_of_customer_and_admin() {
        assert_eq!(
            request("alice", &[]).identity(),
            Err(DevTokenError::NoRoles)
        );
        assert_eq!(
            request("alice", &["customer", "root"]).identity(),
            Err(DevTokenError::UnknownRole("root".into()))
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let parsed =
            serde_json::from_str::<DevTokenRequest>(r#"{"sub":"a","roles":["admin"],"exp":1}"#);
        assert!(parsed.is_err());
    }
}
