//! A service's Socket.IO server for gateways: it admits only internal tokens addressed to the
//! service, puts every gateway in one room, sends [`Delivery`]s to that room across replicas
//! through Redis, and hands the [`PresenceChange`]s gateways send to the service.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use redis::AsyncCommands;
use serde::Serialize;
use socketioxide::SocketIo;
use socketioxide::adapter::Emitter;
use socketioxide::extract::{Data, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide_redis::{RedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use uuid::Uuid;

use super::{DELIVER, Delivery, PRESENCE, PresenceChange, presence_key};
use crate::token::TokenVerifier;

/// The route that serves Socket.IO through `layer` at `/socket.io/`: handshakes, polling and
/// WebSocket upgrades go to the Socket.IO server; anything else there is a 404 in the common
/// shape.
pub fn socket_io_route<A: socketioxide::adapter::Adapter>(layer: SocketIoLayer<A>) -> axum::Router {
    use tower::Layer;
    axum::Router::new().route_service(
        "/socket.io/",
        layer.layer(axum::routing::any(crate::server::not_found)),
    )
}

/// The room every gateway connection joins.
const GATEWAYS: &str = "gateways";

type Io = SocketIo<RedisAdapter<Emitter>>;

/// What a service does when a gateway reports a user online or offline.
pub type PresenceHandler = Arc<dyn Fn(PresenceChange) -> BoxFuture<'static, ()> + Send + Sync>;

/// Where the hub meets its peers and reads presence.
#[derive(Debug, Clone, clap::Args)]
pub struct RealtimeConfig {
    /// Redis, shared by the service's replicas and the gateways (presence).
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// The channel prefix the service's replicas share; replicas of one service must use the
    /// same, and no other service the same (defaults to `mercato-<service>`).
    #[arg(long, env = "REALTIME_CHANNEL")]
    pub realtime_channel: Option<String>,
    /// The prefix of the presence keys the gateways write (the gateways' `PRESENCE_PREFIX`).
    #[arg(long, env = "PRESENCE_PREFIX", default_value = super::DEFAULT_PRESENCE_PREFIX)]
    pub presence_prefix: String,
}

impl RealtimeConfig {
    /// Local Redis, the given channel, the default presence prefix.
    pub fn local(channel: impl Into<String>, presence_prefix: impl Into<String>) -> Self {
        Self {
            redis_url: "redis://127.0.0.1:6379".into(),
            realtime_channel: Some(channel.into()),
            presence_prefix: presence_prefix.into(),
        }
    }
}

#[derive(Clone)]
struct HubState {
    verifier: TokenVerifier,
    presence: Option<PresenceHandler>,
}

/// The service's side of real time: deliveries to gateways, presence from them.
#[derive(Clone)]
pub struct Hub {
    io: Io,
    redis: redis::aio::ConnectionManager,
    presence_prefix: String,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("presence_prefix", &self.presence_prefix)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, serde::Deserialize)]
struct Handshake {
    token: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(&'static str);

impl Hub {
    /// Starts the hub of `service`: returns the route that serves it (merge it into the
    /// service's router) and the hub. `presence` is called for each change a gateway reports.
    ///
    /// # Errors
    ///
    /// Redis cannot be reached.
    pub async fn start(
        service: &'static str,
        config: &RealtimeConfig,
        verifier: TokenVerifier,
        presence: Option<PresenceHandler>,
    ) -> anyhow::Result<(axum::Router, Self)> {
        // The adapter's driver speaks RESP3.
        let pubsub_url = if config.redis_url.contains("protocol=") {
            config.redis_url.clone()
        } else if config.redis_url.contains('?') {
            format!("{}&protocol=resp3", config.redis_url)
        } else {
            format!("{}?protocol=resp3", config.redis_url)
        };
        let pubsub = redis::Client::open(pubsub_url)?;
        let channel = config
            .realtime_channel
            .clone()
            .unwrap_or_else(|| format!("mercato-{service}"));
        let adapter = RedisAdapterCtr::new_with_redis_config(
            &pubsub,
            RedisAdapterConfig::new().with_prefix(channel),
        )
        .await?;
        let redis =
            redis::aio::ConnectionManager::new(redis::Client::open(config.redis_url.as_str())?)
                .await?;
        let (layer, io) = SocketIo::builder()
            .with_state(HubState { verifier, presence })
            .with_adapter::<RedisAdapter<_>>(adapter)
            .build_layer();
        io.ns("/", on_connect.with(authenticate))
            .await
            .map_err(|err| anyhow::anyhow!("cannot start the real-time hub: {err}"))?;
        Ok((
            socket_io_route(layer),
            Self {
                io,
                redis,
                presence_prefix: config.presence_prefix.clone(),
            },
        ))
    }

    /// Sends `event` with `data` to the sockets of `to`, through every gateway. A user with no
    /// live socket simply gets nothing: real time adds to what the API serves, never replaces it.
    pub async fn deliver(&self, to: &[Uuid], event: &str, data: &impl Serialize) {
        let delivery = Delivery {
            to: to.to_vec(),
            event: event.to_owned(),
            data: match serde_json::to_value(data) {
                Ok(value) => value,
                Err(error) => {
                    tracing::error!(%error, event, "cannot encode a delivery");
                    return;
                }
            },
        };
        match self.io.to(GATEWAYS).emit(DELIVER, &delivery).await {
            Ok(()) => metrics::counter!("realtime_deliveries_total", "event" => event.to_owned())
                .increment(1),
            Err(error) => tracing::warn!(%error, event, "a delivery did not reach every gateway"),
        }
    }

    /// Closes every gateway's connection once `shutdown` is triggered, so the gateways reconnect
    /// to another replica instead of holding this one open until its deadline.
    pub async fn close_on(self, shutdown: crate::server::Shutdown) {
        shutdown.triggered().await;
        self.io.close().await;
    }

    /// Whether `user_id` has a live connection on any gateway. When Redis cannot say, the
    /// answer is `false`: the caller then does what it does for someone offline (an email),
    /// which is the safe side.
    pub async fn is_online(&self, user_id: Uuid) -> bool {
        let now = chrono::Utc::now().timestamp_millis();
        let mut redis = self.redis.clone();
        let live: redis::RedisResult<u64> = redis
            .zcount(presence_key(&self.presence_prefix, user_id), now, "+inf")
            .await;
        live.unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot read presence; taking the user as offline");
            0
        }) > 0
    }
}

/// Admits a connection whose handshake carries an internal token for this service.
async fn authenticate(
    State(state): State<HubState>,
    TryData(handshake): TryData<Handshake>,
) -> Result<(), Refused> {
    let handshake = handshake.map_err(|_| Refused("a gateway token is required"))?;
    state.verifier.verify(&handshake.token).map_err(|reason| {
        tracing::info!(%reason, "a real-time connection was refused");
        Refused("the gateway token is invalid or expired")
    })?;
    Ok(())
}

async fn on_connect(socket: SocketRef<RedisAdapter<Emitter>>) {
    socket.join(GATEWAYS);
    metrics::gauge!("realtime_gateways_connected").increment(1.0);
    tracing::info!(socket = %socket.id, "a gateway connected");
    socket.on(PRESENCE, on_presence);
    socket.on_disconnect(async |socket: SocketRef<RedisAdapter<Emitter>>| {
        metrics::gauge!("realtime_gateways_connected").decrement(1.0);
        tracing::info!(socket = %socket.id, "a gateway disconnected");
    });
}

async fn on_presence(State(state): State<HubState>, Data(change): Data<PresenceChange>) {
    if let Some(handler) = &state.presence {
        handler(change).await;
    }
}
