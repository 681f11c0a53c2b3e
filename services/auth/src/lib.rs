//! The auth service: it owns accounts and credentials (ARCHITECTURE.md section 3).
//!
//! Sign-up, sign-in with lockout and one-time codes for new devices, email verification,
//! forgotten and changed passwords, and rotating refresh sessions, on MySQL; every event it
//! causes (`user.*`, `email.requested.v1`) goes through the outbox in the same transaction. It
//! serves `/v1/auth/...` to the gateway only: every route but the probes requires an internal
//! gateway token addressed to `auth`.
//!
//! # Layout
//!
//! - [`domain`]: account rules.
//! - [`crypto`]: password hashing, tokens and codes.
//! - [`store`]: the queries.
//! - [`routes`]: the HTTP API.

pub mod crypto;
pub mod domain;
pub mod routes;
pub mod store;

use anyhow::Context;
use mercato_common::events::mysql::{MySqlOutbox, ensure_schema};
use mercato_common::events::{BrokerConfig, Relay, RelayConfig, ServiceTopology};
use mercato_common::server::{BoundServer, Shutdown};
use mercato_common::service::ServiceConfig;
use secrecy::{ExposeSecret, SecretString};
use sqlx::MySqlPool;
use tokio::task::JoinHandle;

use crate::crypto::Passwords;
use crate::routes::{AppState, Settings};

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "auth";

/// The port it listens on locally when `LISTEN_ADDR` is not set.
pub const DEFAULT_PORT: u16 = 4002;

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
    /// MySQL URL of the service's database (holds a password: never logged).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "mysql://mercato:mercato@127.0.0.1:3306/mercato_auth",
        hide_env_values = true
    )]
    pub database_url: SecretString,
    /// Base URL of the web app, for the links in emails.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:4000")]
    pub public_url: String,
    /// Days a refresh session lives without use.
    #[arg(long, env = "REFRESH_TTL_DAYS", default_value_t = 30)]
    pub refresh_ttl_days: i64,
    /// Failed sign-ins before an account locks.
    #[arg(long, env = "LOCKOUT_AFTER", default_value_t = 5)]
    pub lockout_after: i32,
    /// Minutes an account stays locked.
    #[arg(long, env = "LOCKOUT_MINUTES", default_value_t = 15)]
    pub lockout_minutes: i64,
    /// Password hashes computed at once (default: one per core).
    #[arg(long, env = "HASH_PARALLELISM")]
    pub hash_parallelism: Option<usize>,
}

/// The running service: HTTP server and outbox relay.
#[derive(Debug)]
pub struct App {
    server: BoundServer,
    relay: JoinHandle<()>,
}

/// Connects to the database and brings its schema up to date.
///
/// # Errors
///
/// The database is unreachable or a migration fails.
pub async fn connect(database_url: &SecretString) -> anyhow::Result<MySqlPool> {
    let pool = MySqlPool::connect(database_url.expose_secret())
        .await
        .context("cannot reach MySQL (DATABASE_URL)")?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("migrations failed")?;
    ensure_schema(&pool)
        .await
        .context("cannot create the outbox")?;
    Ok(pool)
}

impl App {
    /// Connects, migrates, declares the exchanges, binds the server and starts the relay.
    ///
    /// # Errors
    ///
    /// A dependency unreachable at start-up or bad settings.
    pub async fn start(config: &Config, shutdown: Shutdown) -> anyhow::Result<Self> {
        let pool = connect(&config.database_url).await?;
        let broker = config
            .broker
            .connect(NAME)
            .await
            .context("cannot reach the broker (AMQP_URL)")?;
        ServiceTopology::new(&config.broker, NAME)
            .ensure(&broker, config.broker.mode)
            .await?;
        let _ = broker.close(200, "prepared".into()).await;
        let relay = Relay::new(
            NAME,
            MySqlOutbox::new(&pool),
            config.broker.clone(),
            RelayConfig::default(),
        );
        let parallel = config
            .hash_parallelism
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
        let state = AppState {
            pool: pool.clone(),
            passwords: Passwords::new(parallel),
            relay: relay.waker(),
            settings: Settings {
                public_url: config.public_url.trim_end_matches('/').to_owned(),
                refresh_ttl: chrono::Duration::days(config.refresh_ttl_days),
                lockout_after: config.lockout_after,
                lockout_for: chrono::Duration::minutes(config.lockout_minutes),
            },
        };
        let server = mercato_common::service::server(
            NAME,
            DEFAULT_PORT,
            &config.service,
            routes::router(state),
        )?
        .with_shutdown(shutdown.clone());
        server.readiness().add_check("mysql", move || {
            let pool = pool.clone();
            async move {
                sqlx::query("SELECT 1")
                    .execute(&pool)
                    .await
                    .map(|_| ())
                    .map_err(|err| err.to_string())
            }
        });
        let server = server.bind().await?;
        Ok(Self {
            server,
            relay: tokio::spawn(relay.run(shutdown)),
        })
    }

    /// The HTTP server's address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Serves until shutdown, then lets the relay finish.
    ///
    /// # Errors
    ///
    /// The server failed.
    pub async fn run(self) -> anyhow::Result<()> {
        let served = self.server.run().await;
        let _ = self.relay.await;
        served
    }
}
