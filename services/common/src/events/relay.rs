//! The outbox relay: publishes what services wrote to their outbox, in order of creation.
//!
//! Each cycle claims a batch of unsent rows (claimed rows are invisible to other replicas'
//! relays: row locks on SQL stores, a lease on MongoDB), publishes them all with publisher
//! confirms, and marks sent only the confirmed ones. A crash anywhere before the mark leaves
//! the rows unsent, so they are published again later: delivery is at-least-once, and the
//! consumers' inbox makes the effect exactly-once. Sent rows are purged after a retention period.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use uuid::Uuid;

use super::broker::{Backoff, BrokerConfig, ConnectError};
use super::publisher::{Outcome, OutgoingMessage, Publisher};
use crate::server::Shutdown;

/// A store's outbox, as the relay sees it.
pub trait OutboxStore: Send + Sync + 'static {
    /// Rows held by one relay until [`OutboxStore::complete`].
    type Claim: Send;

    /// Claims up to `limit` unsent rows, oldest first, that no other relay holds.
    fn claim(
        &self,
        limit: usize,
    ) -> impl Future<Output = anyhow::Result<(Self::Claim, Vec<OutgoingMessage>)>> + Send;

    /// Marks `sent` as sent and releases the claim.
    fn complete(
        &self,
        claim: Self::Claim,
        sent: &[Uuid],
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Deletes rows sent longer than `retention` ago; returns how many.
    fn purge_sent(&self, retention: Duration) -> impl Future<Output = anyhow::Result<u64>> + Send;

    /// The number of unsent rows and the age of the oldest.
    fn pending(&self) -> impl Future<Output = anyhow::Result<(u64, Option<Duration>)>> + Send;
}

/// How a relay paces itself.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Rows claimed and published per cycle.
    pub batch_size: usize,
    /// Pause when the outbox is empty (a [`RelayWaker`] cuts it short).
    pub poll_interval: Duration,
    /// How long sent rows are kept.
    pub retention: Duration,
    /// How often sent rows are purged.
    pub purge_interval: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(250),
            retention: Duration::from_secs(72 * 3600),
            purge_interval: Duration::from_secs(600),
        }
    }
}

/// Wakes a sleeping relay right after a commit, so events leave without waiting for the poll.
#[derive(Debug, Clone, Default)]
pub struct RelayWaker(Arc<Notify>);

impl RelayWaker {
    /// Wakes the relay.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Publishes a store's outbox until shutdown.
#[derive(Debug)]
pub struct Relay<S> {
    service: &'static str,
    store: S,
    broker: BrokerConfig,
    config: RelayConfig,
    waker: RelayWaker,
}

impl<S: OutboxStore> Relay<S> {
    /// A relay for `service`'s outbox in `store`.
    pub fn new(service: &'static str, store: S, broker: BrokerConfig, config: RelayConfig) -> Self {
        Self {
            service,
            store,
            broker,
            config,
            waker: RelayWaker::default(),
        }
    }

    /// A handle that wakes this relay.
    pub fn waker(&self) -> RelayWaker {
        self.waker.clone()
    }

    /// Runs until `shutdown` fires, reconnecting to the broker with backoff as needed.
    pub async fn run(self, shutdown: Shutdown) {
        let mut backoff = Backoff::new();
        let mut last_purge = Instant::now();
        let mut last_stats = Instant::now() - Duration::from_secs(60);
        'connect: while !shutdown.is_triggered() {
            let publisher = match self.open().await {
                Ok(publisher) => {
                    backoff.reset();
                    publisher
                }
                Err(err) => {
                    tracing::warn!(service = self.service, error = %err, "relay cannot reach the broker");
                    self.pause(&shutdown, backoff.next_delay()).await;
                    continue;
                }
            };
            loop {
                if shutdown.is_triggered() {
                    break 'connect;
                }
                if last_stats.elapsed() >= Duration::from_secs(5) {
                    self.record_pending().await;
                    last_stats = Instant::now();
                }
                if last_purge.elapsed() >= self.config.purge_interval {
                    self.purge().await;
                    last_purge = Instant::now();
                }
                match self.cycle(&publisher).await {
                    Ok(CycleResult::Full) => {}
                    Ok(CycleResult::Drained) => self.idle(&shutdown).await,
                    Err(CycleError::Broker(err)) => {
                        tracing::warn!(service = self.service, error = %err, "relay lost the broker; reconnecting");
                        self.pause(&shutdown, backoff.next_delay()).await;
                        continue 'connect;
                    }
                    Err(CycleError::Store(err)) => {
                        tracing::error!(service = self.service, error = ?err, "relay cannot read its outbox");
                        self.pause(&shutdown, backoff.next_delay()).await;
                    }
                }
            }
        }
        tracing::info!(service = self.service, "relay stopped");
    }

    async fn open(&self) -> Result<Publisher, ConnectError> {
        let connection = self
            .broker
            .connect(&format!("{}-relay", self.service))
            .await?;
        Ok(Publisher::open(&connection).await?)
    }

    /// Claims, publishes and completes one batch.
    async fn cycle(&self, publisher: &Publisher) -> Result<CycleResult, CycleError> {
        let (claim, messages) = self
            .store
            .claim(self.config.batch_size)
            .await
            .map_err(CycleError::Store)?;
        if messages.is_empty() {
            self.store
                .complete(claim, &[])
                .await
                .map_err(CycleError::Store)?;
            return Ok(CycleResult::Drained);
        }
        let exchange = self.broker.topology.exchange.as_str();
        // Events are routed by their type.
        let routed: Vec<(&str, &OutgoingMessage)> = messages
            .iter()
            .map(|m| (m.event_type.as_str(), m))
            .collect();
        let outcomes = match publisher.publish_all(exchange, &routed).await {
            Ok(outcomes) => outcomes,
            Err(err) => {
                // Nothing is known to be stored: release the claim and publish again later.
                let _ = self.store.complete(claim, &[]).await;
                return Err(CycleError::Broker(err));
            }
        };
        let mut sent = Vec::with_capacity(messages.len());
        for (message, outcome) in messages.iter().zip(outcomes) {
            let event_type = message.event_type.clone();
            match outcome {
                Outcome::Confirmed => {
                    sent.push(message.id);
                    metrics::counter!("events_published_total", "service" => self.service, "type" => event_type).increment(1);
                }
                Outcome::Unroutable | Outcome::Refused => {
                    // Kept unsent: a missing binding is a topology fault to fix, not a reason
                    // to lose the event.
                    let reason = if outcome == Outcome::Unroutable {
                        "unroutable"
                    } else {
                        "refused"
                    };
                    tracing::warn!(service = self.service, event_id = %message.id, event_type, reason, "event not accepted by the broker; will retry");
                    metrics::counter!("events_publish_failed_total", "service" => self.service, "type" => event_type, "reason" => reason).increment(1);
                }
            }
        }
        let full = messages.len() >= self.config.batch_size && sent.len() == messages.len();
        self.store
            .complete(claim, &sent)
            .await
            .map_err(CycleError::Store)?;
        Ok(if full {
            CycleResult::Full
        } else {
            CycleResult::Drained
        })
    }

    async fn idle(&self, shutdown: &Shutdown) {
        tokio::select! {
            () = self.waker.0.notified() => {}
            () = tokio::time::sleep(self.config.poll_interval) => {}
            () = shutdown.triggered() => {}
        }
    }

    async fn pause(&self, shutdown: &Shutdown, delay: Duration) {
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shutdown.triggered() => {}
        }
    }

    async fn record_pending(&self) {
        match self.store.pending().await {
            Ok((count, oldest)) => {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "a gauge; exactness beyond 2^52 rows is moot"
                )]
                metrics::gauge!("outbox_pending", "service" => self.service).set(count as f64);
                metrics::gauge!("outbox_oldest_pending_seconds", "service" => self.service)
                    .set(oldest.map_or(0.0, |age| age.as_secs_f64()));
            }
            Err(err) => {
                tracing::warn!(service = self.service, error = ?err, "cannot measure the outbox")
            }
        }
    }

    async fn purge(&self) {
        match self.store.purge_sent(self.config.retention).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(service = self.service, purged, "purged sent outbox rows"),
            Err(err) => {
                tracing::warn!(service = self.service, error = ?err, "cannot purge the outbox")
            }
        }
    }
}

enum CycleResult {
    /// A full batch went out: more may be waiting.
    Full,
    /// The outbox had less than a batch (or some rows failed): wait before the next cycle.
    Drained,
}

enum CycleError {
    Broker(lapin::Error),
    Store(anyhow::Error),
}
