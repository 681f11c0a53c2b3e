//! Send-once bookkeeping in Redis, keyed by the request's event id.
//!
//! Before sending, a short "sending" claim (`SET NX` with expiry) keeps two deliveries of the
//! same request from sending at once; after the SMTP server accepted the email the key becomes
//! "sent" for a week, so a redelivery finds it and sends nothing. If the process dies between
//! the server's acceptance and the mark, the claim expires and the email may go out twice: an
//! SMTP send cannot share a transaction with Redis, and a second copy beats a lost one.

use std::time::Duration;

use redis::aio::ConnectionManager;
use uuid::Uuid;

/// What the bookkeeping says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Nobody sent or is sending it: go ahead.
    Acquired,
    /// It was sent before.
    AlreadySent,
    /// Another delivery is sending it right now.
    InProgress,
}

const SENDING: &str = "sending";
const SENT: &str = "sent";

/// The Redis side of deduplication.
#[derive(Clone)]
pub struct Dedupe {
    redis: ConnectionManager,
    prefix: String,
    claim_ttl: Duration,
    sent_ttl: Duration,
}

impl std::fmt::Debug for Dedupe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dedupe")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Dedupe {
    /// Bookkeeping under `prefix` (e.g. `mercato:notifications:`).
    pub fn new(redis: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
            claim_ttl: Duration::from_secs(120),
            sent_ttl: Duration::from_secs(7 * 24 * 3600),
        }
    }

    fn key(&self, id: Uuid) -> String {
        format!("{}email:{id}", self.prefix)
    }

    /// Claims the request for sending.
    ///
    /// # Errors
    ///
    /// Redis is unreachable.
    pub async fn claim(&self, id: Uuid) -> redis::RedisResult<Claim> {
        let mut redis = self.redis.clone();
        let key = self.key(id);
        let set: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(SENDING)
            .arg("NX")
            .arg("EX")
            .arg(self.claim_ttl.as_secs())
            .query_async(&mut redis)
            .await?;
        if set.is_some() {
            return Ok(Claim::Acquired);
        }
        let state: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut redis).await?;
        Ok(match state.as_deref() {
            Some(SENT) => Claim::AlreadySent,
            _ => Claim::InProgress,
        })
    }

    /// Records that the request was sent.
    ///
    /// # Errors
    ///
    /// Redis is unreachable.
    pub async fn mark_sent(&self, id: Uuid) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        redis::cmd("SET")
            .arg(self.key(id))
            .arg(SENT)
            .arg("EX")
            .arg(self.sent_ttl.as_secs())
            .query_async::<()>(&mut redis)
            .await
    }

    /// Gives up a claim after a failed send, so a retry can claim again.
    ///
    /// # Errors
    ///
    /// Redis is unreachable.
    pub async fn release(&self, id: Uuid) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        // Delete only our own "sending" claim, never a "sent" mark.
        redis::Script::new("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end")
            .key(self.key(id))
            .arg(SENDING)
            .invoke_async::<i64>(&mut redis)
            .await
            .map(|_| ())
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
