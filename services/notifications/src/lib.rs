//! The notifications service: it sends every email the marketplace sends.
//!
//! It consumes only `email.requested.v1` (ARCHITECTURE.md section 4), renders the named
//! template from typed variables, sends it over SMTP once per request, and dead-letters
//! requests that can never become a proper email. Over HTTP it has only the probes and
//! metrics; anything else requires an internal gateway token addressed to `notifications`.
//!
//! # Layout
//!
//! - [`templates`]: the templates and their typed variables.
//! - [`mailer`]: SMTP sending.
//! - [`dedupe`]: send-once bookkeeping in Redis.
//! - [`handler`]: the event handler tying them together.

pub mod dedupe;
pub mod handler;
pub mod mailer;
pub mod templates;

use anyhow::Context;
use axum::Router;
use mercato_common::events::{BrokerConfig, Consumer};
use mercato_common::server::{BoundServer, Shutdown};
use mercato_common::service::ServiceConfig;
use tokio::task::JoinHandle;

use crate::dedupe::Dedupe;
use crate::handler::EmailHandler;
use crate::mailer::{Mailer, SmtpConfig};

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "notifications";

/// The port it listens on locally when `LISTEN_ADDR` is not set.
pub const DEFAULT_PORT: u16 = 4001;

/// Runtime configuration; every field is settable by flag or environment variable (`--help`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = NAME, version)]
pub struct Config {
    /// Settings every service shares.
    #[command(flatten)]
    pub service: ServiceConfig,
    /// The event bus.
    #[command(flatten)]
    pub broker: BrokerConfig,
    /// The SMTP server.
    #[command(flatten)]
    pub smtp: SmtpConfig,
    /// Redis URL for send-once bookkeeping.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Prefix of this service's Redis keys.
    #[arg(long, env = "REDIS_PREFIX", default_value = "mercato:notifications:")]
    pub redis_prefix: String,
}

/// The running service: its HTTP server and its consumer.
#[derive(Debug)]
pub struct App {
    server: BoundServer,
    consumer: JoinHandle<()>,
}

impl App {
    /// Connects to Redis, prepares the queue, binds the server and starts consuming.
    ///
    /// # Errors
    ///
    /// Bad settings, or a dependency unreachable at start-up (Redis, the broker in verify mode
    /// without the queue, the gateway keys).
    pub async fn start(config: &Config, shutdown: Shutdown) -> anyhow::Result<Self> {
        let redis =
            redis::Client::open(config.redis_url.as_str()).context("REDIS_URL is invalid")?;
        let redis = redis::aio::ConnectionManager::new(redis)
            .await
            .context("cannot reach Redis")?;
        let dedupe = Dedupe::new(redis, config.redis_prefix.clone());
        let mailer = Mailer::new(&config.smtp)?;
        let consumer = Consumer::new(
            NAME,
            config.broker.clone(),
            EmailHandler::new(mailer, dedupe.clone()),
        );
        consumer
            .prepare()
            .await
            .context("cannot set up the notifications queue")?;

        let server =
            mercato_common::service::server(NAME, DEFAULT_PORT, &config.service, Router::new())?
                .with_shutdown(shutdown.clone());
        server
            .readiness()
            .add_check("rabbitmq", consumer.status().readiness_check());
        server.readiness().add_check("redis", move || {
            let dedupe = dedupe.clone();
            async move { dedupe.ping().await.map_err(|err| err.to_string()) }
        });
        let server = server.bind().await?;
        let consumer = tokio::spawn(consumer.run(shutdown));
        Ok(Self { server, consumer })
    }

    /// The HTTP server's address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Serves until shutdown, then lets the consumer finish the emails in hand.
    ///
    /// # Errors
    ///
    /// The server failed.
    pub async fn run(self) -> anyhow::Result<()> {
        let served = self.server.run().await;
        let _ = self.consumer.await;
        served
    }
}
