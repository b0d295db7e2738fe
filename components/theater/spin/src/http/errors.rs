//! The one place where the core's errors become HTTP errors.

use cinema_http::ApiError;
use theater_core::services::halls::{CreateHallError, GetHallError};
use theater_core::services::scheduling::{RegisterMovieError, ScheduleScreeningError};
use theater_core::services::seat_maps::SeatMapError;
use theater_core::{StoreError, ValidationError};

use crate::CONTEXT;
use crate::store::TxError;

pub trait ToApiError {
    fn to_api_error(self) -> ApiError;
}

impl ToApiError for ValidationError {
    fn to_api_error(self) -> ApiError {
        ApiError::validation(self.message())
    }
}

impl ToApiError for StoreError {
    fn to_api_error(self) -> ApiError {
        ApiError::internal(CONTEXT, self)
    }
}

impl ToApiError for cinema_eventing::Error {
    fn to_api_error(self) -> ApiError {
        ApiError::internal(CONTEXT, self)
    }
}

impl<E: ToApiError> ToApiError for TxError<E> {
    fn to_api_error(self) -> ApiError {
        match self {
            TxError::Domain(e) => e.to_api_error(),
            TxError::Storage(e) => e.to_api_error(),
        }
    }
}

impl ToApiError for CreateHallError {
    fn to_api_error(self) -> ApiError {
        match self {
            CreateHallError::Unexpected(e) => e.to_api_error(),
        }
    }
}

impl ToApiError for GetHallError {
    fn to_api_error(self) -> ApiError {
        match self {
            e @ GetHallError::NotFound(_) => ApiError::not_found(e.to_string()),
            GetHallError::Unexpected(e) => e.to_api_error(),
        }
    }
}

impl ToApiError for RegisterMovieError {
    fn to_api_error(self) -> ApiError {
        match self {
            RegisterMovieError::Unexpected(e) => e.to_api_error(),
            e @ (RegisterMovieError::UnknownHall(_)
            | RegisterMovieError::ShowtimePassed(_)
            | RegisterMovieError::Overlap(_)) => ApiError::validation(e.to_string()),
        }
    }
}

impl ToApiError for ScheduleScreeningError {
    fn to_api_error(self) -> ApiError {
        match self {
            e @ ScheduleScreeningError::UnknownMovie(_) => ApiError::not_found(e.to_string()),
            ScheduleScreeningError::Unexpected(e) => e.to_api_error(),
            e @ (ScheduleScreeningError::UnknownHall(_)
            | ScheduleScreeningError::ShowtimePassed(_)
            | ScheduleScreeningError::Overlap(_)) => ApiError::validation(e.to_string()),
        }
    }
}

impl ToApiError for SeatMapError {
    fn to_api_error(self) -> ApiError {
        match self {
            e @ SeatMapError::UnknownScreening(_) => ApiError::not_found(e.to_string()),
            SeatMapError::Unexpected(e) => e.to_api_error(),
        }
    }
}
