//! Real time: how a service's events reach the browsers of the users they are for.
//!
//! Browsers hold Socket.IO connections to the gateway only. A service that has something to
//! say in real time (chat, orders) runs a Socket.IO server of its own that only gateways
//! connect to, each with an internal token addressed to the service. The service emits one
//! [`Delivery`] per event, naming the user ids it is for, to every connected gateway (across
//! service replicas, through a Redis adapter: [`hub`]); each gateway hands it to the sockets of
//! those users that are connected to it, so each socket gets it once, whichever replica sent it
//! and whichever gateway holds the socket.
//!
//! The other way, gateways tell the service when a user comes online or goes offline
//! ([`PresenceChange`]). Which users are online lives in Redis ([`presence_key`]): one sorted
//! set per user of the connections gateways hold for them, each scored by the moment it lapses
//! unless its gateway refreshes it, so the connections of a gateway that crashed lapse on
//! their own.

#[cfg(feature = "realtime")]
pub mod hub;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The event a service emits to gateways: a [`Delivery`].
pub const DELIVER: &str = "deliver";
/// The event a gateway emits to services: a [`PresenceChange`].
pub const PRESENCE: &str = "presence";
/// How long a connection counts as live without its gateway refreshing it.
pub const PRESENCE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// How often a gateway refreshes the connections it holds (well within [`PRESENCE_TTL`]).
pub const PRESENCE_REFRESH: std::time::Duration = std::time::Duration::from_secs(20);

/// One real-time event for some users: the gateway emits `event` with `data` to each of their
/// sockets it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The users it is for.
    pub to: Vec<Uuid>,
    /// The Socket.IO event name browsers listen to (`message:received`).
    pub event: String,
    /// Its payload.
    pub data: serde_json::Value,
}

/// A user came online (their first connection) or went offline (their last one closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceChange {
    /// The user.
    pub user_id: Uuid,
    /// Whether they now have a live connection.
    pub online: bool,
}

/// The Redis sorted set of `user_id`'s live connections: members `<gateway>/<socket id>`,
/// scores the Unix time in milliseconds at which each lapses.
pub fn presence_key(prefix: &str, user_id: Uuid) -> String {
    format!("{prefix}:presence:{user_id}")
}

/// The default prefix of presence keys (settable, so that separate deployments or tests can
/// share one Redis).
pub const DEFAULT_PRESENCE_PREFIX: &str = "mercato";
