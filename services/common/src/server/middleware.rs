//! The layers every server wraps its routes in: request ids, access logs, metrics, panics.
//!
//! Order, outermost first: [`Observe`] (request id, sensitive headers, request context,
//! metrics) -> access log span -> panic catcher -> routes, so a panic is logged, counted and
//! answered as a 500 in the common shape with its request id.
//!
//! [`Observe`] is one layer of our own rather than five (two `from_fn` middlewares and
//! tower-http's two request-id layers and sensitive-header layer): every request passes
//! through it, and each layer of the kind it replaces boxed a future, cloned a service or
//! looked headers up per request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, Method, header};
use metrics::SharedString;
use tracing::Span;

use crate::context;
use crate::error::ApiError;

/// The request id header, generated when absent and echoed on the response.
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The layer of [`Observe`].
#[derive(Debug, Clone, Copy)]
pub struct ObserveLayer {
    /// Whether an inbound request id is kept (behind a trusted proxy) or replaced.
    pub trust_request_id: bool,
}

impl<S> tower::Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            trust_request_id: self.trust_request_id,
        }
    }
}

/// Gives each request its id (a UUIDv7 unless a trusted, acceptable one came in), runs it with
/// the id in scope for error rendering, echoes the id on the response, and records it in
/// Prometheus by matched route (never by raw path).
#[derive(Debug, Clone)]
pub struct Observe<S> {
    inner: S,
    trust_request_id: bool,
}

impl<S, B> tower::Service<Request> for Observe<S>
where
    S: tower::Service<Request, Response = http::Response<B>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<B>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<B>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let inbound = request
            .headers()
            .get(&REQUEST_ID_HEADER)
            .filter(|_| self.trust_request_id)
            .and_then(|v| v.to_str().ok())
            .filter(|v| is_acceptable_request_id(v))
            .map(str::to_owned);
        let request_id = inbound.unwrap_or_else(|| {
            let mut buffer = uuid::Uuid::encode_buffer();
            uuid::Uuid::now_v7()
                .hyphenated()
                .encode_lower(&mut buffer)
                .to_owned()
        });
        let header = HeaderValue::try_from(request_id.as_str())
            .unwrap_or_else(|_| HeaderValue::from_static("-"));
        let headers = request.headers_mut();
        for (name, value) in headers.iter_mut() {
            if SENSITIVE_HEADERS.contains(name) {
                value.set_sensitive(true);
            }
        }
        headers.insert(REQUEST_ID_HEADER.clone(), header.clone());
        let method = method_label(request.method());
        let matched = request.extensions().get::<MatchedPath>().cloned();
        let started = Instant::now();
        let response = context::scope(request_id, self.inner.call(request));
        Box::pin(async move {
            let mut response = response.await?;
            let elapsed = started.elapsed();
            let route = match (response.extensions().get::<MetricsRoute>(), &matched) {
                (Some(MetricsRoute(route)), _) => route,
                (None, Some(matched)) => matched.as_str(),
                (None, None) => "unmatched",
            };
            let (requests, durations) = request_metrics(method, route, response.status().as_u16());
            requests.increment(1);
            durations.record(elapsed.as_secs_f64());
            tracing::info!(
                status = response.status().as_u16(),
                latency_ms = elapsed.as_secs_f64() * 1000.0,
                "request finished"
            );
            response
                .headers_mut()
                .insert(REQUEST_ID_HEADER.clone(), header);
            Ok(response)
        })
    }
}

/// The request counter and duration histogram of one method, route and status.
type RequestMetrics = (metrics::Counter, metrics::Histogram);

/// Which series a request is counted in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SeriesKey {
    method: &'static str,
    route: Box<str>,
    status: u16,
}

/// A [`SeriesKey`] of borrowed parts, so a lookup allocates nothing.
#[derive(Debug, Hash)]
struct SeriesLookup<'a> {
    method: &'static str,
    route: &'a str,
    status: u16,
}

impl quick_cache::Equivalent<SeriesKey> for SeriesLookup<'_> {
    fn equivalent(&self, key: &SeriesKey) -> bool {
        self.method == key.method && self.route == &*key.route && self.status == key.status
    }
}

/// The metric handles of a request's series, registered on its first request and kept:
/// finding a metric by name and labels costs more than counting in it, on every request.
/// Routes are patterns, so the series are few; the bound only guards against surprises.
fn request_metrics(method: &'static str, route: &str, status: u16) -> RequestMetrics {
    static SERIES: std::sync::OnceLock<quick_cache::sync::Cache<SeriesKey, RequestMetrics>> =
        std::sync::OnceLock::new();
    let series = SERIES.get_or_init(|| quick_cache::sync::Cache::new(4096));
    let lookup = SeriesLookup {
        method,
        route,
        status,
    };
    if let Some(handles) = series.get(&lookup) {
        return handles;
    }
    let labels = [
        ("method", SharedString::const_str(method)),
        ("route", SharedString::from(route.to_owned())),
        ("status", status_label(status)),
    ];
    let handles = (
        metrics::counter!("http_requests_total", &labels),
        metrics::histogram!("http_request_duration_seconds", &labels),
    );
    series.insert(
        SeriesKey {
            method,
            route: route.into(),
            status,
        },
        handles.clone(),
    );
    handles
}

/// The method as a label without allocating (any other method is `other`).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The status as a label, without allocating for the statuses the platform answers.
fn status_label(status: u16) -> SharedString {
    const COMMON: [(u16, &str); 22] = [
        (200, "200"),
        (201, "201"),
        (202, "202"),
        (204, "204"),
        (301, "301"),
        (302, "302"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (409, "409"),
        (413, "413"),
        (415, "415"),
        (422, "422"),
        (429, "429"),
        (500, "500"),
        (501, "501"),
        (502, "502"),
        (503, "503"),
        (504, "504"),
    ];
    COMMON.iter().find(|(code, _)| *code == status).map_or_else(
        || status.to_string().into(),
        |(_, label)| SharedString::const_str(label),
    )
}

/// Whether a request id from upstream is safe to log and echo: short, and made of characters
/// that cannot forge log structure.
pub fn is_acceptable_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The request id of a request, as set by the request id layer.
pub fn request_id_of<B>(request: &http::Request<B>) -> String {
    request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// The access-log span of a request. Only method, path and request id: never headers, so
/// `Authorization` and `Cookie` cannot reach the logs.
pub fn make_span<B>(request: &http::Request<B>) -> Span {
    tracing::info_span!(
        "http",
        request_id = %request_id_of(request),
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// The route a response is counted under, set as a response extension by a handler that
/// serves many routes behind one catch-all (the gateway's `/api/v1/{*rest}`) and knows which
/// of them it answered. Always a pattern, never a raw path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsRoute(pub &'static str);

/// Turns a handler panic into a 500 in the common shape.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic message may hold internal detail; the panic hook already logged it.
    ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// The common-shape answer for a path no route matches.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

/// The common-shape answer for a known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method",
    )
}

/// Headers that must never be logged, even by a layer that logs headers.
pub const SENSITIVE_HEADERS: [HeaderName; 3] =
    [header::AUTHORIZATION, header::COOKIE, header::SET_COOKIE];

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::{Layer, ServiceExt};

    use super::*;

    /// What the routes behind [`Observe`] saw of a request.
    #[derive(Debug)]
    struct Seen {
        request_id: String,
        sensitive: Vec<bool>,
    }

    async fn observed(request: Request, trust_request_id: bool) -> (Seen, Response) {
        let (sender, receiver) = std::sync::mpsc::channel();
        let routes = tower::service_fn(move |request: Request| {
            let headers = request.headers();
            let seen = Seen {
                request_id: headers[&REQUEST_ID_HEADER].to_str().unwrap().to_owned(),
                sensitive: [header::AUTHORIZATION, header::COOKIE, header::ACCEPT]
                    .iter()
                    .map(|name| headers[name].is_sensitive())
                    .collect(),
            };
            sender.send(seen).unwrap();
            async { Ok::<_, std::convert::Infallible>(Response::new(Body::empty())) }
        });
        let response = ObserveLayer { trust_request_id }
            .layer(routes)
            .oneshot(request)
            .await
            .unwrap();
        (receiver.recv().unwrap(), response)
    }

    fn request(request_id: &str) -> Request {
        http::Request::get("/v1/anything")
            .header(header::AUTHORIZATION, "Bearer secret")
            .header(header::COOKIE, "refresh=secret")
            .header(header::ACCEPT, "application/json")
            .header(&REQUEST_ID_HEADER, request_id)
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn credentials_are_marked_sensitive_before_the_routes_see_them() {
        let (seen, _) = observed(request("req-1"), true).await;
        assert_eq!(seen.sensitive, [true, true, false]);
    }

    #[tokio::test]
    async fn a_trusted_request_id_is_kept_and_echoed() {
        let (seen, response) = observed(request("req-1"), true).await;
        assert_eq!(seen.request_id, "req-1");
        assert_eq!(response.headers()[&REQUEST_ID_HEADER], "req-1");
    }

    #[tokio::test]
    async fn an_untrusted_request_id_is_replaced_by_a_fresh_uuid() {
        let (seen, response) = observed(request("req-1"), false).await;
        let fresh = uuid::Uuid::parse_str(&seen.request_id).expect("a UUID");
        assert_eq!(fresh.get_version_num(), 7);
        assert_eq!(seen.request_id, fresh.hyphenated().to_string());
        assert_eq!(
            response.headers()[&REQUEST_ID_HEADER],
            seen.request_id.as_str()
        );
    }
}
