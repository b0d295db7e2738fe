//! In-memory fakes of every port (feature `testing`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use crate::StoreError;
use crate::documents::{MovieDoc, MovieIndex, ScreeningDoc};
use crate::ports::{CatalogReader, CatalogWriter, Inbox};
use crate::sales::{BookingDoc, SalesDoc};

#[derive(Default)]
pub struct InMemoryCatalog {
    index: RefCell<Option<MovieIndex>>,
    movies: RefCell<BTreeMap<String, MovieDoc>>,
    screenings: RefCell<BTreeMap<String, ScreeningDoc>>,
    bookings: RefCell<BTreeMap<String, BookingDoc>>,
    sales: RefCell<BTreeMap<String, SalesDoc>>,
    inbox: RefCell<BTreeSet<String>>,
}

/// Returns the document as stored after the change.
fn update<K: Ord + Clone, T: Clone>(
    map: &RefCell<BTreeMap<K, T>>,
    key: &K,
    change: &dyn Fn(Option<T>) -> Option<T>,
) -> Option<T> {
    let current = map.borrow().get(key).cloned();
    if let Some(next) = change(current) {
        map.borrow_mut().insert(key.clone(), next);
    }
    map.borrow().get(key).cloned()
}

impl CatalogReader for InMemoryCatalog {
    fn movie_index(&self) -> Result<Option<MovieIndex>, StoreError> {
        Ok(self.index.borrow().clone())
    }

    fn movie(&self, movie_id: &str) -> Result<Option<MovieDoc>, StoreError> {
        Ok(self.movies.borrow().get(movie_id).cloned())
    }

    fn screening(&self, screening_id: &str) -> Result<Option<ScreeningDoc>, StoreError> {
        Ok(self.screenings.borrow().get(screening_id).cloned())
    }

    fn sales(&self, screening_id: &str) -> Result<Option<SalesDoc>, StoreError> {
        Ok(self.sales.borrow().get(screening_id).cloned())
    }
}

impl CatalogWriter for InMemoryCatalog {
    fn update_index(
        &self,
        change: &dyn Fn(Option<MovieIndex>) -> Option<MovieIndex>,
    ) -> Result<(), StoreError> {
        let current = self.index.borrow().clone();
        if let Some(next) = change(current) {
            *self.index.borrow_mut() = Some(next);
        }
        Ok(())
    }

    fn update_movie(
        &self,
        movie_id: &str,
        change: &dyn Fn(Option<MovieDoc>) -> Option<MovieDoc>,
    ) -> Result<(), StoreError> {
        update(&self.movies, &movie_id.to_string(), change);
        Ok(())
    }

    fn update_screening(
        &self,
        screening_id: &str,
        change: &dyn Fn(Option<ScreeningDoc>) -> Option<ScreeningDoc>,
    ) -> Result<(), StoreError> {
        update(&self.screenings, &screening_id.to_string(), change);
        Ok(())
    }

    fn update_booking(
        &self,
        reservation_id: &str,
        change: &dyn Fn(Option<BookingDoc>) -> Option<BookingDoc>,
    ) -> Result<Option<BookingDoc>, StoreError> {
        Ok(update(&self.bookings, &reservation_id.to_string(), change))
    }

    fn update_sales(
        &self,
        screening_id: &str,
        change: &dyn Fn(Option<SalesDoc>) -> Option<SalesDoc>,
    ) -> Result<(), StoreError> {
        update(&self.sales, &screening_id.to_string(), change);
        Ok(())
    }
}

impl InMemoryCatalog {
    /// The booking document of a reservation, as the projector left it.
    pub fn booking(&self, reservation_id: &str) -> Option<BookingDoc> {
        self.bookings.borrow().get(reservation_id).cloned()
    }
}

impl Inbox for InMemoryCatalog {
    fn seen(&self, event_id: &str) -> Result<bool, StoreError> {
        Ok(self.inbox.borrow().contains(event_id))
    }

    fn record(&self, event_id: &str) -> Result<(), StoreError> {
        self.inbox.borrow_mut().insert(event_id.to_string());
        Ok(())
    }
}
