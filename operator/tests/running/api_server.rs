//! The in-memory API server of `reconcile/fake.rs` over HTTP, so the real `mercato-operator`
//! binary (or its container image) can run against it: every request is answered by the fake,
//! except watches, which it holds open without events (the operator then acts on what its
//! lists found, as after a real watch's initial list).

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;

use super::fake::Cluster;

/// Serves `cluster` on `127.0.0.1` at a free port, until the runtime ends.
pub async fn serve(cluster: Cluster) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    let app = axum::Router::new().fallback(answer).with_state(cluster);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn answer(State(cluster): State<Cluster>, request: Request) -> Response {
    let query = request.uri().query().unwrap_or_default().to_owned();
    if query
        .split('&')
        .any(|p| p == "watch=true" || p == "watch=1")
    {
        return Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(futures_util::stream::pending::<
                Result<Bytes, Infallible>,
            >()))
            .expect("a response");
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    let forwarded = http::Request::from_parts(parts, kube::client::Body::from(bytes.to_vec()));
    let (parts, body) = cluster.answer(forwarded).await.into_parts();
    let bytes = body.collect_bytes().await.unwrap_or_default();
    Response::from_parts(parts, Body::from(bytes))
}
