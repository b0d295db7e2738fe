//! `GET /movies` and `GET /movies/{id}` (public through the gateway) and
//! `GET /admin/programme` (admin), read-only; and `POST /admin/events/drain` (admin, only with
//! `http_drain=true`); `GET /admin/metrics` (admin; nothing but that it answers).

use catalog_core::services::{CatalogQueries, GetMovieError};
use cinema_eventing::{dead_letters, drain_endpoint, metrics_endpoint};
use cinema_http::{ApiError, RequestContext, json};
use spin_sdk::http::{Method, Request, Response};

use crate::store::KvCatalog;

pub fn handle(req: &Request) -> Response {
    let ctx = RequestContext::from_request(req);
    let path = req.path().trim_end_matches('/');
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let result = match (segments.as_slice(), req.method()) {
        (["movies"], Method::Get) => list(),
        (["movies", movie_id], Method::Get) => get(movie_id),
        (["movies"] | ["movies", _], _) => Err(ApiError::method_not_allowed("GET")),
        (["admin", "programme"], Method::Get) => crate::programme::serve(&ctx, req.query()),
        (["admin", "programme"], _) => Err(ApiError::method_not_allowed("GET")),
        (["admin", "events", "drain"], method) => {
            drain_endpoint::serve(crate::CONTEXT, method, &ctx, crate::events::drain)
        }
        (["admin", "events", "dead-letters", rest @ ..], method) => {
            dead_letters::serve(crate::CONTEXT, method, &rest.join("/"), &ctx)
        }
        // A read model has nothing of its own worth counting: answering says it is up.
        (["admin", "metrics"], method) => {
            metrics_endpoint::serve(crate::CONTEXT, method, &ctx, || Ok(Vec::new()))
        }
        _ => Err(ApiError::not_found(format!("no route for {path}"))),
    };
    let mut response = result.unwrap_or_else(ApiError::into_response);
    response.set_header("x-correlation-id", ctx.correlation_id);
    response
}

fn list() -> Result<Response, ApiError> {
    let catalog = KvCatalog::open().map_err(internal)?;
    let movies = CatalogQueries { reader: &catalog }
        .list_movies()
        .map_err(internal)?;
    Ok(json(200, &movies))
}

fn get(movie_id: &str) -> Result<Response, ApiError> {
    let catalog = KvCatalog::open().map_err(internal)?;
    let queries = CatalogQueries { reader: &catalog };
    match queries.movie(movie_id) {
        Ok(movie) => Ok(json(200, &movie)),
        Err(e @ GetMovieError::NotFound(_)) => Err(ApiError::not_found(e.to_string())),
        Err(GetMovieError::Unexpected(e)) => Err(internal(e)),
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(crate::CONTEXT, e)
}
