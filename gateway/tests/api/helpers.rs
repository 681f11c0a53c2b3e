//! A gateway on port 0 in front of an echo upstream that shows what it received.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use clap::Parser;
use mercato_common::server::Shutdown;
use mercato_common::testing::TestKeys;
use mercato_gateway::Config;
use mercato_gateway::limits::Clock;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// Echoes the request, or plays auth for the session routes. Headers steer it:
/// `x-test-status` answers that status, `x-test-sleep-ms` waits first.
async fn echo(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(axum::body::Body::new(body), usize::MAX)
        .await
        .unwrap();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let Some(ms) = header("x-test-sleep-ms") {
        tokio::time::sleep(Duration::from_millis(ms.parse().unwrap())).await;
    }
    if let Some(status) = header("x-test-status") {
        let status = StatusCode::from_u16(status.parse().unwrap()).unwrap();
        let body =
            json!({"error": {"code": "teapot", "message": "internal detail: db at 10.0.0.1"}});
        return (status, axum::Json(body)).into_response();
    }
    let path = parts.uri.path().to_owned();
    if matches!(
        path.as_str(),
        "/v1/auth/signin" | "/v1/auth/signup" | "/v1/auth/refresh" | "/v1/auth/signin/otp"
    ) {
        let received: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        return axum::Json(json!({
            "user": {"id": "0192f0c4-5b1e-7c3a-9d2e-1f2a3b4c5d6e", "username": "alice", "email_verified": true},
            "refresh_token": format!("refresh-{}", uuid::Uuid::now_v7()),
            "refresh_expires_in": 3600,
            "received": received,
        }))
        .into_response();
    }
    if path == "/v1/auth/signout" {
        return StatusCode::NO_CONTENT.into_response();
    }
    let headers: serde_json::Map<String, Value> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                Value::String(v.to_str().unwrap_or_default().to_owned()),
            )
        })
        .collect();
    axum::Json(json!({
        "method": parts.method.as_str(),
        "path": path,
        "query": parts.uri.query(),
        "body": String::from_utf8_lossy(&body),
        "headers": headers,
    }))
    .into_response()
}

/// Starts an echo upstream and returns its base URL.
pub async fn start_upstream() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, Router::new().fallback(echo)).await });
    format!("http://{addr}")
}

pub struct TestGateway {
    pub addr: SocketAddr,
    pub keys: TestKeys,
    pub client: reqwest::Client,
}

/// Gateway options a test can change.
pub struct Options {
    pub upstreams: Vec<String>,
    pub keys: TestKeys,
    pub redis_prefix: String,
    pub extra: Vec<String>,
    /// The rate limiter's clock: the system's, or one the test sets.
    pub clock: Clock,
}

impl Options {
    pub fn new(upstream: &str) -> Self {
        Self {
            upstreams: ["auth", "users", "gigs", "orders", "reviews"]
                .iter()
                .map(|s| format!("{s}={upstream}"))
                .collect(),
            keys: TestKeys::new(),
            redis_prefix: format!("test:{}:", uuid::Uuid::now_v7().simple()),
            extra: Vec::new(),
            clock: Clock::system(),
        }
    }
}

pub async fn start_gateway(options: Options) -> TestGateway {
    let pem = options.keys.signing.to_pkcs8_pem().unwrap();
    let mut args = vec![
        "gateway".to_owned(),
        "--listen-addr=127.0.0.1:0".to_owned(),
        "--shutdown-drain-seconds=0".to_owned(),
        format!("--token-signing-key={}", pem.expose_secret()),
        format!("--token-signing-kid={}", options.keys.signing.kid()),
        format!("--upstreams={}", options.upstreams.join(",")),
        "--cookie-secure=false".to_owned(),
        "--allowed-origins=https://app.mercato.test".to_owned(),
        format!("--redis-prefix={}", options.redis_prefix),
        "--upstream-timeout-seconds=1".to_owned(),
    ];
    args.extend(options.extra);
    let config = Config::try_parse_from(args).unwrap();
    let server = mercato_gateway::server_with_clock(&config, Shutdown::new(), options.clock)
        .await
        .unwrap()
        .bind()
        .await
        .unwrap();
    let addr = server.local_addr();
    tokio::spawn(server.run());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestGateway {
        addr,
        keys: options.keys,
        client,
    }
}

impl TestGateway {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A plain `GET path`, with no credentials.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// The response's JSON and headers.
pub async fn read(response: reqwest::Response) -> (u16, HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}
