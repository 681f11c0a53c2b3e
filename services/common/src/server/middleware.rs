//! The layers every server wraps its routes in: request ids, access logs, metrics, panics.
//!
//! Order, outermost first: request id -> sensitive headers -> access log span -> metrics and
//! request context -> panic catcher -> routes, so a panic is logged, counted and answered
//! as a 500 in the common shape with its request id.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, header};
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Span;

use crate::context;
use crate::error::ApiError;

/// The request id header, generated when absent and echoed on the response.
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Makes UUIDv7 request ids (time-ordered, so logs sort naturally).
#[derive(Debug, Clone, Copy, Default)]
pub struct MakeUuidV7;

impl MakeRequestId for MakeUuidV7 {
    fn make_request_id<B>(&mut self, _request: &http::Request<B>) -> Option<RequestId> {
        let id = uuid::Uuid::now_v7().to_string();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
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

/// Removes an inbound request id that is not trusted (`trust` false) or not acceptable,
/// before anything reads it; the request id layer then makes a new one.
pub async fn sanitize_request_id(
    axum::extract::State(trust): axum::extract::State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let bad = !trust
        || request
            .headers()
            .get(&REQUEST_ID_HEADER)
            .is_some_and(|v| !v.to_str().is_ok_and(is_acceptable_request_id));
    if bad {
        request.headers_mut().remove(&REQUEST_ID_HEADER);
    }
    next.run(request).await
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

/// Records the request in Prometheus (by matched route, never by raw path) and runs the
/// handler with the request id in scope for error rendering.
pub async fn observe(request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let request_id = request_id_of(&request);
    let started = Instant::now();

    let response = context::scope(request_id, next.run(request)).await;

    let elapsed = started.elapsed();
    let route = match (response.extensions().get::<MetricsRoute>(), matched) {
        (Some(MetricsRoute(route)), _) => (*route).to_owned(),
        (None, Some(matched)) => matched.as_str().to_owned(),
        (None, None) => "unmatched".to_owned(),
    };
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request finished"
    );
    response
}

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
