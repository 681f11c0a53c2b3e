//! The auth service: it owns accounts and credentials (`docs/architecture.md` section 3).
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

use axum::Router;
use mercato_common::events::mysql::MySqlOutbox;
use mercato_common::service::stores::{SqlConfig, sql_check};
use mercato_common::service::{Service, Wiring};

use crate::crypto::Passwords;
use crate::routes::{AppState, Limits};

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "auth";

/// The schema migrations, applied at start-up.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The service's own settings; every field is settable by flag or environment variable
/// (`--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// The service's MySQL database.
    #[command(flatten)]
    pub database: SqlConfig,
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

/// The auth service.
#[derive(Debug)]
pub struct Auth;

impl Service for Auth {
    const NAME: &'static str = NAME;
    const DEFAULT_PORT: u16 = 4002;
    type Settings = Settings;

    async fn wire(config: &Settings, wiring: &mut Wiring) -> anyhow::Result<Router> {
        let pool = config.database.connect(NAME, &MIGRATIONS).await?;
        wiring.add_check("mysql", sql_check(pool.clone()));
        let relay = wiring.relay(MySqlOutbox::new(&pool));
        let parallel = config
            .hash_parallelism
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
        Ok(routes::router(AppState {
            pool,
            passwords: Passwords::new(parallel),
            relay,
            settings: Limits {
                public_url: config.public_url.trim_end_matches('/').to_owned(),
                refresh_ttl: chrono::Duration::days(config.refresh_ttl_days),
                lockout_after: config.lockout_after,
                lockout_for: chrono::Duration::minutes(config.lockout_minutes),
            },
        }))
    }
}
