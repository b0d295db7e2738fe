//! The query use case: a customer's page, read from the read model only.

use crate::listing::{MyReservation, present};
use crate::ports::{CustomerIndex, ReservationViews, Screenings, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("{0}")]
    Unexpected(#[from] StoreError),
}

pub struct MyReservations<'a, V, I, S> {
    pub views: &'a V,
    pub index: &'a I,
    pub screenings: &'a S,
}

impl<V: ReservationViews, I: CustomerIndex, S: Screenings> MyReservations<'_, V, I, S> {
    /// The customer's reservations, newest first, with their screenings joined in.
    ///
    /// # Errors
    /// [`ListError::Unexpected`] when the store fails.
    pub fn list(&self, customer_id: &str) -> Result<Vec<MyReservation>, ListError> {
        let ids = self.index.list(customer_id)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The index is the customer's own; the check guards against a view filed under the
        // wrong customer ever leaking.
        let views: Vec<_> = self
            .views
            .get_many(&ids)?
            .into_iter()
            .filter(|v| v.customer_id == customer_id)
            .collect();
        let mut screening_ids: Vec<String> = views
            .iter()
            .filter_map(|v| v.screening_id.clone())
            .collect();
        screening_ids.sort();
        screening_ids.dedup();
        let screenings = if screening_ids.is_empty() {
            Vec::new()
        } else {
            self.screenings.get_many(&screening_ids)?
        };
        Ok(present(views, &screenings))
    }
}
