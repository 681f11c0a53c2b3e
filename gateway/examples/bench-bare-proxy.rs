//! The floor under the gateway in its benchmark: a reverse proxy on the same stack (axum,
//! hyper-util's pooled client, TCP_NODELAY both ways) that does nothing else — no limits,
//! layers or header rules. `bench-bare-proxy <listen port> <upstream port> [<key.pem>]` maps
//! `/api/v1/...` to the upstream's `/v1/...`; given a PKCS#8 Ed25519 key, it also mints and
//! sends an internal token per request, as the gateway must.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mercato_common::token::{SigningKey, TokenMinter};

#[derive(Clone)]
struct Upstream {
    client: Client<HttpConnector, Body>,
    base: String,
    minter: Option<Arc<TokenMinter>>,
}

async fn forward(State(upstream): State<Upstream>, mut request: Request) -> Response {
    let path = request.uri().path().strip_prefix("/api").unwrap_or("/");
    let Ok(uri) = format!("{}{path}", upstream.base).parse::<Uri>() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    *request.uri_mut() = uri;
    if let Some(minter) = &upstream.minter {
        let Ok(token) = minter.mint_internal_token("gigs", None) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}")) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    match upstream.client.request(request).await {
        Ok(response) => response.map(Body::new),
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(Ok(listen)), Some(Ok(upstream))) = (
        args.first().map(|p| p.parse::<u16>()),
        args.get(1).map(|p| p.parse::<u16>()),
    ) else {
        eprintln!("usage: bench-bare-proxy <listen port> <upstream port> [<key.pem>]");
        std::process::exit(2);
    };
    let minter = match args.get(2) {
        Some(path) => {
            let pem = std::fs::read_to_string(path)?;
            let key = SigningKey::from_pkcs8_pem("bench", &pem).map_err(std::io::Error::other)?;
            Some(Arc::new(TokenMinter::new(key)))
        }
        None => None,
    };
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let upstream = Upstream {
        client: Client::builder(TokioExecutor::new()).build(connector),
        base: format!("http://127.0.0.1:{upstream}"),
        minter,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", listen))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(
        listener,
        Router::new().fallback(forward).with_state(upstream),
    )
    .await
}
