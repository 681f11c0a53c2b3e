//! The API gateway: the only component clients talk to (ARCHITECTURE.md sections 2 and 3).
//!
//! It holds the platform's token signing key. It publishes the matching public keys at
//! `/.well-known/jwks.json`, which is what services verify internal tokens with.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use mercato_common::config::{CommonConfig, TokenSigningConfig};
use mercato_common::error::Json;
use mercato_common::server::HttpServer;
use mercato_common::token::{Jwks, KeySet, SigningKey};

/// The gateway's name in logs and metrics.
pub const NAME: &str = "gateway";

/// The public port of a local run.
pub const DEFAULT_PORT: u16 = 4000;

/// Runtime configuration; every field is settable by flag or environment variable (`--help`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = NAME, version)]
pub struct Config {
    /// HTTP server settings.
    #[command(flatten)]
    pub http: CommonConfig,
    /// The key the gateway signs tokens with.
    #[command(flatten)]
    pub signing: TokenSigningConfig,
    /// A JWKS of further public keys to publish beside the signing key's, e.g. the previous key
    /// during a rotation, so tokens it signed stay verifiable until they expire.
    #[arg(long, env = "TOKEN_EXTRA_JWKS_FILE")]
    pub extra_jwks_file: Option<std::path::PathBuf>,
}

/// What the gateway's handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    jwks: Arc<Jwks>,
}

impl AppState {
    /// State publishing the public half of `signing` first, then `extra` keys with other kids.
    pub fn new(signing: &SigningKey, extra: Jwks) -> Self {
        let mut keys = vec![signing.public_jwk()];
        keys.extend(extra.keys.into_iter().filter(|k| k.kid != signing.kid()));
        Self {
            jwks: Arc::new(Jwks { keys }),
        }
    }
}

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(state)
}

async fn jwks(State(state): State<AppState>) -> Json<Jwks> {
    Json(state.jwks.as_ref().clone())
}

/// The gateway's server, ready to bind.
///
/// # Errors
///
/// Fails when the signing key or the extra JWKS cannot be loaded.
pub fn server(config: &Config) -> anyhow::Result<HttpServer> {
    let signing = SigningKey::load(
        &config.signing.token_signing_kid,
        config.signing.token_signing_key.as_ref(),
        config.signing.token_signing_key_file.as_deref(),
    )
    .context("failed to load the token signing key (TOKEN_SIGNING_KEY / TOKEN_SIGNING_KEY_FILE)")?;
    let extra = match &config.extra_jwks_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read {}", path.display()))?;
            // Parse twice on purpose: once to prove every key is a usable Ed25519 key.
            KeySet::from_jwks_json(&text)
                .with_context(|| format!("invalid JWKS in {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("invalid JWKS in {}", path.display()))?
        }
        None => Jwks::default(),
    };
    Ok(HttpServer::new(
        NAME,
        config.http.clone(),
        router(AppState::new(&signing, extra)),
    )
    .with_default_port(DEFAULT_PORT))
}
