//! The seeds' client of the gateway (feature `demo-client`): the seeds that make demo data
//! through the public API (`chat-seed`, `orders-seed`) sign the demo accounts in and call it as
//! a browser would.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::{DEMO_DEVICE, DEMO_PASSWORD};

/// Where a seed finds the gateway, and how long it waits for the services to hear of what the
/// seeds before it made (flattened into each seed's arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct DemoGatewayArgs {
    /// The gateway's base URL.
    #[arg(long, env = "GATEWAY_URL", default_value = "http://127.0.0.1:4000")]
    pub gateway: String,
    /// How long to wait for the services to hear of the demo users and gigs, in seconds.
    #[arg(long, default_value_t = 60)]
    pub wait_seconds: u64,
}

impl DemoGatewayArgs {
    /// The gateway they name.
    pub fn gateway(&self) -> DemoGateway {
        DemoGateway::new(&self.gateway)
    }

    /// How long to wait.
    pub fn wait(&self) -> Duration {
        Duration::from_secs(self.wait_seconds)
    }
}

/// The gateway at a base URL.
#[derive(Debug, Clone)]
pub struct DemoGateway {
    base: String,
    http: reqwest::Client,
}

impl DemoGateway {
    /// The gateway at `base` (`http://127.0.0.1:4000`).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// `method /api/v1<path>` with `body` as `token` (anonymous with `None`) and extra
    /// `headers`; the status and the JSON answer (`null` when there is none).
    ///
    /// # Errors
    ///
    /// The gateway cannot be reached.
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/api/v1{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// `POST /api/v1<path>` with `body` as `token`.
    ///
    /// # Errors
    ///
    /// The gateway cannot be reached.
    pub async fn post(
        &self,
        token: Option<&str>,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<(u16, Value)> {
        self.call(reqwest::Method::POST, token, path, Some(body), &[])
            .await
    }

    /// `POST` that must answer `expected`; the answer.
    ///
    /// # Errors
    ///
    /// Another status, or the gateway cannot be reached.
    pub async fn expect(
        &self,
        expected: u16,
        token: &str,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<Value> {
        let (status, answer) = self.post(Some(token), path, body).await?;
        if status != expected {
            bail!("POST {path} answered {status} {answer}");
        }
        Ok(answer)
    }

    /// Signs the demo account `username` in from the demo device; its access token.
    ///
    /// # Errors
    ///
    /// The account cannot sign in (auth-seed did not run).
    pub async fn sign_in(&self, username: &str) -> anyhow::Result<String> {
        let (status, body) = self
            .post(
                None,
                "/auth/signin",
                &json!({"login": username, "password": DEMO_PASSWORD, "device_id": DEMO_DEVICE}),
            )
            .await?;
        match body["access_token"].as_str() {
            Some(token) if status == 200 => Ok(token.to_owned()),
            _ => bail!("{username} cannot sign in ({status} {body}); run auth-seed first"),
        }
    }

    /// Calls `attempt` every half second until it answers `Some`, for at most `wait`: for what
    /// a service learns by events a moment after another one wrote it.
    ///
    /// # Errors
    ///
    /// `attempt` fails, or `wait` passes; the error names `what`.
    pub async fn until<T, F, Fut>(what: &str, wait: Duration, mut attempt: F) -> anyhow::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<T>>>,
    {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(value) = attempt().await? {
                return Ok(value);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("{what} did not happen within {wait:?}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
