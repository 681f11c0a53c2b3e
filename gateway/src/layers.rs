//! A layer applied only to requests that carry a given header.
//!
//! CORS matters only to requests with an `Origin` and compression only to those with an
//! `Accept-Encoding`; most API traffic from servers and scripts sends neither, and both
//! layers cost work on every request they wrap. [`OnlyWithHeader`] sends a request through
//! the layer when the header is present and straight to the routes otherwise; either way the
//! answer is the same type.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::HeaderName;
use tower::ServiceExt;

/// Applies `layer` to the requests that carry `header`.
#[derive(Debug, Clone)]
pub struct OnlyWithHeader<L> {
    header: HeaderName,
    layer: Arc<L>,
}

impl<L> OnlyWithHeader<L> {
    /// `layer` for requests with `header`.
    pub fn new(header: HeaderName, layer: L) -> Self {
        Self {
            header,
            layer: Arc::new(layer),
        }
    }
}

impl<L, S> tower::Layer<S> for OnlyWithHeader<L> {
    type Service = WithHeaderOrNot<L, S>;

    fn layer(&self, inner: S) -> Self::Service {
        WithHeaderOrNot {
            header: self.header.clone(),
            layer: Arc::clone(&self.layer),
            inner,
        }
    }
}

/// The service of [`OnlyWithHeader`].
///
/// The router clones a route's service for every request it handles; holding the layer
/// behind an `Arc` and wrapping the inner service only for the requests that need it keeps
/// that clone to a reference count (a CORS layer's clone copies its lists).
#[derive(Debug, Clone)]
pub struct WithHeaderOrNot<L, S> {
    header: HeaderName,
    layer: Arc<L>,
    inner: S,
}

type BoxFuture<E> = Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>;

impl<L, S, B, E> tower::Service<Request> for WithHeaderOrNot<L, S>
where
    L: tower::Layer<S>,
    L::Service: tower::Service<Request, Response = http::Response<B>, Error = E> + Send + 'static,
    <L::Service as tower::Service<Request>>::Future: Send + 'static,
    S: tower::Service<Request, Response = Response, Error = E> + Clone,
    S::Future: Send + 'static,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
    E: 'static,
{
    type Response = Response;
    type Error = E;
    type Future = BoxFuture<E>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), E>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.headers().contains_key(&self.header) {
            // A fresh copy of the readied inner service, as `tower::Service` asks of a
            // service that hands its request to another.
            let inner = self.inner.clone();
            let inner = std::mem::replace(&mut self.inner, inner);
            let response = self.layer.layer(inner).oneshot(request);
            Box::pin(async move { Ok(response.await?.map(Body::new)) })
        } else {
            Box::pin(self.inner.call(request))
        }
    }
}
