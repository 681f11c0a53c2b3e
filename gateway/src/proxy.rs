//! Forwarding to the services: one pooled keep-alive client for all upstreams (TCP_NODELAY),
//! a bound on requests in flight per upstream, and the headers a client may never set.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use http::header::{self, HeaderName};
use http::{HeaderMap, Request, Response};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Semaphore;

/// One service's address and its in-flight budget.
#[derive(Debug)]
pub struct Upstream {
    /// Base URL, e.g. `http://127.0.0.1:4002`.
    pub base: String,
    in_flight: Semaphore,
}

/// Why forwarding failed.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// No address configured for the service.
    #[error("no upstream configured")]
    Unconfigured,
    /// The upstream has as many requests in flight as allowed.
    #[error("too many requests in flight")]
    Overloaded,
    /// The upstream did not answer in time.
    #[error("the upstream timed out")]
    Timeout,
    /// The upstream could not be reached.
    #[error("the upstream is unreachable: {0}")]
    Unreachable(String),
}

/// Every upstream, sharing one connection pool.
#[derive(Debug, Clone)]
pub struct Upstreams {
    client: Client<HttpConnector, Full<Bytes>>,
    upstreams: Arc<BTreeMap<String, Upstream>>,
    timeout: Duration,
}

impl Upstreams {
    /// Clients for `bases` (service -> base URL).
    pub fn new(bases: BTreeMap<String, String>, max_in_flight: usize, timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .build(connector);
        let upstreams = bases
            .into_iter()
            .map(|(service, base)| {
                (
                    service,
                    Upstream {
                        base,
                        in_flight: Semaphore::new(max_in_flight),
                    },
                )
            })
            .collect();
        Self {
            client,
            upstreams: Arc::new(upstreams),
            timeout,
        }
    }

    /// Sends `request` (whose URI is a path and query) to `service`.
    ///
    /// # Errors
    ///
    /// [`ForwardError`]: unconfigured, overloaded, timed out or unreachable.
    /// Each request that reaches the service is counted in `gateway_upstream_requests_total`
    /// and timed (to its response head) in `gateway_upstream_duration_seconds`, by service.
    pub async fn send(
        &self,
        service: &'static str,
        mut request: Request<Full<Bytes>>,
    ) -> Result<Response<Body>, ForwardError> {
        let upstream = self
            .upstreams
            .get(service)
            .ok_or(ForwardError::Unconfigured)?;
        let _permit = upstream
            .in_flight
            .try_acquire()
            .map_err(|_| ForwardError::Overloaded)?;
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        *request.uri_mut() = format!("{}{path}", upstream.base)
            .parse()
            .map_err(|err: http::uri::InvalidUri| ForwardError::Unreachable(err.to_string()))?;
        let started = Instant::now();
        let response = tokio::time::timeout(self.timeout, self.client.request(request))
            .await
            .map_err(|_| ForwardError::Timeout)?
            .map_err(|err| ForwardError::Unreachable(err.to_string()))?;
        metrics::counter!("gateway_upstream_requests_total", "service" => service).increment(1);
        metrics::histogram!("gateway_upstream_duration_seconds", "service" => service)
            .record(started.elapsed().as_secs_f64());
        Ok(response.map(Body::new))
    }
}

/// Headers that describe one connection, never forwarded (RFC 9110 section 7.6.1).
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// The headers a message's `Connection` header names: they describe that one connection too,
/// and are dropped with it (RFC 9110 section 7.6.1). Empty for nearly every request.
pub fn connection_named(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::try_from(name.trim()).ok())
        .collect()
}

/// Whether a client's header may reach a service. Credentials and identity are the gateway's
/// to set: the client's `Authorization`, cookies, request id, forwarding and any
/// `x-user-*` / `x-internal-*` header are dropped, and so are hop-by-hop headers, including
/// those the request's `Connection` header names (`connection_named`).
pub fn forwardable(name: &HeaderName, connection_named: &[HeaderName]) -> bool {
    let name_str = name.as_str();
    !(HOP_BY_HOP.contains(name)
        || connection_named.contains(name)
        || *name == header::AUTHORIZATION
        || *name == header::COOKIE
        || *name == header::HOST
        || *name == header::CONTENT_LENGTH
        || name_str == "x-request-id"
        || name_str.starts_with("x-forwarded-")
        || name_str == "forwarded"
        || name_str.starts_with("x-user-")
        || name_str.starts_with("x-internal-"))
}

/// Removes hop-by-hop headers from a service's response, with those its `Connection` names.
pub fn strip_response_headers(headers: &mut HeaderMap) {
    for name in connection_named(headers) {
        headers.remove(name);
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}
