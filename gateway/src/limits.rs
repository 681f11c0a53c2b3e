//! Rate limits shared by every gateway replica, counted in Redis.
//!
//! A fixed one-minute window per key: one atomic script increments the window's counter and
//! sets its expiry, so two replicas count the same requests. When Redis is unreachable the
//! limiter lets requests through and says so in logs and metrics: losing rate limits for a
//! while is better than losing the whole API.

use std::time::Duration;

use redis::aio::ConnectionManager;

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Under the limit.
    Allow,
    /// Over the limit; retry after this long.
    Deny(Duration),
}

const SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
return {count, ttl}
";

/// Counts requests per key in Redis.
#[derive(Clone)]
pub struct Limiter {
    redis: ConnectionManager,
    prefix: String,
    script: redis::Script,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Limiter {
    /// A limiter whose keys start with `prefix`.
    pub fn new(redis: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
            script: redis::Script::new(SCRIPT),
        }
    }

    /// Counts one request for `scope`/`key` against `per_minute`.
    pub async fn check(&self, scope: &str, key: &str, per_minute: u64) -> Decision {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let window = now / 60;
        let redis_key = format!("{}rl:{scope}:{key}:{window}", self.prefix);
        let mut redis = self.redis.clone();
        match self
            .script
            .key(&redis_key)
            .arg(61)
            .invoke_async::<(u64, i64)>(&mut redis)
            .await
        {
            Ok((count, ttl)) if count > per_minute => {
                metrics::counter!("gateway_rate_limited_total", "scope" => scope.to_owned())
                    .increment(1);
                Decision::Deny(Duration::from_secs(
                    u64::try_from(ttl.max(1)).unwrap_or(60).min(60),
                ))
            }
            Ok(_) => Decision::Allow,
            Err(err) => {
                metrics::counter!("gateway_rate_limit_errors_total").increment(1);
                tracing::warn!(error = %err, "rate limiter unavailable; letting the request through");
                Decision::Allow
            }
        }
    }

    /// Whether Redis answers, for `/readyz`.
    ///
    /// # Errors
    ///
    /// Redis is unreachable.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut redis)
            .await
            .map(|_| ())
    }
}
