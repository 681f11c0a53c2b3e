//! The notifications service: it sends every email the marketplace sends, from
//! `email.requested.v1` events; over HTTP it has only the probes, and anything else requires an
//! internal gateway token addressed to `notifications`.

use axum::Router;
use mercato_common::server::HttpServer;
use mercato_common::service::ServiceConfig;

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
