//! The second topology backend: the operator declares a component's exchanges, queues and
//! bindings itself through the broker's HTTP management API, for brokers no Topology Operator
//! reaches (e.g. Amazon MQ). Selected by `spec.messaging.broker.managementSecret`.
//!
//! Declaring is idempotent (PUT of exchanges and queues with fixed properties); bindings of the
//! component's queues are made to match the plan (missing ones added, others removed). A queue
//! declared before with other arguments is refused by RabbitMQ and reported, never deleted.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use crate::render::messaging::Plan;

/// Why the broker did not take the topology.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokerError {
    /// No answer from the management API.
    #[error("the management API at {url} cannot be reached: {message}")]
    Unreachable {
        /// The API's base URL.
        url: String,
        /// The client's error.
        message: String,
    },
    /// The credentials were refused.
    #[error("the broker refused the credentials ({status})")]
    Unauthorized {
        /// HTTP status.
        status: u16,
    },
    /// A binding's source exchange does not exist yet (its publisher has not declared it).
    #[error("exchange {exchange} is not declared yet (by a component that publishes to it)")]
    ExchangeMissing {
        /// The exchange.
        exchange: String,
    },
    /// RabbitMQ refused a declaration, e.g. a queue that exists with other arguments.
    #[error("{what}: {message}")]
    Rejected {
        /// What was being declared.
        what: String,
        /// RabbitMQ's reason.
        message: String,
    },
}

impl BrokerError {
    /// The condition reason for this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "BrokerUnreachable",
            Self::Unauthorized { .. } => "BrokerUnauthorized",
            Self::ExchangeMissing { .. } => "ExchangePending",
            Self::Rejected { .. } => "TopologyRejected",
        }
    }
}

/// A broker's management API, with credentials read from the component's Secret.
pub struct ManagementApi {
    http: reqwest::Client,
    url: String,
    username: String,
    password: SecretString,
}

impl std::fmt::Debug for ManagementApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagementApi")
            .field("url", &self.url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct BoundTo {
    source: String,
    routing_key: String,
    properties_key: String,
    destination_type: String,
}

#[derive(Debug, Deserialize)]
struct Refusal {
    #[serde(default)]
    reason: String,
}

impl ManagementApi {
    /// The API at `url` (e.g. `https://broker.example.com:15671`), as `username`.
    pub fn new(url: &str, username: String, password: SecretString) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            url: url.trim_end_matches('/').to_owned(),
            username,
            password,
        }
    }

    /// Declares every exchange and queue of `plan` and makes its queues' bindings match it. A
    /// binding that fails does not stop the others (the dead-letter binding above all).
    ///
    /// # Errors
    ///
    /// The first declaration the broker refuses, or an unreachable or refusing API.
    pub async fn declare(&self, plan: &Plan) -> Result<(), BrokerError> {
        let mut first_error = None;
        let vhost = segment(&plan.vhost);
        for (name, kind) in &plan.exchanges {
            let body = json!({"type": kind.as_str(), "durable": true, "auto_delete": false, "internal": false, "arguments": {}});
            self.send(
                reqwest::Method::PUT,
                &format!("/api/exchanges/{vhost}/{}", segment(name)),
                Some(body),
                &format!("exchange {name}"),
            )
            .await?;
        }
        for queue in &plan.queues {
            let body = json!({"durable": true, "auto_delete": false, "arguments": queue.arguments});
            self.send(
                reqwest::Method::PUT,
                &format!("/api/queues/{vhost}/{}", segment(&queue.name)),
                Some(body),
                &format!("queue {}", queue.name),
            )
            .await?;
        }
        for queue in &plan.queues {
            let wanted: Vec<_> = plan
                .bindings
                .iter()
                .filter(|b| b.destination == queue.name)
                .collect();
            let path = format!("/api/queues/{vhost}/{}/bindings", segment(&queue.name));
            let current: Vec<BoundTo> = self
                .get(&path, &format!("bindings of {}", queue.name))
                .await?;
            // The default exchange binds every queue by name; it is not ours to manage.
            let current: Vec<BoundTo> = current
                .into_iter()
                .filter(|b| !b.source.is_empty() && b.destination_type == "queue")
                .collect();
            for b in &wanted {
                if !current
                    .iter()
                    .any(|c| c.source == b.source && c.routing_key == b.routing_key)
                {
                    let path = format!(
                        "/api/bindings/{vhost}/e/{}/q/{}",
                        segment(&b.source),
                        segment(&queue.name)
                    );
                    let body = json!({"routing_key": b.routing_key, "arguments": {}});
                    let response = self
                        .request(reqwest::Method::POST, &path, Some(body))
                        .await?;
                    let outcome = if response.status() == reqwest::StatusCode::NOT_FOUND {
                        Err(BrokerError::ExchangeMissing {
                            exchange: b.source.clone(),
                        })
                    } else {
                        let what =
                            format!("binding {} -> {} ({})", b.source, queue.name, b.routing_key);
                        self.check(response, &what).await.map(|_| ())
                    };
                    if let Err(error) = outcome {
                        first_error.get_or_insert(error);
                    }
                }
            }
            for c in &current {
                if !wanted
                    .iter()
                    .any(|b| b.source == c.source && b.routing_key == c.routing_key)
                {
                    let path = format!(
                        "/api/bindings/{vhost}/e/{}/q/{}/{}",
                        segment(&c.source),
                        segment(&queue.name),
                        segment(&c.properties_key)
                    );
                    self.send(
                        reqwest::Method::DELETE,
                        &path,
                        None,
                        &format!("old binding {} -> {}", c.source, queue.name),
                    )
                    .await?;
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Deletes the queues of `plan` that are not retained (a component being deleted).
    ///
    /// # Errors
    ///
    /// An unreachable or refusing API.
    pub async fn delete_unretained(&self, plan: &Plan) -> Result<(), BrokerError> {
        let vhost = segment(&plan.vhost);
        for queue in plan.queues.iter().filter(|q| !q.retain) {
            self.send(
                reqwest::Method::DELETE,
                &format!("/api/queues/{vhost}/{}", segment(&queue.name)),
                None,
                &format!("queue {}", queue.name),
            )
            .await?;
        }
        Ok(())
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, BrokerError> {
        let response = self.request(reqwest::Method::GET, path, None).await?;
        let response = self.check(response, what).await?;
        response.json().await.map_err(|e| BrokerError::Rejected {
            what: what.to_owned(),
            message: format!("unexpected answer: {e}"),
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
        what: &str,
    ) -> Result<(), BrokerError> {
        let deleting = method == reqwest::Method::DELETE;
        let response = self.request(method, path, body).await?;
        if deleting && response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        self.check(response, what).await.map(|_| ())
    }

    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<reqwest::Response, BrokerError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .basic_auth(&self.username, Some(self.password.expose_secret()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.map_err(|e| BrokerError::Unreachable {
            url: self.url.clone(),
            message: e.to_string(),
        })
    }

    async fn check(
        &self,
        response: reqwest::Response,
        what: &str,
    ) -> Result<reqwest::Response, BrokerError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(BrokerError::Unauthorized {
                status: status.as_u16(),
            });
        }
        let text = response.text().await.unwrap_or_default();
        let reason = serde_json::from_str::<Refusal>(&text)
            .map(|r| r.reason)
            .unwrap_or(text);
        Err(BrokerError::Rejected {
            what: what.to_owned(),
            message: format!("{status}: {reason}"),
        })
    }
}

/// A path segment of the management API (`/` is `%2F`, as in the default vhost).
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
