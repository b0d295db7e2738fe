//! HTTP route matching with Spin's rules, on the `routefinder` crate Spin itself uses:
//! exact segments beat `:name` parameters beat trailing wildcards (`/...`), longer beats shorter;
//! a later trigger with the same route replaces an earlier one.

use std::collections::HashMap;

use anyhow::anyhow;

pub const WELL_KNOWN_PREFIX: &str = "/.well-known/spin/";

#[derive(Debug, Clone)]
struct Entry {
    component: String,
    based_route: String,
    raw_route: String,
}

#[derive(Debug)]
pub struct Router {
    inner: routefinder::Router<Entry>,
    routes: Vec<(String, String, bool)>,
}

/// The result of routing one request path.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMatch {
    pub component: String,
    /// The route as matched (`/api/...`), used for `spin-matched-route`.
    pub based_route: String,
    /// The route as written in the manifest, used for `spin-raw-component-route`.
    pub raw_route: String,
    pub path_info: String,
    pub params: Vec<(String, String)>,
}

impl RouteMatch {
    /// The synthetic match Spin uses for a service-chaining request: route `/...`, the whole path
    /// as path info.
    pub fn chained(component: &str, path: &str) -> Self {
        Self {
            component: component.to_string(),
            based_route: "/...".into(),
            raw_route: "/...".into(),
            path_info: path.to_string(),
            params: Vec::new(),
        }
    }

    /// `spin-component-route`: the raw route without its trailing `/...`.
    pub fn component_route(&self) -> &str {
        self.raw_route
            .strip_suffix("/...")
            .unwrap_or(&self.raw_route)
    }
}

impl Router {
    /// Builds the router from `(component id, raw route)` pairs in manifest order.
    ///
    /// # Errors
    /// A route routefinder cannot parse.
    pub fn build<'a>(routes: impl IntoIterator<Item = (&'a str, &'a str)>) -> anyhow::Result<Self> {
        let mut by_raw: indexmap_lite::IndexMap<Entry> = Default::default();
        for (component, raw) in routes {
            let based = based_route(raw);
            by_raw.insert(
                raw.to_string(),
                Entry {
                    component: component.to_string(),
                    based_route: based,
                    raw_route: raw.to_string(),
                },
            );
        }
        let mut inner = routefinder::Router::new();
        let mut listed = Vec::new();
        for entry in by_raw.into_values() {
            let (spec, prefix, wildcard) =
                if let Some(prefix) = entry.based_route.strip_suffix("/...") {
                    (format!("{prefix}/*"), prefix.to_string(), true)
                } else if let Some(prefix) = entry.based_route.strip_suffix("/*") {
                    (entry.based_route.clone(), prefix.to_string(), true)
                } else {
                    (entry.based_route.clone(), entry.based_route.clone(), false)
                };
            let shown = if prefix.is_empty() {
                "/".to_string()
            } else {
                prefix
            };
            listed.push((entry.component.clone(), shown, wildcard));
            inner.add(spec.as_str(), entry.clone()).map_err(|e| {
                anyhow!(
                    "Error parsing route {} associated with component {}: {e}",
                    entry.based_route,
                    entry.component
                )
            })?;
        }
        Ok(Self {
            inner,
            routes: listed,
        })
    }

    /// `(component, route, is_wildcard)` for the start-up listing.
    pub fn routes(&self) -> &[(String, String, bool)] {
        &self.routes
    }

    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let m = self.inner.best_match(path)?;
        let entry = m.handler();
        let captures = m.captures();
        let path_info = captures
            .wildcard()
            .map(|s| match (s.is_empty(), path.ends_with('/')) {
                (true, false) => s.to_string(),
                (true, true) => "/".to_string(),
                (false, false) => format!("/{s}"),
                (false, true) => format!("/{s}/"),
            })
            .unwrap_or_default();
        let params = captures
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>()
            .into_iter()
            .collect();
        Some(RouteMatch {
            component: entry.component.clone(),
            based_route: entry.based_route.clone(),
            raw_route: entry.raw_route.clone(),
            path_info,
            params,
        })
    }
}

/// Spin's normalisation: make the route absolute and strip one trailing slash.
fn based_route(raw: &str) -> String {
    let abs = if raw.starts_with('/') {
        raw.to_string()
    } else {
        format!("/{raw}")
    };
    abs.strip_suffix('/').map(str::to_string).unwrap_or(abs)
}

/// A tiny insertion-ordered map: a re-inserted key keeps its first position and takes the new
/// value, which is what Spin's route table does with duplicate routes.
mod indexmap_lite {
    pub struct IndexMap<V> {
        keys: Vec<String>,
        values: std::collections::HashMap<String, V>,
    }

    impl<V> Default for IndexMap<V> {
        fn default() -> Self {
            Self {
                keys: Vec::new(),
                values: std::collections::HashMap::new(),
            }
        }
    }

    impl<V> IndexMap<V> {
        pub fn insert(&mut self, key: String, value: V) {
            if self.values.insert(key.clone(), value).is_none() {
                self.keys.push(key);
            }
        }

        pub fn into_values(mut self) -> impl Iterator<Item = V> {
            self.keys
                .into_iter()
                .filter_map(move |k| self.values.remove(&k))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        Router::build(routes.iter().copied()).unwrap()
    }

    #[test]
    fn exact_beats_wildcard_and_longest_prefix_wins() {
        let r = router(&[
            ("all", "/..."),
            ("api", "/api/..."),
            ("exact", "/api/health"),
            ("deep", "/api/movies/..."),
        ]);
        assert_eq!(r.route("/api/health").unwrap().component, "exact");
        assert_eq!(r.route("/api/other").unwrap().component, "api");
        assert_eq!(r.route("/api/movies/1").unwrap().component, "deep");
        assert_eq!(r.route("/index.html").unwrap().component, "all");
    }

    #[test]
    fn path_info_is_the_part_after_the_wildcard_prefix() {
        let r = router(&[("api", "/api/...")]);
        assert_eq!(r.route("/api/a/b").unwrap().path_info, "/a/b");
        assert_eq!(r.route("/api").unwrap().path_info, "");
        assert_eq!(r.route("/api/").unwrap().path_info, "/");
        assert_eq!(r.route("/api/a/").unwrap().path_info, "/a/");
    }

    #[test]
    fn named_segments_are_captured() {
        let r = router(&[("one", "/movies/:id"), ("list", "/movies")]);
        let m = r.route("/movies/42").unwrap();
        assert_eq!(m.component, "one");
        assert_eq!(m.params, vec![("id".to_string(), "42".to_string())]);
        assert_eq!(r.route("/movies").unwrap().component, "list");
    }

    #[test]
    fn unmatched_paths_have_no_route() {
        let r = router(&[("api", "/api/...")]);
        assert!(r.route("/other").is_none());
    }

    #[test]
    fn a_duplicate_route_goes_to_the_later_component() {
        let r = router(&[("first", "/x"), ("second", "/x")]);
        assert_eq!(r.route("/x").unwrap().component, "second");
    }

    #[test]
    fn trailing_slashes_in_routes_are_normalised() {
        let r = router(&[("a", "/a/")]);
        assert_eq!(r.route("/a").unwrap().component, "a");
        assert_eq!(r.route("/a").unwrap().component_route(), "/a/");
    }
}
