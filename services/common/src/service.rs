//! Start-up shared by every service behind the gateway.
//!
//! A service's config flattens [`ServiceConfig`]; [`server`] turns its routes into an
//! [`HttpServer`] that refuses every request without an internal token addressed to it, and
//! [`run`] serves it until SIGTERM or SIGINT.

use anyhow::Context;
use axum::Router;

use crate::config::{CommonConfig, TokenVerifyConfig};
use crate::server::{HttpServer, Shutdown};
use crate::token::{GatewayAuth, KeySet, TokenVerifier};

/// The settings every service behind the gateway has.
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceConfig {
    /// HTTP server settings.
    #[command(flatten)]
    pub http: CommonConfig,
    /// Where the gateway's public keys are.
    #[command(flatten)]
    pub tokens: TokenVerifyConfig,
}

/// An [`HttpServer`] for the service `name` that requires internal tokens with `aud = name`
/// (or `TOKEN_AUDIENCE` when set).
///
/// # Errors
///
/// Fails when the gateway's public keys cannot be loaded.
pub fn server(
    name: &'static str,
    default_port: u16,
    config: &ServiceConfig,
    router: Router,
) -> anyhow::Result<HttpServer> {
    let keys = KeySet::load(
        config.tokens.token_jwks.as_deref(),
        config.tokens.token_jwks_file.as_deref(),
    )
    .context("failed to load the gateway's public keys (TOKEN_JWKS / TOKEN_JWKS_FILE)")?;
    let audience = config.tokens.token_audience.as_deref().unwrap_or(name);
    tracing::info!(
        service = name,
        audience,
        keys = keys.len(),
        "loaded gateway keys"
    );
    Ok(HttpServer::new(name, config.http.clone(), router)
        .with_default_port(default_port)
        .require_gateway_token(GatewayAuth::new(TokenVerifier::internal(keys, audience))))
}

/// Serves `server` until SIGTERM or SIGINT, then shuts down gracefully.
///
/// # Errors
///
/// Fails when the signal handlers cannot be installed or the server cannot bind.
pub async fn run(server: HttpServer) -> anyhow::Result<()> {
    let shutdown = Shutdown::on_signals()?;
    server.with_shutdown(shutdown).bind().await?.run().await
}
