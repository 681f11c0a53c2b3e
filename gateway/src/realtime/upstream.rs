//! The gateway's connections to the services' real-time hubs (chat, orders): one Socket.IO
//! client per service, authenticated with an internal token addressed to it, reconnecting
//! with backoff (and a fresh token) whenever the connection drops. What a hub delivers goes to
//! the named users' sockets on this gateway; presence changes go to every hub.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use mercato_common::realtime::{DELIVER, Delivery, PRESENCE, PresenceChange};
use mercato_common::server::Shutdown;
use mercato_common::token::TokenMinter;
use rust_socketio::Payload;
use rust_socketio::asynchronous::{Client, ClientBuilder, ReconnectSettings};
use socketioxide::SocketIo;
use tokio::sync::RwLock;

use super::user_room;

/// The services that run a real-time hub.
pub const REALTIME_SERVICES: [&str; 2] = ["chat", "orders"];

/// The first and longest wait between attempts to reach a hub.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(200), Duration::from_secs(5));

/// The connected hubs.
#[derive(Clone, Default)]
pub struct Hubs {
    clients: Arc<RwLock<Vec<(&'static str, Client)>>>,
}

impl std::fmt::Debug for Hubs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hubs").finish_non_exhaustive()
    }
}

fn handshake(minter: &TokenMinter, service: &'static str) -> serde_json::Value {
    match minter.mint_internal_token(service, None) {
        Ok(token) => serde_json::json!({"token": token}),
        Err(error) => {
            tracing::error!(%error, service, "cannot mint a token for the real-time hub");
            serde_json::json!({})
        }
    }
}

impl Hubs {
    /// Connects to the hub of each `(service, base URL)` in the background, delivering to `io`,
    /// until `shutdown`.
    pub fn connect_all(
        &self,
        services: Vec<(&'static str, String)>,
        minter: TokenMinter,
        io: SocketIo,
        shutdown: Shutdown,
    ) {
        for (service, url) in services {
            let hubs = self.clone();
            let (minter, io, shutdown) = (minter.clone(), io.clone(), shutdown.clone());
            tokio::spawn(async move {
                let mut wait = BACKOFF.0;
                let client = loop {
                    match connect(service, &url, &minter, &io).await {
                        Ok(client) => break client,
                        Err(error) => {
                            tracing::warn!(%error, service, "cannot reach the real-time hub yet");
                        }
                    }
                    tokio::select! {
                        () = shutdown.triggered() => return,
                        () = tokio::time::sleep(wait) => {}
                    }
                    wait = (wait * 2).min(BACKOFF.1);
                };
                tracing::info!(service, "connected to the real-time hub");
                hubs.clients.write().await.push((service, client.clone()));
                shutdown.triggered().await;
                let _ = client.disconnect().await;
            });
        }
    }

    /// Tells every hub that `change` happened.
    pub async fn presence(&self, change: PresenceChange) {
        let Ok(payload) = serde_json::to_value(change) else {
            return;
        };
        for (service, client) in self.clients.read().await.iter() {
            if let Err(error) = client.emit(PRESENCE, payload.clone()).await {
                tracing::warn!(%error, service, "cannot tell the hub of a presence change");
            }
        }
    }
}

async fn connect(
    service: &'static str,
    url: &str,
    minter: &TokenMinter,
    io: &SocketIo,
) -> Result<Client, rust_socketio::Error> {
    let io = io.clone();
    let refresh = minter.clone();
    ClientBuilder::new(url)
        .transport_type(rust_socketio::TransportType::Websocket)
        .auth(handshake(minter, service))
        .reconnect(true)
        .reconnect_on_disconnect(true)
        .reconnect_delay(
            u64::try_from(BACKOFF.0.as_millis()).unwrap_or(200),
            u64::try_from(BACKOFF.1.as_millis()).unwrap_or(5_000),
        )
        // A reconnection is a new handshake, with a token that has not expired.
        .on_reconnect(move || {
            let refresh = refresh.clone();
            async move {
                tracing::info!(service, "reconnecting to the real-time hub");
                let mut settings = ReconnectSettings::new();
                settings.auth(handshake(&refresh, service));
                settings
            }
            .boxed()
        })
        .on(DELIVER, move |payload: Payload, _| {
            let io = io.clone();
            async move { deliver(&io, service, payload).await }.boxed()
        })
        .connect()
        .await
}

/// Hands a hub's delivery to the named users' sockets on this gateway.
async fn deliver(io: &SocketIo, service: &'static str, payload: Payload) {
    let Payload::Text(values) = payload else {
        tracing::warn!(service, "a delivery that is not JSON");
        return;
    };
    let Some(Ok(delivery)) = values
        .into_iter()
        .next()
        .map(serde_json::from_value::<Delivery>)
    else {
        tracing::warn!(service, "a delivery that does not parse");
        return;
    };
    // Closed while shutting down: nobody is left to deliver to.
    let Some(sockets) = io.of("/") else {
        return;
    };
    let rooms: Vec<String> = delivery.to.iter().map(|user| user_room(*user)).collect();
    if let Err(error) = sockets
        .to(rooms)
        .emit(&delivery.event, &delivery.data)
        .await
    {
        tracing::warn!(%error, service, event = %delivery.event, "cannot deliver to the sockets");
    }
    metrics::counter!("gateway_realtime_deliveries_total", "service" => service, "event" => delivery.event)
        .increment(1);
}
