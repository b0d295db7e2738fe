//! Hall administration: create and look up halls.

use crate::StoreError;
use crate::hall::{Hall, HallName, Layout};
use crate::ids::HallId;
use crate::ports::{HallRepository, IdGenerator};

#[derive(Debug, thiserror::Error)]
pub enum CreateHallError {
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum GetHallError {
    #[error("hall {0} not found")]
    NotFound(String),
    #[error("unexpected: {0}")]
    Unexpected(#[from] StoreError),
}

pub struct HallAdministration<'a> {
    pub halls: &'a dyn HallRepository,
    pub ids: &'a dyn IdGenerator,
}

impl HallAdministration<'_> {
    /// # Errors
    /// Storage failure.
    pub fn create(&self, name: HallName, layout: Layout) -> Result<Hall, CreateHallError> {
        let id = HallId::parse(self.ids.new_id())
            .map_err(|e| StoreError::new(format!("id generator: {e}")))?;
        let hall = Hall { id, name, layout };
        self.halls.add_hall(&hall)?;
        Ok(hall)
    }

    /// # Errors
    /// Storage failure.
    pub fn list(&self) -> Result<Vec<Hall>, StoreError> {
        self.halls.halls()
    }

    /// # Errors
    /// Unknown hall (including a malformed id) or storage failure.
    pub fn get(&self, id: &str) -> Result<Hall, GetHallError> {
        let not_found = || GetHallError::NotFound(id.to_string());
        let id = HallId::parse(id).map_err(|_| not_found())?;
        self.halls.hall(&id)?.ok_or_else(not_found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FakeIds, InMemoryTheater};

    #[test]
    fn a_created_hall_can_be_found_and_listed() {
        let store = InMemoryTheater::default();
        let ids = FakeIds::default();
        let admin = HallAdministration {
            halls: &store,
            ids: &ids,
        };
        let hall = admin
            .create(
                HallName::parse("Hall 1").unwrap(),
                Layout::rectangular(10, 12).unwrap(),
            )
            .unwrap();
        assert_eq!(hall.layout.seats_total(), 120);
        assert_eq!(admin.get(hall.id.as_str()).unwrap(), hall);
        assert_eq!(admin.list().unwrap(), vec![hall]);
    }

    #[test]
    fn an_unknown_or_malformed_hall_id_is_not_found() {
        let store = InMemoryTheater::default();
        let ids = FakeIds::default();
        let admin = HallAdministration {
            halls: &store,
            ids: &ids,
        };
        assert!(matches!(admin.get("nope"), Err(GetHallError::NotFound(_))));
        assert!(matches!(admin.get(""), Err(GetHallError::NotFound(_))));
    }
}
