//! Real time for browsers: the Socket.IO server at `/socket.io/`.
//!
//! A socket authenticates on connect with its access token, `auth: {token}` or the access
//! cookie (then only from an allowed origin, as for any cookie-authenticated request), and
//! joins its user's room; anything else is refused. When the token expires the socket is sent
//! `session:expired` and disconnected, unless it sent a fresh token of the same user first
//! (`authenticate`, `{token}`, acknowledged with `{ok, expires_at}` or `{ok: false, error}`).
//!
//! What the services' hubs deliver ([`upstream`]) goes to the sockets of the users it names;
//! each gateway holds its own sockets and every gateway receives every delivery, so each
//! socket gets each event once. Who is online is shared through Redis ([`presence`]); the
//! hubs hear of each user who comes online or goes offline.

pub mod presence;
pub mod upstream;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use mercato_common::clock::Clock;
use mercato_common::realtime::PresenceChange;
use mercato_common::token::{Caller, TokenVerifier};
use serde::Deserialize;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use uuid::Uuid;

use crate::session::{ACCESS_COOKIE, check_origin, cookie};

pub use presence::Presence;
pub use upstream::Hubs;

/// The room of a user's sockets.
pub fn user_room(user: Uuid) -> String {
    format!("user:{user}")
}

/// What the connection handlers share.
#[derive(Clone)]
struct Realtime {
    verifier: TokenVerifier,
    allowed_origins: Arc<Vec<String>>,
    presence: Presence,
    hubs: Hubs,
    clock: Clock,
}

/// Who a socket speaks for, and until when.
#[derive(Clone)]
struct SocketSession {
    caller: Caller,
    expires_at: Arc<AtomicI64>,
}

#[derive(Debug, Deserialize)]
struct Handshake {
    token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(&'static str);

/// Starts the browsers' Socket.IO server: returns its route (`/socket.io/`) and the server,
/// to deliver to.
pub fn start(
    verifier: TokenVerifier,
    allowed_origins: Vec<String>,
    presence: Presence,
    hubs: Hubs,
    clock: Clock,
) -> (axum::Router, SocketIo) {
    let (layer, io) = SocketIo::builder()
        .with_state(Realtime {
            verifier,
            allowed_origins: Arc::new(allowed_origins),
            presence,
            hubs,
            clock,
        })
        .build_layer();
    io.ns("/", on_connect.with(authenticate));
    (mercato_common::realtime::hub::socket_io_route(layer), io)
}

/// Admits a socket that proves who it is, and remembers who.
async fn authenticate(
    socket: SocketRef,
    State(realtime): State<Realtime>,
    TryData(handshake): TryData<Handshake>,
) -> Result<(), Refused> {
    let headers = &socket.req_parts().headers;
    let token = match handshake.ok().and_then(|h| h.token) {
        Some(token) => token,
        None => {
            let token = cookie(headers, ACCESS_COOKIE).ok_or(Refused(
                "sign in first: send auth.token or the session cookie",
            ))?;
            // A page on another site must not ride the user's cookie into their socket.
            check_origin(headers, &realtime.allowed_origins)
                .map_err(|_| Refused("this origin may not use the session cookie"))?;
            token.to_owned()
        }
    };
    let verified = realtime.verifier.verify(&token).map_err(|reason| {
        tracing::info!(%reason, "a socket's token was refused");
        Refused("the access token is invalid or expired")
    })?;
    let caller = verified
        .caller
        .ok_or(Refused("the access token names no user"))?;
    socket.extensions.insert(SocketSession {
        caller,
        expires_at: Arc::new(AtomicI64::new(verified.expires_at)),
    });
    Ok(())
}

async fn on_connect(socket: SocketRef, State(realtime): State<Realtime>) {
    let Some(session) = socket.extensions.get::<SocketSession>() else {
        socket.disconnect().ok();
        return;
    };
    let user = session.caller.user_id;
    socket.join(user_room(user));
    metrics::gauge!("gateway_socketio_connections").increment(1.0);
    if realtime
        .presence
        .connected(user, &socket.id.to_string())
        .await
    {
        realtime
            .hubs
            .presence(PresenceChange {
                user_id: user,
                online: true,
            })
            .await;
    }
    socket.on("authenticate", reauthenticate);
    socket.on_disconnect(
        async |socket: SocketRef, State(realtime): State<Realtime>| {
            metrics::gauge!("gateway_socketio_connections").decrement(1.0);
            let Some(session) = socket.extensions.get::<SocketSession>() else {
                return;
            };
            let user = session.caller.user_id;
            if realtime
                .presence
                .disconnected(user, &socket.id.to_string())
                .await
            {
                realtime
                    .hubs
                    .presence(PresenceChange {
                        user_id: user,
                        online: false,
                    })
                    .await;
            }
        },
    );
    tokio::spawn(expire(socket, session, realtime.clock.clone()));
}

/// How often an open socket's expiry is looked at, at most: a fresh token may have moved it,
/// and the clock is the gateway's (which tests move).
const EXPIRY_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Disconnects `socket` once its token has expired, unless it was given a fresh one meanwhile.
async fn expire(socket: SocketRef, session: SocketSession, clock: Clock) {
    loop {
        let left = session.expires_at.load(Ordering::SeqCst) - clock.unix_seconds();
        if left <= 0 {
            break;
        }
        let wait = std::time::Duration::from_secs(u64::try_from(left).unwrap_or(0));
        tokio::time::sleep(wait.min(EXPIRY_CHECK)).await;
        if !socket.connected() {
            return;
        }
    }
    let _ = socket.emit(
        "session:expired",
        &serde_json::json!({"message": "the access token expired; connect again with a fresh one"}),
    );
    socket.disconnect().ok();
}

/// `authenticate`: a fresh access token for the same user keeps the socket open.
async fn reauthenticate(
    socket: SocketRef,
    State(realtime): State<Realtime>,
    Data(handshake): Data<Handshake>,
    ack: AckSender,
) {
    let Some(session) = socket.extensions.get::<SocketSession>() else {
        return;
    };
    let answer = match handshake
        .token
        .as_deref()
        .map(|token| realtime.verifier.verify(token))
    {
        Some(Ok(verified))
            if verified.caller.as_ref().map(|c| c.user_id) == Some(session.caller.user_id) =>
        {
            session
                .expires_at
                .store(verified.expires_at, Ordering::SeqCst);
            serde_json::json!({"ok": true, "expires_at": verified.expires_at})
        }
        Some(Ok(_)) => serde_json::json!({"ok": false, "error": "the token is another user's"}),
        _ => serde_json::json!({"ok": false, "error": "the access token is invalid or expired"}),
    };
    let _ = ack.send(&answer);
}
