//! Test support (feature `test-support`): run components on port 0 and keep tests apart.
//!
//! Tests run in parallel against shared local servers (PostgreSQL, MariaDB, RabbitMQ, Redis,
//! the MongoDB-wire server), so every test takes its own names from [`TestNames`] and never
//! touches another test's database, exchange or keys.

use std::net::SocketAddr;
use std::time::Duration;

use uuid::Uuid;

use crate::server::{HttpServer, Shutdown};
use crate::token::{Caller, Jwks, KeySet, SigningKey, TokenMinter, TokenVerifier};

/// Names that belong to one test only.
#[derive(Debug, Clone)]
pub struct TestNames {
    /// Unique suffix shared by all names (32 hex digits).
    pub suffix: String,
    /// A database name: `test_<suffix>`.
    pub database: String,
    /// A RabbitMQ exchange name: `test.<suffix>`.
    pub exchange: String,
    /// A Redis key prefix: `test:<suffix>:`.
    pub redis_prefix: String,
}

impl TestNames {
    /// Fresh names.
    pub fn new() -> Self {
        let suffix = Uuid::now_v7().simple().to_string();
        Self {
            database: format!("test_{suffix}"),
            exchange: format!("test.{suffix}"),
            redis_prefix: format!("test:{suffix}:"),
            suffix,
        }
    }

    /// A name for anything else, `<prefix>_<suffix>`.
    pub fn named(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.suffix)
    }
}

impl Default for TestNames {
    fn default() -> Self {
        Self::new()
    }
}

/// A fresh gateway key pair, so tests can mint any token a gateway would.
#[derive(Debug, Clone)]
pub struct TestKeys {
    /// The private key.
    pub signing: SigningKey,
    /// The public key set holding it.
    pub jwks: Jwks,
}

impl TestKeys {
    /// A new random key pair with kid `test`.
    ///
    /// # Panics
    ///
    /// If the operating system has no randomness (never in practice).
    pub fn new() -> Self {
        Self::with_kid("test")
    }

    /// A new random key pair with kid `kid` (for rotations: two keys, two kids).
    ///
    /// # Panics
    ///
    /// If the operating system has no randomness (never in practice).
    pub fn with_kid(kid: &str) -> Self {
        let signing = SigningKey::generate(kid).expect("randomness is available");
        let jwks = Jwks {
            keys: vec![signing.public_jwk()],
        };
        Self { signing, jwks }
    }

    /// The public keys as a [`KeySet`].
    ///
    /// # Panics
    ///
    /// Never: the set is built from a valid key.
    pub fn key_set(&self) -> KeySet {
        KeySet::from_jwks(&self.jwks).expect("a generated key makes a valid set")
    }

    /// The JWKS document as JSON.
    ///
    /// # Panics
    ///
    /// Never: the document always serializes.
    pub fn jwks_json(&self) -> String {
        serde_json::to_string(&self.jwks).expect("a JWKS serializes")
    }

    /// A minter with this key, as the gateway has.
    pub fn minter(&self) -> TokenMinter {
        TokenMinter::new(self.signing.clone())
    }

    /// A verifier for internal tokens to `service`, as that service has.
    pub fn verifier(&self, service: &str) -> TokenVerifier {
        TokenVerifier::internal(self.key_set(), service)
    }

    /// A user access token that expired a minute ago (beyond any leeway).
    ///
    /// # Panics
    ///
    /// Never: signing with a valid key does not fail.
    pub fn expired_user_token(&self, caller: &Caller) -> String {
        let now = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
        .unwrap_or(0);
        let claims = crate::token::Claims {
            iss: crate::token::ISSUER.to_owned(),
            aud: crate::token::USER_AUDIENCE.to_owned(),
            sub: Some(caller.user_id.to_string()),
            exp: now - 60,
            iat: now - 960,
            jti: None,
            username: Some(caller.username.clone()),
            email_verified: Some(caller.email_verified),
        };
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.typ = Some(crate::token::USER_TOKEN_TYPE.to_owned());
        header.kid = Some(self.signing.kid().to_owned());
        jsonwebtoken::encode(&header, &claims, &self.signing.encoding_key()).expect("signing works")
    }

    /// An internal token for one request to `service`, as the gateway would mint it.
    ///
    /// # Panics
    ///
    /// Never: signing with a valid key does not fail.
    pub fn internal_token(&self, service: &str, caller: Option<&Caller>) -> String {
        self.minter()
            .mint_internal_token(service, caller)
            .expect("signing works")
    }
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::new()
    }
}

fn telemetry_for_tests() {
    crate::telemetry::init_for_tests();
}

/// A signed-in user with a fresh id.
pub fn caller(username: &str, email_verified: bool) -> Caller {
    Caller {
        user_id: Uuid::now_v7(),
        username: username.to_owned(),
        email_verified,
    }
}

/// A component serving on a real port in the background.
#[derive(Debug)]
pub struct SpawnedServer {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl SpawnedServer {
    /// Binds `server` (its config should ask for port 0) and serves it in a background task.
    ///
    /// # Panics
    ///
    /// If the server cannot bind.
    pub async fn start(server: HttpServer) -> Self {
        crate::telemetry::init_for_tests();
        let bound = server.bind().await.expect("the test server binds");
        let addr = bound.local_addr();
        let shutdown = bound.shutdown();
        let handle = tokio::spawn(bound.run());
        Self {
            addr,
            shutdown,
            handle,
        }
    }

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Triggers a graceful shutdown and waits for it to finish.
    ///
    /// # Panics
    ///
    /// If the server fails or takes more than 30 seconds to stop.
    pub async fn stop(self) {
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("the server stops in time")
            .expect("the server task does not panic")
            .expect("the server stops cleanly");
    }
}

/// A program of the project's Python virtualenv (`scripts/deps.sh` installs it under
/// `$MERCATO_STATE_DIR`, default `~/.cache/mercato`): the SMTP sink, the API fuzzer, the
/// OpenAPI validator.
pub fn venv_bin(name: &str) -> std::path::PathBuf {
    let state = std::env::var_os("MERCATO_STATE_DIR").map_or_else(
        || {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/mercato")
        },
        std::path::PathBuf::from,
    );
    state.join("venv/bin").join(name)
}

/// Stops a service a test started: triggers `shutdown` and waits up to 20 seconds for `handle`
/// to finish cleanly.
///
/// # Panics
///
/// The service does not stop in time, or stops with an error.
pub async fn stop_service(shutdown: Shutdown, handle: tokio::task::JoinHandle<anyhow::Result<()>>) {
    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(20), handle)
        .await
        .expect("the service stops within 20 s")
        .expect("the service's task ends")
        .expect("the service stops without an error");
}

/// PUTs `body` to a presigned `url` with the `headers` it names, as a browser would (the length
/// comes from the body); the status.
///
/// # Panics
///
/// The storage does not answer.
pub async fn put_presigned<'a>(
    url: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: Vec<u8>,
) -> u16 {
    let mut put = reqwest::Client::new().put(url).body(body);
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("content-length") {
            put = put.header(name, value);
        }
    }
    put.send()
        .await
        .expect("the storage answers")
        .status()
        .as_u16()
}

/// [`put_presigned`] for an upload as an API answers it (`{upload_url, headers}`).
///
/// # Panics
///
/// The answer is not an upload, or the storage does not answer.
pub async fn put_upload(upload: &serde_json::Value, body: &[u8]) -> u16 {
    let headers = upload["headers"]
        .as_object()
        .expect("an upload names its headers")
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.as_str()?)));
    put_presigned(
        upload["upload_url"].as_str().expect("an upload has a URL"),
        headers,
        body.to_vec(),
    )
    .await
}

#[cfg(feature = "events")]
mod broker;
mod client;
mod golden;
mod metrics;
mod redis;
mod smtp;
mod socket;
#[cfg(any(feature = "postgres", feature = "mysql", feature = "mongodb"))]
mod stores;

#[cfg(feature = "events")]
pub use broker::{DeadLetter, TestBroker};
pub use client::ServiceClient;
pub use golden::{check_golden, check_openapi_part, pretty_json};
pub use metrics::{ConsumerCounts, metric_sum, scrape_metrics, wait_for_settled};
pub use redis::TestRedis;
pub use smtp::{SinkEmail, TestSmtpSink};
pub use socket::TestSocket;
#[cfg(feature = "mongodb")]
pub use stores::TestMongo;
#[cfg(feature = "mysql")]
pub use stores::TestMySql;
#[cfg(feature = "postgres")]
pub use stores::TestPostgres;

/// Runs `rabbitmqctl` with `args` against the local RabbitMQ (`RABBITMQCTL` names another
/// program): `stop_app`, `start_app`, `await_startup`, for tests that restart the broker.
///
/// # Panics
///
/// The program cannot run or fails.
pub fn rabbitmqctl(args: &[&str]) {
    let program = std::env::var("RABBITMQCTL").unwrap_or_else(|_| "rabbitmqctl".to_owned());
    let status = std::process::Command::new(&program)
        .args(args)
        .status()
        .unwrap_or_else(|err| panic!("{program} runs: {err}"));
    assert!(status.success(), "{program} {args:?} failed");
}

/// Polls `check` every 50 ms until it returns `Some`, for at most `timeout`.
///
/// # Panics
///
/// When `timeout` passes first; the message names `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
