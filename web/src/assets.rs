//! The files of `web/static/`, embedded at build time.

/// One embedded file.
pub struct Asset {
    /// URL path, e.g. `/js/app.js`.
    pub path: &'static str,
    pub content_type: &'static str,
    /// A strong validator: a quoted hash of `body`.
    pub etag: &'static str,
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The file at `path`, if there is one.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS
        .binary_search_by(|a| a.path.cmp(path))
        .ok()
        .map(|i| &ASSETS[i])
}
