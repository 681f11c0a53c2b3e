//! The API gateway: the only component clients talk to (`docs/architecture.md` sections 2, 3 and 10).
//!
//! It serves the public API under `/api/v1`, forwarding each route to the service that owns it
//! with an internal token minted for that caller and service; turns auth's sign-in answers into sessions (access
//! token, cookies); enforces rate limits shared through Redis; serves real time to browsers
//! over Socket.IO; and publishes its public keys at `/.well-known/jwks.json` for the services.
//!
//! # Layout
//!
//! - [`config`]: the settings.
//! - [`routes`]: the route table.
//! - [`api`]: the request pipeline.
//! - [`session`]: identity, cookies, CSRF, session issuing.
//! - [`proxy`]: upstream clients and header rules.
//! - [`layers`]: CORS and compression only for the requests that ask for them.
//! - [`limits`]: Redis rate limits.
//! - [`tokens`]: internal tokens per caller and service, reused for half their lifetime.
//! - [`realtime`]: Socket.IO for browsers at `/socket.io/`, presence, and the connections to
//!   the services' real-time hubs.
//! - [`openapi`]: the public API contract, assembled from the services' parts; served with a
//!   browsable reference at `/api/v1/docs`.
//! - [`web`]: the web client at `/`, when `WEB_ROOT` names its build.

pub mod api;
pub mod config;
pub mod layers;
pub mod limits;
pub mod openapi;
pub mod proxy;
pub mod realtime;
pub mod routes;
pub mod session;
pub mod tokens;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use mercato_common::extract::Json;
use mercato_common::server::{HttpServer, Shutdown};
use mercato_common::token::{Jwks, KeySet, SigningKey, TokenMinter, TokenVerifier};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use config::Config;

use crate::layers::OnlyWithHeader;
use crate::limits::{Clock, Limiter};
use crate::proxy::Upstreams;
use crate::realtime::upstream::REALTIME_SERVICES;
use crate::realtime::{Hubs, Presence};
use crate::session::Cookies;
use crate::tokens::InternalTokens;

/// The gateway's name in logs and metrics.
pub const NAME: &str = "gateway";

/// The public port of a local run.
pub const DEFAULT_PORT: u16 = 4000;

/// Rate limits per minute.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per client IP.
    pub per_ip: u64,
    /// Per account on sign-in style routes.
    pub per_account: u64,
    /// Largest request body.
    pub max_body_bytes: usize,
}

/// What the gateway's handlers share, behind one `Arc`: axum clones the state for every
/// request, and one reference count is all that clone should cost.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// The contents of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    jwks: Jwks,
    /// The public API contract as served.
    openapi: bytes::Bytes,
    /// Signs user access tokens.
    minter: TokenMinter,
    /// Internal tokens per caller and service.
    internal_tokens: InternalTokens,
    user_verifier: TokenVerifier,
    upstreams: Upstreams,
    limiter: Limiter,
    cookies: Cookies,
    allowed_origins: Vec<String>,
    limits: Limits,
    trust_forwarded_for: bool,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            state.allowed_origins.iter().filter_map(|o| o.parse().ok()),
        ))
        .allow_credentials(true)
        .allow_methods([
            http::Method::GET,
            http::Method::POST,
            http::Method::PATCH,
            http::Method::DELETE,
        ])
        .allow_headers([
            http::header::CONTENT_TYPE,
            http::header::AUTHORIZATION,
            http::HeaderName::from_static("idempotency-key"),
        ]);
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/api/v1/openapi.json", get(openapi_document))
        .route("/api/v1/{*rest}", any(api::handle))
        // One `layer` call: each call boxes every route once more, and a route is cloned
        // through every box on every request.
        .layer(
            tower::ServiceBuilder::new()
                .layer(OnlyWithHeader::new(
                    http::header::ACCEPT_ENCODING,
                    CompressionLayer::new(),
                ))
                .layer(OnlyWithHeader::new(http::header::ORIGIN, cors)),
        )
        .with_state(state)
}

/// The public API contract, assembled once at start-up.
async fn openapi_document(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
}

/// The browsable API reference at `/api/v1/docs`: Swagger UI, its assets served from the
/// binary, reading the document from `/api/v1/openapi.json`.
fn api_reference() -> Router {
    swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: "/api/v1/docs",
        api_definition: swagger_ui_dist::OpenApiSource::Uri("/api/v1/openapi.json"),
        title: Some("Mercato API"),
    })
}

async fn jwks(State(state): State<AppState>) -> Json<Jwks> {
    Json(state.jwks.clone())
}

/// Starts the browsers' Socket.IO server, its presence in Redis and the connections to the
/// services' hubs; returns its route.
async fn realtime_server(
    config: &Config,
    user_verifier: &TokenVerifier,
    minter: &TokenMinter,
    clock: Clock,
    shutdown: &Shutdown,
) -> anyhow::Result<Router> {
    let redis = redis::aio::ConnectionManager::new(
        redis::Client::open(config.redis_url.as_str()).context("REDIS_URL is invalid")?,
    )
    .await
    .context("cannot reach Redis for presence (REDIS_URL)")?;
    let presence = Presence::new(
        redis,
        config.presence_prefix.clone(),
        uuid::Uuid::new_v4().to_string(),
    );
    tokio::spawn(presence.clone().refresh_until(shutdown.clone()));
    let hubs = Hubs::default();
    let (route, io) = realtime::start(
        user_verifier.clone(),
        config.allowed_origins.clone(),
        presence,
        hubs.clone(),
        clock,
    );
    // Sockets hold their connections open: on shutdown close their transports, so browsers
    // reconnect (to another replica) instead of holding this one until the deadline.
    let closing = io.clone();
    let stopping = shutdown.clone();
    tokio::spawn(async move {
        stopping.triggered().await;
        closing.close().await;
    });
    let upstreams = config.upstream_map();
    hubs.connect_all(
        REALTIME_SERVICES
            .iter()
            .filter_map(|service| upstreams.get(*service).map(|url| (*service, url.clone())))
            .collect(),
        minter.clone(),
        io,
        shutdown.clone(),
    );
    Ok(route)
}

/// The gateway's server, ready to bind.
///
/// # Errors
///
/// The signing key or extra JWKS cannot be loaded, or Redis cannot be reached.
pub async fn server(config: &Config, shutdown: Shutdown) -> anyhow::Result<HttpServer> {
    server_with_clock(config, shutdown, Clock::system()).await
}

/// [`server`] reading the time from `clock`: rate-limit windows, token lifetimes and the reuse
/// of internal tokens (tests set it).
///
/// # Errors
///
/// As [`server`].
pub async fn server_with_clock(
    config: &Config,
    shutdown: Shutdown,
    clock: Clock,
) -> anyhow::Result<HttpServer> {
    // The upstreams register their metrics once, now: the recorder must be there already.
    mercato_common::telemetry::prometheus();
    let signing = SigningKey::load(
        &config.signing.token_signing_kid,
        config.signing.token_signing_key.as_ref(),
        config.signing.token_signing_key_file.as_deref(),
    )
    .context("failed to load the token signing key (TOKEN_SIGNING_KEY / TOKEN_SIGNING_KEY_FILE)")?;
    let extra = match &config.extra_jwks_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("failed to read {}", path.display()))?,
        ),
        None => None,
    };
    let jwks = published_keys(&signing, extra.as_deref())
        .context("invalid JWKS in TOKEN_EXTRA_JWKS_FILE")?;
    let user_verifier = TokenVerifier::user(KeySet::from_jwks(&jwks)?).with_clock(clock.clone());
    if let Some(path) = &config.extra_jwks_file {
        let (reloaded, own) = (user_verifier.clone(), signing.clone());
        tokio::spawn(mercato_common::token::reload::watch_file(
            path.clone(),
            Duration::from_secs(config.extra_jwks_reload_seconds),
            shutdown.clone(),
            move |text| match published_keys(&own, Some(text))
                .and_then(|jwks| Ok(KeySet::from_jwks(&jwks)?))
            {
                Ok(keys) => {
                    tracing::info!(keys = keys.len(), "reloaded the extra public keys");
                    reloaded.reload(keys);
                }
                Err(error) => {
                    tracing::warn!(%error, "the new extra JWKS is invalid; keeping the current keys");
                }
            },
        ));
    }
    let limiter = Limiter::connect(
        &config.redis_url,
        config.redis_prefix.clone(),
        Duration::from_millis(config.rate_limit_sync_milliseconds),
        clock.clone(),
    )
    .await?;
    let minter = TokenMinter::new(signing).with_clock(clock.clone());
    let socket_io = realtime_server(config, &user_verifier, &minter, clock, &shutdown).await?;
    let openapi = serde_json::to_vec(
        &openapi::document().context("the public API contract does not assemble")?,
    )?;
    let state = AppState(Arc::new(Shared {
        jwks,
        openapi: openapi.into(),
        internal_tokens: InternalTokens::new(minter.clone()),
        minter,
        user_verifier,
        upstreams: Upstreams::new(
            config.upstream_map(),
            config.upstream_max_in_flight,
            Duration::from_secs(config.upstream_timeout_seconds),
        )?,
        limiter: limiter.clone(),
        cookies: Cookies {
            secure: config.cookie_secure,
        },
        allowed_origins: config.allowed_origins.clone(),
        limits: Limits {
            per_ip: config.rate_limit_per_ip,
            per_account: config.rate_limit_per_account,
            max_body_bytes: config.max_body_bytes,
        },
        trust_forwarded_for: config.trust_forwarded_for,
    }));
    let mut routes = router(state).merge(api_reference()).merge(socket_io);
    if let Some(root) = &config.web_root {
        let site = web::Site::load(
            root,
            &config.web_origins,
            config.stripe_publishable_key.as_deref(),
        )
        .with_context(|| format!("cannot serve the web client from {}", root.display()))?;
        routes = routes.merge(site.routes());
    }
    // Clients may not choose the request id, which ends up in every log line and token;
    // only a trusted proxy in front of the gateway may pass one on.
    let server = HttpServer::new(NAME, config.http.clone(), routes)
        .with_shutdown(shutdown)
        .with_default_port(DEFAULT_PORT)
        .trust_request_id(config.trust_forwarded_for);
    server.readiness().add_check("redis", move || {
        let limiter = limiter.clone();
        async move { limiter.ping().await.map_err(|err| err.to_string()) }
    });
    Ok(server)
}

/// The keys the gateway publishes and accepts user tokens from: its own, and those of
/// `extra` (a JWKS: the previous key during a rotation).
fn published_keys(own: &SigningKey, extra: Option<&str>) -> anyhow::Result<Jwks> {
    let mut jwks = Jwks {
        keys: vec![own.public_jwk()],
    };
    if let Some(text) = extra {
        // Parsed twice on purpose: the key set proves every key is a usable Ed25519 key.
        KeySet::from_jwks_json(text)?;
        let extra: Jwks = serde_json::from_str(text)?;
        jwks.keys
            .extend(extra.keys.into_iter().filter(|k| k.kid != own.kid()));
    }
    Ok(jwks)
}
