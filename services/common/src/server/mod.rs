//! The HTTP server every component runs.
//!
//! [`HttpServer`] wraps a component's routes with the probes, request ids, access logs, metrics
//! and error handling of the platform, binds (port 0 works and the real port is reported), sets
//! `TCP_NODELAY` on accepted sockets, and shuts down gracefully:
//!
//! 1. the [`Shutdown`] trigger fires (SIGTERM, SIGINT, or a test);
//! 2. `/readyz` turns 503 at once, while the listener keeps serving for the drain window so load
//!    balancers notice before connections are refused;
//! 3. the listener closes; in-flight requests get the shutdown timeout to finish;
//! 4. connections close and [`BoundServer::run`] returns.

mod middleware;
mod probes;
mod shutdown;

use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::config::CommonConfig;

pub use middleware::{
    MetricsRoute, REQUEST_ID_HEADER, is_acceptable_request_id, not_found, request_id_of,
};
pub use probes::{CheckFn, Readiness, is_probe_path};
pub use shutdown::Shutdown;

/// A component's routes plus everything the platform adds around them, ready to bind.
#[derive(Debug)]
pub struct HttpServer {
    name: &'static str,
    config: CommonConfig,
    router: Router,
    readiness: Readiness,
    shutdown: Shutdown,
    auth: Option<crate::token::GatewayAuth>,
    default_port: u16,
    trust_request_id: bool,
}

impl HttpServer {
    /// A server for the component `name` serving `router` (whose state is already applied).
    pub fn new(name: &'static str, config: CommonConfig, router: Router) -> Self {
        Self {
            name,
            config,
            router,
            readiness: Readiness::default(),
            shutdown: Shutdown::new(),
            auth: None,
            default_port: 0,
            trust_request_id: true,
        }
    }

    /// Uses `shutdown` as the trigger (e.g. [`Shutdown::on_signals`], or one shared with
    /// background tasks).
    #[must_use]
    pub fn with_shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// The port to listen on (on 127.0.0.1) when the config names no address.
    #[must_use]
    pub fn with_default_port(mut self, port: u16) -> Self {
        self.default_port = port;
        self
    }

    /// Whether an inbound `x-request-id` is kept (the default, for services behind the gateway)
    /// or always replaced (the edge, unless a trusted proxy sets it).
    #[must_use]
    pub fn trust_request_id(mut self, trust: bool) -> Self {
        self.trust_request_id = trust;
        self
    }

    /// Requires a valid internal gateway token on every route and fallback except the probes.
    #[must_use]
    pub fn require_gateway_token(mut self, auth: crate::token::GatewayAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The readiness of this server, to register dependency checks on.
    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// Binds the listener.
    ///
    /// # Errors
    ///
    /// Fails when the address cannot be bound.
    pub async fn bind(self) -> anyhow::Result<BoundServer> {
        let addr = self
            .config
            .listen_addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], self.default_port)));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|err| anyhow::anyhow!("failed to bind {addr}: {err}"))?;
        let local_addr = listener.local_addr()?;
        // Install the recorder before the first request so no measurement goes to a no-op.
        crate::telemetry::prometheus();
        tracing::info!(component = self.name, address = %local_addr, "listening");
        let app = wrap(
            self.router,
            self.readiness.clone(),
            self.auth,
            self.trust_request_id,
        );
        Ok(BoundServer {
            name: self.name,
            listener,
            local_addr,
            app,
            readiness: self.readiness,
            shutdown: self.shutdown,
            config: self.config,
        })
    }
}

/// Adds probes, fallbacks and the platform's layers to a component's routes.
fn wrap(
    router: Router,
    readiness: Readiness,
    auth: Option<crate::token::GatewayAuth>,
    trust_request_id: bool,
) -> Router {
    let mut app = router
        .merge(probes::routes(readiness))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed);
    if let Some(auth) = auth {
        // Around the fallback too: without a token, even an unknown path answers 401.
        app = app.layer(axum::middleware::from_fn_with_state(
            auth,
            crate::token::require_gateway_token,
        ));
    }
    app.layer(
        ServiceBuilder::new()
            .layer(middleware::ObserveLayer { trust_request_id })
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(middleware::make_span::<axum::body::Body>),
            )
            // Inside `Observe`, so a panic is counted and its 500 names the request id.
            .layer(CatchPanicLayer::custom(middleware::panic_response)),
    )
}

/// A server bound to its address, not yet serving.
#[derive(Debug)]
pub struct BoundServer {
    name: &'static str,
    listener: TcpListener,
    local_addr: SocketAddr,
    app: Router,
    readiness: Readiness,
    shutdown: Shutdown,
    config: CommonConfig,
}

impl BoundServer {
    /// The address actually bound (the real port when the config asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The trigger that stops this server.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// The readiness of this server.
    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// Serves until the shutdown trigger fires, then shuts down gracefully (see the module docs).
    ///
    /// # Errors
    ///
    /// Fails when the listener fails in a way that is not a per-connection error.
    pub async fn run(self) -> anyhow::Result<()> {
        let Self {
            name,
            listener,
            app,
            readiness,
            shutdown,
            config,
            ..
        } = self;
        let drain = config.shutdown_drain();
        let timeout = config.shutdown_timeout();

        let stop_accepting = {
            let shutdown = shutdown.clone();
            async move {
                shutdown.triggered().await;
                readiness.begin_shutdown();
                tracing::info!(
                    component = name,
                    drain_seconds = drain.as_secs(),
                    "draining"
                );
                tokio::time::sleep(drain).await;
                tracing::info!(
                    component = name,
                    "closing listener; finishing in-flight requests"
                );
            }
        };
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!(%err, "failed to set TCP_NODELAY");
            }
        });
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop_accepting);

        let deadline = async {
            shutdown.triggered().await;
            tokio::time::sleep(drain + timeout).await;
        };
        tokio::select! {
            result = serve => result?,
            () = deadline => {
                tracing::warn!(component = name, "in-flight requests did not finish in time; closing");
            }
        }
        tracing::info!(component = name, "stopped");
        Ok(())
    }
}

#[cfg(test)]
mod tests;
