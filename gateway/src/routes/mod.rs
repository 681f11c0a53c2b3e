//! The public API's route table: every route of `docs/architecture.md` section 10, the service that
//! owns it, and whether it needs a signed-in caller.
//!
//! A public path `/api/v1/<rest>` is forwarded to the owning service as `/v1/<rest>`. Matching
//! is by segments, in table order, with literal segments listed before parameters
//! (`/gigs/top` before `/gigs/{id}`), so overlapping routes need no special care.

use http::Method;

/// The public API's prefix; a route's path is relative to it.
pub const PREFIX: &str = "/api/v1";

/// Who may call a route, as far as the gateway checks (services check ownership themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; a signed-in caller's identity is still forwarded.
    Public,
    /// A signed-in caller only.
    SignedIn,
}

/// What the gateway does with the response besides forwarding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// Nothing.
    None,
    /// The response carries a user and a refresh token: mint an access token, set cookies.
    Issue,
    /// Clear the session cookies.
    Clear,
}

/// One route of the public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Path under `/api/v1`, with `{param}` segments.
    pub path: &'static str,
    /// The owning service.
    pub service: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Session handling.
    pub session: Session,
    /// One line for the OpenAPI document.
    pub summary: &'static str,
    /// Whether requests also count against the per-account limit, and where they name the
    /// account.
    pub account_limit: Option<AccountLimit>,
}

/// Where a request names the account it counts against for the per-account limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountLimit {
    /// A string field of the JSON body (compared case-insensitively).
    BodyField(&'static str),
    /// The signed-in caller.
    Caller,
}

impl Route {
    /// The route with requests also counted per account, named as `by` says.
    const fn limited(mut self, by: AccountLimit) -> Self {
        self.account_limit = Some(by);
        self
    }
}

mod table;

/// Every public route. Literal segments come before parameters at the same position.
pub static ROUTES: &[Route] = table::TABLE;

/// Every service the table forwards to.
pub const SERVICES: [&str; 6] = ["auth", "users", "gigs", "chat", "orders", "reviews"];

/// The outcome of matching a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// A route for this method and path.
    Found(&'static Route),
    /// The path exists with other methods.
    WrongMethod,
    /// No route has this path.
    NotFound,
}

/// The longest route, in segments (the empty one before the first `/` included); a longer
/// path matches nothing.
const MAX_SEGMENTS: usize = longest_route(table::TABLE);

const fn longest_route(routes: &[Route]) -> usize {
    let mut longest = 0;
    let mut i = 0;
    while i < routes.len() {
        let path = routes[i].path.as_bytes();
        let mut segments = 1;
        let mut j = 0;
        while j < path.len() {
            if path[j] == b'/' {
                segments += 1;
            }
            j += 1;
        }
        if segments > longest {
            longest = segments;
        }
        i += 1;
    }
    longest
}

/// A route of [`ROUTES`] prepared once, in table order: its pattern split into segments, so a
/// request compares a few segments instead of re-splitting ~50 patterns, and its full public
/// path for metrics and the OpenAPI document.
struct Prepared {
    segments: Vec<&'static str>,
    public_path: String,
}

static PREPARED: std::sync::LazyLock<Vec<Prepared>> = std::sync::LazyLock::new(|| {
    ROUTES
        .iter()
        .map(|route| Prepared {
            segments: route.path.split('/').collect(),
            public_path: format!("{PREFIX}{}", route.path),
        })
        .collect()
});

fn segments_match(pattern: &[&str], path: &[&str]) -> bool {
    pattern.len() == path.len()
        && pattern.iter().zip(path).all(|(p, s)| {
            if p.starts_with('{') {
                !s.is_empty()
            } else {
                p == s
            }
        })
}

/// The full public path pattern of a route of [`ROUTES`], e.g. `/api/v1/gigs/{id}`.
pub fn public_path(route: &'static Route) -> &'static str {
    ROUTES
        .iter()
        .zip(PREPARED.iter())
        .find(|(candidate, _)| std::ptr::eq(*candidate, route))
        .map_or(route.path, |(_, prepared)| prepared.public_path.as_str())
}

/// Finds the route for `method` and `path` (the part after `/api/v1`).
pub fn find(method: &Method, path: &str) -> Match {
    let mut segments = [""; MAX_SEGMENTS];
    let mut count = 0;
    for segment in path.split('/') {
        let Some(slot) = segments.get_mut(count) else {
            return Match::NotFound;
        };
        *slot = segment;
        count += 1;
    }
    let segments = &segments[..count];
    let mut path_known = false;
    for (route, prepared) in ROUTES.iter().zip(PREPARED.iter()) {
        if segments_match(&prepared.segments, segments) {
            if route.method == *method {
                return Match::Found(route);
            }
            path_known = true;
        }
    }
    if path_known {
        Match::WrongMethod
    } else {
        Match::NotFound
    }
}

/// The methods some route serves at `path` (the part after `/api/v1`), in table order: the
/// `Allow` header of a 405.
pub fn allowed_methods(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut methods: Vec<&str> = Vec::new();
    for (route, prepared) in ROUTES.iter().zip(PREPARED.iter()) {
        if segments_match(&prepared.segments, &segments)
            && !methods.contains(&route.method.as_str())
        {
            methods.push(route.method.as_str());
        }
    }
    methods.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(method: Method, path: &str) -> Option<&'static str> {
        match find(&method, path) {
            Match::Found(route) => Some(route.service),
            _ => None,
        }
    }

    #[test]
    fn overlapping_paths_go_to_their_owners() {
        assert_eq!(service(Method::GET, "/sellers/me/x"), None);
        assert_eq!(service(Method::GET, "/sellers/random"), Some("users"));
        assert_eq!(service(Method::GET, "/sellers/0192/gigs"), Some("gigs"));
        assert_eq!(
            service(Method::GET, "/sellers/0192/reviews"),
            Some("reviews")
        );
        assert_eq!(service(Method::GET, "/sellers/0192"), Some("users"));
        assert_eq!(service(Method::GET, "/gigs/top"), Some("gigs"));
        assert_eq!(service(Method::GET, "/gigs/0192/reviews"), Some("reviews"));
        assert_eq!(service(Method::GET, "/buyers/me"), Some("users"));
        assert_eq!(
            service(Method::GET, "/buyers/0192/reviews"),
            Some("reviews")
        );
        assert_eq!(
            service(Method::POST, "/orders/1/extensions/2/approve"),
            Some("orders")
        );
    }

    #[test]
    fn a_known_path_with_another_method_is_told_apart_from_an_unknown_path() {
        assert_eq!(find(&Method::DELETE, "/auth/me"), Match::WrongMethod);
        assert_eq!(find(&Method::GET, "/nope"), Match::NotFound);
        assert_eq!(
            find(&Method::GET, "/gigs/"),
            Match::NotFound,
            "an empty parameter matches nothing"
        );
    }

    #[test]
    fn public_paths_carry_the_api_prefix() {
        let Match::Found(route) = find(&Method::GET, "/gigs/0192/reviews") else {
            panic!("no route");
        };
        assert_eq!(public_path(route), "/api/v1/gigs/{id}/reviews");
    }

    #[test]
    fn the_longest_route_matches_and_one_segment_more_matches_nothing() {
        let longest = ROUTES
            .iter()
            .max_by_key(|r| r.path.split('/').count())
            .expect("routes");
        let path = longest.path.replace("{id}", "1").replace("{eid}", "2");
        assert_eq!(path.split('/').count(), MAX_SEGMENTS);

        assert_eq!(find(&longest.method, &path), Match::Found(longest));
        assert_eq!(
            find(&longest.method, &format!("{path}/more")),
            Match::NotFound,
            "a longer path is not cut to the limit and matched"
        );
    }

    #[test]
    fn sign_in_style_routes_count_per_account_where_they_name_it() {
        let limited: Vec<(&str, AccountLimit)> = ROUTES
            .iter()
            .filter_map(|r| Some((r.path, r.account_limit?)))
            .collect();
        assert_eq!(
            limited,
            [
                ("/auth/signin", AccountLimit::BodyField("login")),
                ("/auth/signin/otp", AccountLimit::BodyField("challenge_id")),
                ("/auth/verify-email/resend", AccountLimit::Caller),
                ("/auth/password/forgot", AccountLimit::BodyField("email")),
                ("/auth/password/reset", AccountLimit::BodyField("token")),
            ]
        );
    }

    #[test]
    fn every_route_is_reachable_in_table_order() {
        for route in ROUTES {
            let concrete = route
                .path
                .replace("{id}", "1")
                .replace("{eid}", "2")
                .replace("{username}", "alice");
            match find(&route.method, &concrete) {
                Match::Found(found) => {
                    assert_eq!(found, route, "{} {} is shadowed", route.method, route.path)
                }
                other => panic!("{} {}: {other:?}", route.method, route.path),
            }
        }
    }
}
