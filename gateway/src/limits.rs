//! Rate limits shared by every gateway replica, counted in Redis.
//!
//! A fixed one-minute window per key (`scope:key`) whose count lives in Redis, so every replica
//! sees the same total. Asking Redis on every request would cost a round trip and Redis's own
//! CPU per request (together about a sixth of the machine's work per proxied request, see
//! `bench/README.md`), so each replica counts locally and reports in batches:
//!
//! - a key far from its limit may count a few requests locally: its *local budget* is an
//!   eighth of what is left below half its limit, as last read from Redis;
//! - a background task adds the local counts to Redis every sync interval and reads back the
//!   totals of all replicas;
//! - a request beyond the budget is counted in Redis at once, together with the local counts
//!   before it, and decided on the total Redis returns.
//!
//! So small limits (sign-in attempts) are exact, and a large one can be overrun only by what
//! replicas spend of their budgets between two syncs: at most a sixteenth of the limit per
//! replica, and only while the total they last read was below half.
//!
//! When Redis is unreachable the limiter lets requests through and says so in logs and
//! metrics: losing rate limits for a while is better than losing the whole API. No request
//! waits for Redis longer than [`REDIS_DEADLINE`], and after a failure requests stop asking
//! for [`OUTAGE_PAUSE`] while the sync task keeps probing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use anyhow::Context;
pub use mercato_common::clock::Clock;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The longest a request waits for Redis; it answers in well under a millisecond when well.
pub const REDIS_DEADLINE: Duration = Duration::from_millis(250);
/// How long requests stop asking Redis after it failed.
pub const OUTAGE_PAUSE: Duration = Duration::from_secs(1);

const WINDOW_SECONDS: u64 = 60;
/// A key may count locally one `LOCAL_SHARE`th of its headroom below half the limit.
const LOCAL_SHARE: u64 = 8;
/// Keys counted locally at most; requests for further keys go to Redis directly.
const MAX_LOCAL_KEYS: usize = 100_000;
/// Redis keeps a window's count a little longer than the window.
const KEY_TTL_SECONDS: u64 = 2 * WINDOW_SECONDS;

/// The rate-limit window (minute since the epoch) `clock` stands in.
pub fn window(clock: &Clock) -> u64 {
    clock.unix_millis() / 1000 / WINDOW_SECONDS
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Under the limit.
    Allow,
    /// Over the limit; retry after this long.
    Deny(Duration),
}

/// One key's count in one window, as this replica knows it.
#[derive(Debug)]
struct Count {
    window: u64,
    /// The total of all replicas when Redis last answered for this key.
    known: u64,
    /// Counted here and not yet added in Redis.
    pending: u64,
}

impl Count {
    fn new(window: u64) -> Self {
        Self {
            window,
            known: 0,
            pending: 0,
        }
    }

    /// Counts one request locally, or hands back how many to add in Redis now (the pending
    /// ones and this one) when the local budget is spent.
    fn count(&mut self, per_minute: u64) -> Option<u64> {
        let budget = (per_minute / 2).saturating_sub(self.known) / LOCAL_SHARE;
        if self.pending < budget {
            self.pending += 1;
            None
        } else {
            Some(std::mem::take(&mut self.pending) + 1)
        }
    }
}

/// Counts requests per key, locally and in Redis.
#[derive(Clone)]
pub struct Limiter(Arc<Shared>);

struct Shared {
    redis: ConnectionManager,
    prefix: String,
    clock: Clock,
    /// Keyed by `scope:key`, hashed with ahash: randomly keyed like the default SipHash, so
    /// keys a client chooses (an account name) cannot be made to collide, at a fraction of its
    /// cost on every request.
    counts: Mutex<HashMap<String, Count, ahash::RandomState>>,
    /// Whether the last exchange with Redis worked, so that an outage is logged once.
    redis_healthy: AtomicBool,
    /// Until when (Unix milliseconds) requests do not ask Redis, after a failure.
    paused_until_ms: AtomicU64,
    /// The window whose predecessors were last forgotten, so they are swept once per window.
    swept_window: AtomicU64,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("prefix", &self.0.prefix)
            .finish_non_exhaustive()
    }
}

impl Limiter {
    /// Connects to Redis at `url` and starts a limiter whose keys start with `prefix`,
    /// reporting local counts every `sync_interval` from a background task that ends when the
    /// last clone is dropped, reading the time from `clock`.
    ///
    /// # Errors
    ///
    /// The URL is invalid or Redis cannot be reached.
    pub async fn connect(
        url: &str,
        prefix: impl Into<String>,
        sync_interval: Duration,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("REDIS_URL is invalid")?;
        // The defaults retry a lost connection for seconds while commands wait; here a
        // command fails fast and the next one tries again.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_DEADLINE))
            .set_response_timeout(Some(REDIS_DEADLINE))
            .set_number_of_retries(1)
            .set_max_delay(REDIS_DEADLINE);
        let redis = ConnectionManager::new_with_config(client, config)
            .await
            .context("cannot reach Redis")?;
        let shared = Arc::new(Shared {
            redis,
            prefix: prefix.into(),
            clock,
            counts: Mutex::new(HashMap::default()),
            redis_healthy: AtomicBool::new(true),
            paused_until_ms: AtomicU64::new(0),
            swept_window: AtomicU64::new(0),
        });
        tokio::spawn(sync_periodically(Arc::downgrade(&shared), sync_interval));
        Ok(Self(shared))
    }

    /// Counts one request for `scope`/`key` against `per_minute`.
    pub async fn check(&self, scope: &str, key: &str, per_minute: u64) -> Decision {
        let now_ms = self.0.clock.unix_millis();
        let now = now_ms / 1000;
        let window = now / WINDOW_SECONDS;
        let mut name = String::with_capacity(scope.len() + 1 + key.len());
        name.push_str(scope);
        name.push(':');
        name.push_str(key);
        let to_add = {
            let mut counts = self.0.counts();
            if let Some(count) = counts.get_mut(name.as_str()) {
                if count.window != window {
                    *count = Count::new(window);
                }
                count.count(per_minute)
            } else if counts.len() < MAX_LOCAL_KEYS {
                let mut count = Count::new(window);
                let to_add = count.count(per_minute);
                counts.insert(name.clone(), count);
                to_add
            } else {
                Some(1)
            }
        };
        let Some(to_add) = to_add else {
            return Decision::Allow;
        };
        if self.0.paused_until_ms.load(Ordering::Relaxed) > now_ms {
            metrics::counter!("gateway_rate_limit_errors_total").increment(1);
            return Decision::Allow;
        }
        let Some(&total) = self
            .0
            .add(&[(name.as_str(), window, to_add)])
            .await
            .as_deref()
            .and_then(<[u64]>::first)
        else {
            return Decision::Allow;
        };
        self.0.learn(&name, window, total);
        if total > per_minute {
            metrics::counter!("gateway_rate_limited_total", "scope" => scope.to_owned())
                .increment(1);
            Decision::Deny(Duration::from_secs(WINDOW_SECONDS - now % WINDOW_SECONDS))
        } else {
            Decision::Allow
        }
    }

    /// Adds every local count to Redis now and learns the totals (the background task does
    /// this every sync interval), and forgets the windows that have passed.
    pub async fn sync(&self) {
        self.0.sync().await;
    }

    /// Whether Redis answers, for `/readyz`.
    ///
    /// # Errors
    ///
    /// Redis is unreachable.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut redis = self.0.redis.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut redis)
            .await
            .map(|_| ())
    }
}

impl Shared {
    fn counts(&self) -> MutexGuard<'_, HashMap<String, Count, ahash::RandomState>> {
        // A panic elsewhere cannot leave a count half-updated: each update is one assignment.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn sync(&self) {
        let current = window(&self.clock);
        let batch: Vec<(String, u64, u64)> = {
            let mut counts = self.counts();
            let batch = counts
                .iter_mut()
                .filter(|(_, count)| count.pending > 0)
                .map(|(name, count)| {
                    (
                        name.clone(),
                        count.window,
                        std::mem::take(&mut count.pending),
                    )
                })
                .collect();
            if self.swept_window.swap(current, Ordering::Relaxed) != current {
                counts.retain(|_, count| count.window >= current);
            }
            batch
        };
        if batch.is_empty() {
            return;
        }
        let keys: Vec<(&str, u64, u64)> = batch
            .iter()
            .map(|(name, window, n)| (name.as_str(), *window, *n))
            .collect();
        if let Some(totals) = self.add(&keys).await {
            for ((name, window, _), total) in keys.into_iter().zip(totals) {
                self.learn(name, window, total);
            }
        }
    }

    /// Adds `n` to each `(name, window)` in Redis in one atomic pipeline and returns the new
    /// totals, or `None` (logged and counted) when Redis fails.
    async fn add(&self, keys: &[(&str, u64, u64)]) -> Option<Vec<u64>> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (name, window, n) in keys {
            let key = format!("{}rl:{name}:{window}", self.prefix);
            pipe.cmd("INCRBY").arg(&key).arg(*n);
            pipe.cmd("EXPIRE").arg(&key).arg(KEY_TTL_SECONDS).ignore();
        }
        let mut redis = self.redis.clone();
        let answer = tokio::time::timeout(REDIS_DEADLINE, pipe.query_async::<Vec<u64>>(&mut redis))
            .await
            .unwrap_or_else(|_| {
                Err(redis::RedisError::from(std::io::Error::from(
                    std::io::ErrorKind::TimedOut,
                )))
            });
        match answer {
            Ok(totals) => {
                self.paused_until_ms.store(0, Ordering::Relaxed);
                if !self.redis_healthy.swap(true, Ordering::Relaxed) {
                    tracing::info!("rate limiter reaches Redis again");
                }
                Some(totals)
            }
            Err(err) => {
                let pause = u64::try_from(OUTAGE_PAUSE.as_millis()).unwrap_or(u64::MAX);
                self.paused_until_ms.store(
                    self.clock.unix_millis().saturating_add(pause),
                    Ordering::Relaxed,
                );
                metrics::counter!("gateway_rate_limit_errors_total").increment(1);
                if self.redis_healthy.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %err, "rate limiter cannot reach Redis; letting requests through");
                }
                None
            }
        }
    }

    /// Records the total Redis returned for a key, unless its window has moved on.
    fn learn(&self, name: &str, window: u64, total: u64) {
        if let Some(count) = self.counts().get_mut(name)
            && count.window == window
        {
            count.known = count.known.max(total);
        }
    }
}

async fn sync_periodically(shared: Weak<Shared>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        shared.sync().await;
    }
}
