//! The web client at `/`: the built single-page application (`web/dist`), read into memory at
//! start-up and served with its caching and security headers.
//!
//! - Files under `assets/` carry a content hash in their names (the bundler's), so they are
//!   cached for a year and never revalidated; everything else (`index.html` first) is
//!   revalidated on every use through its `ETag`, so a deployment reaches browsers at once.
//! - A path that names no file and looks like a client route (no extension, not under
//!   `assets/` or `api/`) answers `index.html`, so `/gigs/…` or an email's `/verify-email?token=…`
//!   open the application, which routes them itself; a missing asset is a plain 404.
//! - Every answer carries a strict Content-Security-Policy: scripts and styles only from this
//!   origin, no inline code, connections only to this origin and the configured object storage
//!   (direct uploads and images), no framing. With a Stripe publishable key, `index.html`
//!   names it in a `<meta>` tag and the policy lets Stripe.js (and its card frames) in too.
//! - A file that shrinks under gzip is kept compressed too, and sent so to clients that accept it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use bytes::Bytes;
use http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, VARY,
};
use http::{HeaderValue, Method, StatusCode};
use mercato_common::error::ApiError;

/// Where Stripe.js and its card fields' frames load from, where 3-D Secure frames come from,
/// and the API it calls.
const STRIPE_JS: &str = "https://js.stripe.com";
const STRIPE_HOOKS: &str = "https://hooks.stripe.com";
const STRIPE_API: &str = "https://api.stripe.com";

/// Largest client build the gateway reads into memory: a build this size is a mistake
/// (source maps or media in `dist`), not an application.
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;

/// One file of the build, ready to send.
#[derive(Debug)]
struct File {
    content_type: &'static str,
    cache_control: &'static str,
    etag: HeaderValue,
    body: Bytes,
    /// The gzip form, when it is smaller.
    gzipped: Option<Bytes>,
}

/// The built client, by path relative to its root (`index.html`, `assets/index-3f2a.js`).
#[derive(Debug, Clone)]
pub struct Site {
    files: Arc<HashMap<String, File>>,
    csp: HeaderValue,
}

impl Site {
    /// Reads every file under `root`; `origins` are further origins the client may load
    /// images from and send requests to (the object storage of uploads); `stripe_key`, a
    /// publishable key, turns on the card form.
    ///
    /// # Errors
    ///
    /// `root` has no `index.html` (or one without `</head>`), a file cannot be read, or the
    /// build exceeds 64 MiB.
    pub fn load(root: &Path, origins: &[String], stripe_key: Option<&str>) -> anyhow::Result<Self> {
        let mut files = HashMap::new();
        let mut total = 0;
        for path in walk(root)? {
            let relative = path
                .strip_prefix(root)
                .context("a file outside the web root")?
                .components()
                .map(|part| part.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let mut body =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            if let (Some(key), "index.html") = (stripe_key, relative.as_str()) {
                body = with_stripe_key(&body, key)?;
            }
            total += body.len() as u64;
            anyhow::ensure!(
                total <= MAX_TOTAL_BYTES,
                "the web client in {} is larger than {MAX_TOTAL_BYTES} bytes",
                root.display()
            );
            let file = File::new(&relative, body.into())?;
            files.insert(relative, file);
        }
        anyhow::ensure!(
            files.contains_key("index.html"),
            "{} has no index.html: build the web client first (scripts/web.sh build)",
            root.display()
        );
        Ok(Self {
            files: Arc::new(files),
            csp: HeaderValue::try_from(content_security_policy(origins, stripe_key.is_some()))
                .context("an origin in WEB_ORIGINS is not a valid header value")?,
        })
    }

    /// The routes of the client: `/` and every path no other route claims.
    pub fn routes(self) -> Router {
        Router::new()
            .route("/", get(serve))
            .route("/{*path}", any(serve))
            .with_state(self)
    }

    /// The answer to `method path` with the request's `headers`.
    fn answer(&self, method: &Method, path: &str, headers: &http::HeaderMap) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return ApiError::not_found("no such route").into_response();
        }
        let path = path.trim_start_matches('/');
        let file = match self.files.get(path) {
            Some(file) => file,
            None if is_client_route(path) => &self.files["index.html"],
            None => return ApiError::not_found("no such file").into_response(),
        };
        let mut response = if matches_etag(headers, &file.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let gzip = file.gzipped.as_ref().filter(|_| accepts_gzip(headers));
            let body = gzip.unwrap_or(&file.body);
            let length = HeaderValue::from(body.len());
            let mut response = Response::new(Body::from(body.clone()));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(file.content_type));
            headers.insert(CONTENT_LENGTH, length);
            if gzip.is_some() {
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(ETAG, file.etag.clone());
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(file.cache_control));
        if file.gzipped.is_some() {
            headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
        }
        headers.insert("content-security-policy", self.csp.clone());
        headers.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
        headers.insert(
            "referrer-policy",
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        headers.insert(
            "permissions-policy",
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        );
        response
    }
}

async fn serve(State(site): State<Site>, request: Request) -> Response {
    site.answer(request.method(), request.uri().path(), request.headers())
}

impl File {
    fn new(path: &str, body: Bytes) -> anyhow::Result<Self> {
        let mut hasher = std::hash::DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = HeaderValue::try_from(format!("\"{:016x}\"", hasher.finish()))?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&body)?;
        let gzipped = encoder.finish()?;
        Ok(Self {
            content_type: content_type(path),
            // Hashed names change with their content: cache them for good. The rest is
            // revalidated (cheaply, by ETag) on every use.
            cache_control: if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            },
            etag,
            gzipped: (gzipped.len() < body.len()).then(|| gzipped.into()),
            body,
        })
    }
}

/// Every file under `root`, following no links out of it.
fn walk(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .with_context(|| format!("cannot read the web root {}", folder.display()))?
        {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    Ok(files)
}

/// A path the application routes itself: no file extension in its last segment, and not
/// under the folders of files (`assets/`) or of the API (`api/`).
fn is_client_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !path.starts_with("assets/") && !path.starts_with("api/") && !last.contains('.')
}

/// The comma-separated items of every `name` header of a request (`gzip;q=1.0`, `"3f2a"`).
fn list_items(
    headers: &http::HeaderMap,
    name: http::header::HeaderName,
) -> impl Iterator<Item = &str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
}

fn accepts_gzip(headers: &http::HeaderMap) -> bool {
    list_items(headers, ACCEPT_ENCODING).any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        name.eq_ignore_ascii_case("gzip") && !refused
    })
}

fn matches_etag(headers: &http::HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    list_items(headers, IF_NONE_MATCH)
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// The media type of a file the bundler emits, by extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `index.html` with the publishable key in a `<meta name="mercato-stripe-key">` tag, which the
/// client reads (the key is checked to be `pk_` and word characters, so it needs no escaping).
fn with_stripe_key(index: &[u8], key: &str) -> anyhow::Result<Vec<u8>> {
    let html = std::str::from_utf8(index).context("index.html is not UTF-8")?;
    let head_end = html
        .find("</head>")
        .context("index.html has no </head> to put the Stripe key before")?;
    let meta = format!("<meta name=\"mercato-stripe-key\" content=\"{key}\">");
    Ok(format!("{}{meta}{}", &html[..head_end], &html[head_end..]).into_bytes())
}

/// The policy of every page: nothing runs or loads but from this origin, `origins` (object
/// storage) for images and uploads, Stripe.js when `stripe` is on, and nothing may frame the
/// pages.
fn content_security_policy(origins: &[String], stripe: bool) -> String {
    let storage = origins.iter().map(String::as_str);
    let mut scripts = vec!["'self'"];
    let images: Vec<&str> = ["'self'", "data:", "blob:"]
        .into_iter()
        .chain(storage.clone())
        .collect();
    let mut connections: Vec<&str> = std::iter::once("'self'").chain(storage).collect();
    let mut frames = vec!["'none'"];
    if stripe {
        scripts.push(STRIPE_JS);
        connections.push(STRIPE_API);
        frames = vec![STRIPE_JS, STRIPE_HOOKS];
    }
    [
        ("default-src", vec!["'self'"]),
        ("script-src", scripts),
        ("style-src", vec!["'self'"]),
        ("img-src", images),
        ("connect-src", connections),
        ("frame-src", frames),
        ("font-src", vec!["'self'"]),
        ("object-src", vec!["'none'"]),
        ("base-uri", vec!["'self'"]),
        ("form-action", vec!["'self'"]),
        ("frame-ancestors", vec!["'none'"]),
    ]
    .map(|(directive, sources)| format!("{directive} {}", sources.join(" ")))
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_routes_open_the_application_and_files_do_not() {
        assert!(is_client_route("verify-email"));
        assert!(is_client_route("gigs/0193/edit"));
        assert!(is_client_route(""));
        assert!(!is_client_route("assets/index-3f2a.js"));
        assert!(!is_client_route("assets/missing"));
        assert!(!is_client_route("api/v2/gigs"));
        assert!(!is_client_route("favicon.ico"));
    }

    #[test]
    fn gzip_is_sent_only_to_clients_that_accept_it() {
        let with = |value: &'static str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(!with("br"));
        assert!(!with("gzip;q=0"));
        assert!(!accepts_gzip(&http::HeaderMap::new()));
    }

    #[test]
    fn the_policy_names_the_storage_origins_only_for_images_and_connections() {
        let policy = content_security_policy(&["http://127.0.0.1:8333".to_owned()], false);
        assert!(policy.contains("img-src 'self' data: blob: http://127.0.0.1:8333;"));
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:8333;"));
        assert!(policy.contains("script-src 'self';"));
        assert!(policy.contains("frame-src 'none';"));
        assert!(!policy.contains("stripe"));
        assert!(!policy.contains("unsafe"));
    }

    #[test]
    fn a_stripe_key_lets_stripe_js_its_frames_and_its_api_in_and_nothing_else() {
        let policy = content_security_policy(&[], true);
        assert!(policy.contains("script-src 'self' https://js.stripe.com;"));
        assert!(policy.contains("frame-src https://js.stripe.com https://hooks.stripe.com;"));
        assert!(policy.contains("connect-src 'self' https://api.stripe.com;"));
        assert!(policy.contains("img-src 'self' data: blob:;"));
        assert!(!policy.contains("unsafe"));
    }

    #[test]
    fn the_key_goes_into_the_head_of_index_html() {
        let page = with_stripe_key(
            b"<html><head><title>M</title></head><body></body></html>",
            "pk_test_1",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(page).unwrap(),
            "<html><head><title>M</title><meta name=\"mercato-stripe-key\" content=\"pk_test_1\"></head><body></body></html>"
        );
        assert!(with_stripe_key(b"<html><body></body></html>", "pk_test_1").is_err());
    }
}
