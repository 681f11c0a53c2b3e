//! Forwarding to the services: one pooled keep-alive client for all upstreams (TCP_NODELAY),
//! a bound on requests in flight per upstream, and the headers a client may never set.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::body::Body;
use bytes::Bytes;
use http::header::{self, HeaderName};
use http::uri::{Authority, Scheme};
use http::{HeaderMap, HeaderValue, Request, Response, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Semaphore;

/// One service's address, its in-flight budget and its metrics.
#[derive(Debug)]
pub struct Upstream {
    /// Where the service listens, e.g. `127.0.0.1:4002` (plain HTTP).
    authority: Authority,
    /// The same, as the `Host` header: the client would otherwise format it per request.
    host: HeaderValue,
    in_flight: Semaphore,
    /// Registered once: looking a metric up by name and labels costs on every request.
    requests: metrics::Counter,
    duration: metrics::Histogram,
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
    /// Clients for `bases` (service -> `http://host:port`).
    ///
    /// # Errors
    ///
    /// A base is not an `http://` URL with a host.
    pub fn new(
        bases: BTreeMap<String, String>,
        max_in_flight: usize,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
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
                let authority = base
                    .parse::<Uri>()
                    .ok()
                    .filter(|uri| uri.scheme() == Some(&Scheme::HTTP))
                    .and_then(|uri| uri.authority().cloned())
                    .with_context(|| format!("upstream {base:?} is not an http:// URL"))?;
                let host = HeaderValue::from_str(authority.as_str())?;
                let upstream = Upstream {
                    authority,
                    host,
                    in_flight: Semaphore::new(max_in_flight),
                    requests: metrics::counter!("gateway_upstream_requests_total", "service" => service.clone()),
                    duration: metrics::histogram!("gateway_upstream_duration_seconds", "service" => service.clone()),
                };
                Ok((service, upstream))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            client,
            upstreams: Arc::new(upstreams),
            timeout,
        })
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
        // Put together from parts: formatting and parsing a URL string costs more.
        let mut uri = std::mem::take(request.uri_mut()).into_parts();
        uri.scheme = Some(Scheme::HTTP);
        uri.authority = Some(upstream.authority.clone());
        *request.uri_mut() =
            Uri::from_parts(uri).map_err(|err| ForwardError::Unreachable(err.to_string()))?;
        request
            .headers_mut()
            .insert(header::HOST, upstream.host.clone());
        let started = Instant::now();
        // Boxed: the client's future is large, and every await level would copy it.
        let response = Box::pin(tokio::time::timeout(
            self.timeout,
            self.client.request(request),
        ))
        .await
        .map_err(|_| ForwardError::Timeout)?
        .map_err(|err| ForwardError::Unreachable(err.to_string()))?;
        upstream.requests.increment(1);
        upstream.duration.record(started.elapsed().as_secs_f64());
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
