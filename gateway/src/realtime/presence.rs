//! Presence in Redis: each user's live connections, on every gateway, as one sorted set per
//! user (`<prefix>:presence:<user id>`), members `<gateway id>/<socket id>`, scored by the
//! Unix millisecond at which each lapses unless its gateway refreshes it. A gateway that
//! crashes stops refreshing, and its connections lapse by themselves.
//!
//! Adding and removing a connection are each one script, so the count that decides "first
//! connection: online" and "last one gone: offline" is exact under concurrent connects on
//! several gateways.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use mercato_common::realtime::{PRESENCE_REFRESH, PRESENCE_TTL, presence_key};
use mercato_common::server::Shutdown;
use uuid::Uuid;

/// Drops lapsed members, adds one, keeps the key alive, and answers `{added, count}`.
const CONNECT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local added = redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {added, redis.call('ZCARD', KEYS[1])}
";

/// Drops lapsed members and one member, and answers `{removed, count}`.
const DISCONNECT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
return {removed, redis.call('ZCARD', KEYS[1])}
";

/// This gateway's view of presence: its own connections, and the shared counts in Redis.
#[derive(Clone)]
pub struct Presence {
    redis: redis::aio::ConnectionManager,
    prefix: String,
    gateway_id: String,
    local: Arc<Mutex<HashMap<Uuid, HashSet<String>>>>,
    connect: Arc<redis::Script>,
    disconnect: Arc<redis::Script>,
}

impl std::fmt::Debug for Presence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presence")
            .field("prefix", &self.prefix)
            .field("gateway_id", &self.gateway_id)
            .finish_non_exhaustive()
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ttl_millis() -> i64 {
    i64::try_from(PRESENCE_TTL.as_millis()).unwrap_or(60_000)
}

impl Presence {
    /// Presence through `redis`, under `prefix`, for the gateway `gateway_id`.
    pub fn new(redis: redis::aio::ConnectionManager, prefix: String, gateway_id: String) -> Self {
        Self {
            redis,
            prefix,
            gateway_id,
            local: Arc::default(),
            connect: Arc::new(redis::Script::new(CONNECT)),
            disconnect: Arc::new(redis::Script::new(DISCONNECT)),
        }
    }

    fn member(&self, socket: &str) -> String {
        format!("{}/{socket}", self.gateway_id)
    }

    /// Records `socket` of `user`; `true` when it is the user's only live connection anywhere
    /// (they just came online).
    pub async fn connected(&self, user: Uuid, socket: &str) -> bool {
        if let Ok(mut local) = self.local.lock() {
            local.entry(user).or_default().insert(socket.to_owned());
        }
        let now = now_millis();
        let answer: redis::RedisResult<(i64, i64)> = self
            .connect
            .key(presence_key(&self.prefix, user))
            .arg(now)
            .arg(now + ttl_millis())
            .arg(self.member(socket))
            .arg(ttl_millis())
            .invoke_async(&mut self.redis.clone())
            .await;
        match answer {
            Ok((added, count)) => added == 1 && count == 1,
            Err(error) => {
                tracing::warn!(%error, "cannot record a connection's presence");
                false
            }
        }
    }

    /// Forgets `socket` of `user`; `true` when the user has no live connection left anywhere
    /// (they just went offline).
    pub async fn disconnected(&self, user: Uuid, socket: &str) -> bool {
        if let Ok(mut local) = self.local.lock()
            && let Some(sockets) = local.get_mut(&user)
        {
            sockets.remove(socket);
            if sockets.is_empty() {
                local.remove(&user);
            }
        }
        let answer: redis::RedisResult<(i64, i64)> = self
            .disconnect
            .key(presence_key(&self.prefix, user))
            .arg(now_millis())
            .arg(self.member(socket))
            .invoke_async(&mut self.redis.clone())
            .await;
        match answer {
            Ok((removed, count)) => removed == 1 && count == 0,
            Err(error) => {
                tracing::warn!(%error, "cannot remove a connection's presence");
                false
            }
        }
    }

    /// Pushes the lapse time of every connection this gateway holds forward, every
    /// [`PRESENCE_REFRESH`], until `shutdown`.
    pub async fn refresh_until(self, shutdown: Shutdown) {
        let mut every = tokio::time::interval(PRESENCE_REFRESH);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.triggered() => return,
                _ = every.tick() => {}
            }
            let held: Vec<(Uuid, Vec<String>)> = match self.local.lock() {
                Ok(local) => local
                    .iter()
                    .map(|(user, sockets)| (*user, sockets.iter().cloned().collect()))
                    .collect(),
                Err(_) => continue,
            };
            if held.is_empty() {
                continue;
            }
            let lapse = now_millis() + ttl_millis();
            let mut pipe = redis::pipe();
            for (user, sockets) in &held {
                let key = presence_key(&self.prefix, *user);
                for socket in sockets {
                    pipe.zadd(&key, self.member(socket), lapse).ignore();
                }
                pipe.pexpire(&key, ttl_millis()).ignore();
            }
            let refreshed: redis::RedisResult<()> = pipe.query_async(&mut self.redis.clone()).await;
            if let Err(error) = refreshed {
                tracing::warn!(%error, "cannot refresh presence");
            }
        }
    }
}
