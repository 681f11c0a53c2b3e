//! Start-up shared by every service behind the gateway: a service says what it is and wires
//! its domain; this module does the rest, the same way for each.
//!
//! A service implements [`Service`]: its name, port and own settings (beside the shared
//! [`ServiceConfig`], together its [`Config`]), and [`Service::wire`], which connects its
//! stores and returns its routes,
//! registering on the [`Wiring`] the outbox relay, the event consumer, readiness checks and
//! background tasks it needs. [`start`] then declares (or verifies) the service's broker
//! topology, prepares its queue, builds the HTTP server that admits only internal tokens
//! addressed to the service (except where the service checks them itself, as a Socket.IO
//! server does), binds it and starts everything; [`Running::run`] serves until
//! shutdown and lets the relay, consumer and tasks finish. [`main`] is the whole binary:
//! configuration, logging, signals, start, run.
//!
//! # Layout
//!
//! - `mod.rs`: [`Service`], [`Wiring`], [`start`], [`main`].
//! - [`stores`]: database settings per engine, connection with migrations and the outbox
//!   schema, and their readiness checks.

pub mod stores;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use anyhow::Context;
use axum::Router;

use crate::config::{CommonConfig, TokenVerifyConfig};
use crate::events::{BrokerConfig, Consumer, EventHandler, OutboxStore, Relay, RelayConfig};
use crate::events::{RelayWaker, ServiceTopology};
use crate::server::{BoundServer, CheckFn, HttpServer, Shutdown};
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
    /// The event bus.
    #[command(flatten)]
    pub broker: BrokerConfig,
}

/// A service's whole configuration: the settings every service has, and its own.
#[derive(Debug, Clone, clap::Parser)]
pub struct Config<T: clap::Args> {
    /// Settings every service shares.
    #[command(flatten)]
    pub shared: ServiceConfig,
    /// The service's own settings.
    #[command(flatten)]
    pub own: T,
}

/// One service: what it is called, where it listens, and how its domain is wired.
pub trait Service: 'static {
    /// Its name: the token audience it accepts, its queue's suffix, its metrics label.
    const NAME: &'static str;
    /// The port it listens on locally when `LISTEN_ADDR` is not set.
    const DEFAULT_PORT: u16;
    /// Its own settings (its database, its limits), beside the shared [`ServiceConfig`].
    type Settings: clap::Args + Send + Sync + 'static;

    /// Connects the service's stores and returns its routes, registering on `wiring` what
    /// runs beside them (relay, consumer, readiness checks, background tasks).
    fn wire(
        settings: &Self::Settings,
        wiring: &mut Wiring,
    ) -> impl Future<Output = anyhow::Result<Router>> + Send;
}

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a service registers beside its routes while it is wired.
pub struct Wiring {
    name: &'static str,
    broker: BrokerConfig,
    verifier: TokenVerifier,
    self_authenticated: Vec<&'static str>,
    shutdown: Shutdown,
    checks: Vec<(&'static str, CheckFn)>,
    tasks: Vec<Task>,
}

impl std::fmt::Debug for Wiring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wiring")
            .field("name", &self.name)
            .field("checks", &self.checks.len())
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl Wiring {
    /// The event bus settings.
    pub fn broker(&self) -> &BrokerConfig {
        &self.broker
    }

    /// The verifier of internal tokens addressed to this service, for connections that
    /// authenticate themselves (see [`Wiring::authenticates_itself`]).
    pub fn verifier(&self) -> &TokenVerifier {
        &self.verifier
    }

    /// Exempts requests under `prefix` from the token check of every other route, because the
    /// service checks their token itself (a Socket.IO server: its clients send the token in the
    /// handshake, once per connection).
    pub fn authenticates_itself(&mut self, prefix: &'static str) {
        self.self_authenticated.push(prefix);
    }

    /// The signal the service stops on, for tasks of its own.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Publishes what the service writes to the outbox in `store`; the returned waker lets a
    /// request that wrote events have them published at once instead of at the next poll.
    pub fn relay<S: OutboxStore>(&mut self, store: S) -> RelayWaker {
        let relay = Relay::new(
            self.name,
            store,
            self.broker.clone(),
            RelayConfig::default(),
        );
        let waker = relay.waker();
        self.tasks.push(Box::pin(relay.run(self.shutdown.clone())));
        waker
    }

    /// Consumes the service's queue with `handler` (its topology is in place before
    /// [`Service::wire`] runs); readiness fails while the consumer is not connected.
    pub fn consume<H: EventHandler>(&mut self, handler: H) {
        let consumer = Consumer::new(self.name, self.broker.clone(), handler);
        self.add_check("rabbitmq", consumer.status().readiness_check());
        self.tasks
            .push(Box::pin(consumer.run(self.shutdown.clone())));
    }

    /// Registers a named readiness check (`/readyz` fails while it fails).
    pub fn add_check<F, Fut>(&mut self, name: &'static str, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let check: CheckFn = std::sync::Arc::new(move || Box::pin(check()));
        self.checks.push((name, check));
    }

    /// Runs `task` once the server is bound; the service waits for it when it stops, so the
    /// task should end on [`Wiring::shutdown`].
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.push(Box::pin(task));
    }
}

/// A started service: bound, consuming and relaying.
#[derive(Debug)]
pub struct Running {
    server: BoundServer,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The HTTP server's address (the real port when started on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Handles that stop its relay, consumer and tasks at once, wherever they are, as a killed
    /// process would (tests that crash a service).
    pub fn abort_handles(&self) -> Vec<tokio::task::AbortHandle> {
        self.tasks
            .iter()
            .map(tokio::task::JoinHandle::abort_handle)
            .collect()
    }

    /// Serves until shutdown, then lets the relay, consumer and tasks finish.
    ///
    /// # Errors
    ///
    /// The server failed.
    pub async fn run(self) -> anyhow::Result<()> {
        let served = self.server.run().await;
        for task in self.tasks {
            let _ = task.await;
        }
        served
    }
}

/// Starts the service `S` with `config`, stopping on `shutdown`: its topology declared (or
/// verified), its stores connected by [`Service::wire`], its queue prepared, its server bound,
/// its relay, consumer and tasks running.
///
/// # Errors
///
/// A dependency unreachable at start-up, a topology that does not match, or bad settings.
pub async fn start<S: Service>(
    config: &Config<S::Settings>,
    shutdown: Shutdown,
) -> anyhow::Result<Running> {
    let common = &config.shared;
    let broker = common
        .broker
        .connect(S::NAME)
        .await
        .context("cannot reach the broker (AMQP_URL)")?;
    ServiceTopology::new(&common.broker, S::NAME)
        .ensure(&broker, common.broker.mode)
        .await
        .with_context(|| format!("the {} topology is not in place", S::NAME))?;
    let _ = broker.close(200, "prepared".into()).await;

    let verifier = verifier(S::NAME, common, &shutdown)?;
    let mut wiring = Wiring {
        name: S::NAME,
        broker: common.broker.clone(),
        verifier: verifier.clone(),
        self_authenticated: Vec::new(),
        shutdown: shutdown.clone(),
        checks: Vec::new(),
        tasks: Vec::new(),
    };
    let router = S::wire(&config.own, &mut wiring).await?;
    let auth = wiring
        .self_authenticated
        .iter()
        .fold(GatewayAuth::new(verifier), |auth, prefix| {
            auth.except_under(prefix)
        });
    let server = HttpServer::new(S::NAME, common.http.clone(), router)
        .with_default_port(S::DEFAULT_PORT)
        .require_gateway_token(auth)
        .with_shutdown(shutdown);
    for (name, check) in wiring.checks {
        server.readiness().add_check(name, move || check());
    }
    let server = server.bind().await?;
    let tasks = wiring.tasks.into_iter().map(tokio::spawn).collect();
    Ok(Running { server, tasks })
}

/// The whole binary of the service `S`: configuration from flags and the environment, logs,
/// start, and serving until SIGTERM or SIGINT.
///
/// # Errors
///
/// Bad settings, or a start-up or serving failure.
pub async fn main<S: Service>() -> anyhow::Result<()> {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Config::<S::Settings>::command()
        .name(S::NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .about(format!(
            "Mercato's {} service; every setting is a flag or an environment variable",
            S::NAME
        ))
        .get_matches();
    let config = Config::<S::Settings>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    crate::telemetry::init(S::NAME, config.shared.http.log_format)?;
    start::<S>(&config, Shutdown::on_signals()?)
        .await?
        .run()
        .await
}

/// The verifier of internal tokens with `aud = name` (or `TOKEN_AUDIENCE` when set). Keys read
/// from `TOKEN_JWKS_FILE` are read again every `TOKEN_JWKS_RELOAD_SECONDS` until `shutdown`, so
/// a rotation needs no restart.
///
/// # Errors
///
/// Fails when the gateway's public keys cannot be loaded.
pub fn verifier(
    name: &'static str,
    config: &ServiceConfig,
    shutdown: &Shutdown,
) -> anyhow::Result<TokenVerifier> {
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
    let verifier = TokenVerifier::internal(keys, audience);
    if let (None, Some(path)) = (&config.tokens.token_jwks, &config.tokens.token_jwks_file) {
        let reloaded = verifier.clone();
        let path_shown = path.display().to_string();
        tokio::spawn(crate::token::reload::watch_file(
            path.clone(),
            std::time::Duration::from_secs(config.tokens.token_jwks_reload_seconds),
            shutdown.clone(),
            move |text| match KeySet::from_jwks_json(text) {
                Ok(keys) => {
                    tracing::info!(path = %path_shown, keys = keys.len(), "reloaded the gateway keys");
                    reloaded.reload(keys);
                }
                Err(error) => {
                    tracing::warn!(path = %path_shown, %error, "the new key file is invalid; keeping the current keys");
                }
            },
        ));
    }
    Ok(verifier)
}
