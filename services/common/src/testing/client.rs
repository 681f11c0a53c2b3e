//! Calling a service directly as the gateway would: each request with an internal token
//! minted for the service and the caller.

use crate::token::Caller;

use super::TestKeys;

/// An HTTP client of one service, holding the keys the service trusts.
#[derive(Debug, Clone)]
pub struct ServiceClient {
    /// The service's name (the tokens' audience).
    pub service: &'static str,
    /// Its base URL, `http://127.0.0.1:<port>`.
    pub base: String,
    /// Mints the tokens.
    pub keys: TestKeys,
    /// The HTTP client.
    pub http: reqwest::Client,
}

impl ServiceClient {
    /// A client of `service` at `base`, signing with `keys`.
    pub fn new(service: &'static str, base: String, keys: TestKeys) -> Self {
        Self {
            service,
            base,
            keys,
            http: reqwest::Client::new(),
        }
    }

    /// An internal token for `who` (anonymous with `None`).
    pub fn token(&self, who: Option<&Caller>) -> String {
        self.keys.internal_token(self.service, who)
    }

    /// `GET path` as `who`: the status and the JSON body (`null` when there is none).
    ///
    /// # Panics
    ///
    /// The service cannot be reached.
    pub async fn get(&self, path: &str, who: Option<&Caller>) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, who, None).await
    }

    /// `method path` with the JSON `body`, as `who`.
    ///
    /// # Panics
    ///
    /// The service cannot be reached.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Caller,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.call(method, path, Some(who), Some(body)).await
    }

    /// `POST path` with the JSON `body`, as `who`.
    ///
    /// # Panics
    ///
    /// The service cannot be reached.
    pub async fn post(
        &self,
        path: &str,
        who: &Caller,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::POST, path, who, body).await
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        who: Option<&Caller>,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token(who));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the service answers");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }
}
