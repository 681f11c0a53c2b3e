//! The auth service: it owns accounts and credentials (ARCHITECTURE.md section 3) and serves
//! `/v1/auth/...` to the gateway only; every route but the probes requires an internal gateway
//! token addressed to `auth`.

use axum::Router;
use mercato_common::server::HttpServer;
use mercato_common::service::ServiceConfig;

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
}

/// The service's routes.
pub fn router() -> Router {
    Router::new()
}

/// The server of this service, ready to bind.
///
/// # Errors
///
/// Fails when the gateway's public keys cannot be loaded.
pub fn server(config: &Config) -> anyhow::Result<HttpServer> {
    mercato_common::service::server(NAME, DEFAULT_PORT, &config.service, router())
}
