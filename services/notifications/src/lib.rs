//! The notifications service: it sends every email the marketplace sends.
//!
//! It consumes only `email.requested.v1` (see `services/common/EVENTS.md`), renders the named
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
use mercato_common::service::{Service, Wiring};

use crate::dedupe::Dedupe;
use crate::handler::EmailHandler;
use crate::mailer::{Mailer, SmtpConfig};

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "notifications";

/// The service's own settings; every field is settable by flag or environment variable
/// (`--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
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

/// The notifications service: a consumer, and over HTTP only the probes and metrics.
#[derive(Debug)]
pub struct Notifications;

impl Service for Notifications {
    const NAME: &'static str = NAME;
    const DEFAULT_PORT: u16 = 4001;
    type Settings = Settings;

    async fn wire(config: &Settings, wiring: &mut Wiring) -> anyhow::Result<Router> {
        let redis =
            redis::Client::open(config.redis_url.as_str()).context("REDIS_URL is invalid")?;
        let redis = redis::aio::ConnectionManager::new(redis)
            .await
            .context("cannot reach Redis")?;
        let dedupe = Dedupe::new(redis, config.redis_prefix.clone());
        let mailer = Mailer::new(&config.smtp)?;
        wiring.consume(EmailHandler::new(mailer, dedupe.clone()));
        wiring.add_check("redis", move || {
            let dedupe = dedupe.clone();
            async move { dedupe.ping().await.map_err(|err| err.to_string()) }
        });
        Ok(Router::new())
    }
}
