//! Who is calling: a customer id (the token's `sub`) and the roles the token grants.

use std::fmt;

/// A customer id as it travels in tokens and in the `x-customer-id` header: 1–64 characters of
/// `[A-Za-z0-9_.@-]` (safe in a header, a key-value key and a log line).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a customer id is 1-64 characters of letters, digits, '_', '.', '@' or '-'")]
pub struct InvalidCustomerId;

impl CustomerId {
    pub const MAX_LEN: usize = 64;

    /// # Errors
    /// Empty, longer than 64 characters, or a character outside `[A-Za-z0-9_.@-]`.
    pub fn parse(value: &str) -> Result<Self, InvalidCustomerId> {
        let valid = !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'));
        if valid {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidCustomerId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A role a token can grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Customer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Customer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of roles, kept in a canonical order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut roles: Vec<Role> = roles.into_iter().collect();
        roles.sort();
        roles.dedup();
        Self(roles)
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// The `x-roles` header value: a comma list, e.g. `customer,admin`.
    pub fn header_value(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|r| r.as_str()).collect()
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub customer: CustomerId,
    pub roles: Roles,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_id_accepts_the_documented_characters() {
        assert!(CustomerId::parse("alice").is_ok());
        assert!(CustomerId::parse("a.b_c-d@example.com").is_ok());
        assert!(CustomerId::parse(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn a_customer_id_rejects_empty_long_and_header_breaking_values() {
        assert!(CustomerId::parse("").is_err());
        assert!(CustomerId::parse(&"x".repeat(65)).is_err());
        for bad in ["a b", "a,b", "a\nb", "a:b", "ünï", "a/b"] {
            assert!(CustomerId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn roles_are_deduplicated_and_listed_in_a_canonical_order() {
        let roles = Roles::new([Role::Admin, Role::Customer, Role::Admin]);
        assert_eq!(roles.header_value(), "customer,admin");
        assert!(roles.contains(Role::Admin));
    }
}
