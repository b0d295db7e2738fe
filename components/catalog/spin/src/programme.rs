//! `GET /admin/programme?from=&to=` (admin): the staff programme from the read model.

use catalog_core::programme::{ProgrammeQuery, ProgrammeWindow};
use cinema_http::{ApiError, RequestContext, json};
use spin_sdk::http::Response;

use crate::store::KvCatalog;

pub fn serve(ctx: &RequestContext, query: &str) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let window = ProgrammeWindow::parse(
        param(query, "from").as_deref(),
        param(query, "to").as_deref(),
        cinema_http::now(),
    )
    .map_err(|e| ApiError::validation(e.to_string()))?;
    let catalog = KvCatalog::open().map_err(internal)?;
    let programme = ProgrammeQuery { reader: &catalog }
        .programme(&window)
        .map_err(internal)?;
    Ok(json(200, &programme))
}

/// The first value of `name` in a query string, percent-decoded. A `+` stays a plus (as in an
/// offset written unencoded, `…T10:00:00+09:00`), not a space as in HTML forms.
fn param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(crate::CONTEXT, e)
}
