//! A customer's preferences (`GET`/`PUT /my/preferences`): the language their messages are
//! written in. Owned here because this context renders the messages.

use serde::{Deserialize, Serialize};

use crate::locale::{Language, UnknownLanguage};
use crate::ports::{CustomerPreferences, StoreError};

/// What a customer chose; a customer who never chose gets the defaults (Korean).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    pub language: Language,
}

/// The customer's preferences, the defaults when never set.
///
/// # Errors
/// Storage unavailable.
pub fn preferences_of(
    store: &dyn CustomerPreferences,
    customer_id: &str,
) -> Result<Preferences, StoreError> {
    Ok(store.get(customer_id)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangePreferencesError {
    #[error(transparent)]
    UnknownLanguage(#[from] UnknownLanguage),
    #[error(transparent)]
    Unexpected(#[from] StoreError),
}

/// Stores the customer's language; later messages are written in it.
///
/// # Errors
/// A language other than `ko`/`en` (nothing stored); storage unavailable.
pub fn change_language(
    store: &dyn CustomerPreferences,
    customer_id: &str,
    language: &str,
) -> Result<Preferences, ChangePreferencesError> {
    let preferences = Preferences {
        language: Language::parse(language)?,
    };
    store.put(customer_id, &preferences)?;
    Ok(preferences)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Fakes;

    #[test]
    fn a_customer_who_never_chose_reads_korean() {
        let fakes = Fakes::default();
        assert_eq!(
            preferences_of(&fakes.store, "alice").unwrap().language,
            Language::Ko
        );
    }

    #[test]
    fn a_chosen_language_is_what_the_customer_reads_back() {
        let fakes = Fakes::default();
        change_language(&fakes.store, "alice", "en").unwrap();
        assert_eq!(
            preferences_of(&fakes.store, "alice").unwrap().language,
            Language::En
        );
        assert_eq!(
            preferences_of(&fakes.store, "bob").unwrap().language,
            Language::Ko
        );
    }

    #[test]
    fn an_unknown_language_is_refused_and_nothing_is_stored() {
        let fakes = Fakes::default();
        change_language(&fakes.store, "alice", "en").unwrap();
        let err = change_language(&fakes.store, "alice", "fr").unwrap_err();
        assert!(matches!(err, ChangePreferencesError::UnknownLanguage(_)));
        assert_eq!(
            preferences_of(&fakes.store, "alice").unwrap().language,
            Language::En
        );
    }

    #[test]
    fn a_storage_failure_is_unexpected() {
        let fakes = Fakes::default();
        fakes.store.fail_writes();
        assert!(matches!(
            change_language(&fakes.store, "alice", "en"),
            Err(ChangePreferencesError::Unexpected(_))
        ));
    }
}
