//! The consumer: runs a service's handler for every event on its queue, exactly once in effect.
//!
//! - A delivery is acknowledged only after the handler returns, i.e. after its effect committed.
//!   The handler records the event id in its inbox in the same transaction as the effect, so a
//!   redelivery finds the id and changes nothing.
//! - A handler error marked [`HandlerError::Retry`] sends the event to a retry queue, which
//!   returns it after a growing delay; after the last attempt, or for [`HandlerError::Reject`],
//!   it goes to the dead-letter queue with the reason in a header. Bytes that are not an
//!   envelope go to the dead-letter queue at once, and the consumer carries on.
//! - A handler may take several waiting deliveries at once ([`EventHandler::handle_batch`]) to
//!   apply them in one transaction; each is still settled on its own.
//! - Prefetch bounds the work in flight; on shutdown the consumer stops taking deliveries and
//!   finishes the ones it holds. When the broker goes away it reconnects with backoff, and
//!   [`ConsumerStatus`] reports not-ready meanwhile.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use tokio::task::JoinSet;

use super::broker::{Backoff, BrokerConfig};
use super::envelope::Envelope;
use super::publisher::Publisher;
use super::settle::Work;
use super::topology::{ServiceTopology, TopologyError};
use crate::server::Shutdown;

/// What a handler says about an event it could not apply.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// A passing failure (database down, lock timeout): try again later.
    #[error("transient failure: {0:#}")]
    Retry(anyhow::Error),
    /// The event can never be applied (violates the contract): dead-letter it now.
    #[error("rejected: {0}")]
    Reject(String),
}

/// An event that does not decode as its type says can never be applied.
impl From<super::envelope::DecodeError> for HandlerError {
    fn from(err: super::envelope::DecodeError) -> Self {
        Self::Reject(err.to_string())
    }
}

impl HandlerError {
    /// A transient failure from any error.
    pub fn retry(err: impl Into<anyhow::Error>) -> Self {
        Self::Retry(err.into())
    }
}

/// A service's reaction to its events.
pub trait EventHandler: Send + Sync + 'static {
    /// Applies `envelope`'s effect and records its id in the inbox, in one transaction;
    /// returns `Ok` also when the id was already recorded (a redelivery).
    fn handle(&self, envelope: &Envelope) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// How many deliveries already waiting may be handed to [`EventHandler::handle_batch`] at
    /// once; 1 (the default) hands each to [`EventHandler::handle`] on its own.
    fn max_batch(&self) -> usize {
        1
    }

    /// Applies several events, returning one result per envelope in the same order. Override
    /// it with [`EventHandler::max_batch`] to apply a batch in one transaction: one commit for
    /// many events is what lets a consumer keep up with a fast producer. The default handles
    /// them one by one.
    fn handle_batch(
        &self,
        envelopes: &[Envelope],
    ) -> impl Future<Output = Vec<Result<(), HandlerError>>> + Send {
        async move {
            let mut results = Vec::with_capacity(envelopes.len());
            for envelope in envelopes {
                results.push(self.handle(envelope).await);
            }
            results
        }
    }
}

/// Counts deliveries an inbox recognised as already applied (`events_duplicates_total`), so
/// redeliveries show in the metrics; the inbox claim functions of each store call it.
pub fn record_duplicates(consumer: &str, event_type: &str, count: u64) {
    if count > 0 {
        metrics::counter!("events_duplicates_total", "service" => consumer.to_owned(), "type" => event_type.to_owned())
            .increment(count);
    }
}

/// Whether the consumer is connected, for `/readyz`.
#[derive(Debug, Clone, Default)]
pub struct ConsumerStatus(Arc<AtomicBool>);

impl ConsumerStatus {
    /// Whether a consumer is attached to the queue now.
    pub fn is_connected(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// A `/readyz` check that fails while the consumer is not connected.
    pub fn readiness_check(
        &self,
    ) -> impl Fn() -> std::future::Ready<Result<(), String>> + Send + Sync + 'static {
        let status = self.clone();
        move || {
            std::future::ready(if status.is_connected() {
                Ok(())
            } else {
                Err("not connected to the broker".to_owned())
            })
        }
    }

    fn set(&self, connected: bool) {
        self.0.store(connected, Ordering::SeqCst);
    }
}

/// Consumes one service's queue until shutdown.
#[derive(Debug)]
pub struct Consumer<H> {
    service: &'static str,
    broker: BrokerConfig,
    topology: ServiceTopology,
    handler: Arc<H>,
    status: ConsumerStatus,
}

impl<H: EventHandler> Consumer<H> {
    /// A consumer of `service`'s queue (bindings from the catalog) calling `handler`.
    pub fn new(service: &'static str, broker: BrokerConfig, handler: H) -> Self {
        let topology = ServiceTopology::new(&broker, service);
        Self::with_topology(service, broker, topology, handler)
    }

    /// A consumer with an explicit topology (tests, tools).
    pub fn with_topology(
        service: &'static str,
        broker: BrokerConfig,
        topology: ServiceTopology,
        handler: H,
    ) -> Self {
        Self {
            service,
            broker,
            topology,
            handler: Arc::new(handler),
            status: ConsumerStatus::default(),
        }
    }

    /// The connection state, to register as a readiness check.
    pub fn status(&self) -> ConsumerStatus {
        self.status.clone()
    }

    /// The topology this consumer reads from.
    pub fn topology(&self) -> &ServiceTopology {
        &self.topology
    }

    /// Declares or verifies the topology once; call it at start-up so a missing queue in
    /// verify mode stops the service with a clear error.
    ///
    /// # Errors
    ///
    /// The broker is unreachable, or the topology is missing (verify) or conflicting (declare).
    pub async fn prepare(&self) -> anyhow::Result<()> {
        let connection = self.broker.connect(self.service).await?;
        let result = self.topology.ensure(&connection, self.broker.mode).await;
        let _ = connection.close(200, "prepared".into()).await;
        Ok(result?)
    }

    /// Consumes until `shutdown` fires, then finishes the deliveries in hand.
    pub async fn run(self, shutdown: Shutdown) {
        let mut backoff = Backoff::new();
        while !shutdown.is_triggered() {
            match self.session(&shutdown).await {
                Ok(()) => break,
                Err(err) => {
                    self.connected(false);
                    tracing::warn!(service = self.service, error = %err, "consumer lost the broker; reconnecting");
                    tokio::select! {
                        () = tokio::time::sleep(backoff.next_delay()) => {}
                        () = shutdown.triggered() => {}
                    }
                }
            }
        }
        self.connected(false);
        tracing::info!(service = self.service, "consumer stopped");
    }

    /// Records whether the consumer is attached, for `/readyz` and `events_consumer_connected`.
    fn connected(&self, connected: bool) {
        self.status.set(connected);
        metrics::gauge!("events_consumer_connected", "service" => self.service).set(if connected {
            1.0
        } else {
            0.0
        });
    }

    /// One connection's worth of consuming; `Ok` only when stopped by shutdown.
    async fn session(&self, shutdown: &Shutdown) -> Result<(), SessionError> {
        let connection = self.broker.connect(self.service).await?;
        self.topology.ensure(&connection, self.broker.mode).await?;
        let publisher = Publisher::open(&connection).await?;
        let channel = connection.create_channel().await?;
        channel
            .basic_qos(self.broker.prefetch, BasicQosOptions::default())
            .await?;
        let tag = format!("{}-{}", self.service, uuid::Uuid::now_v7().simple());
        let mut deliveries = channel
            .basic_consume(
                self.topology.queue.as_str().into(),
                tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        self.connected(true);
        tracing::info!(service = self.service, queue = %self.topology.queue, "consuming");
        let depths = tokio::spawn(super::depth::report(
            connection.create_channel().await?,
            self.service,
            self.topology.clone(),
            Duration::from_secs(self.broker.queue_depth_seconds),
        ));

        let mut in_flight = JoinSet::new();
        let outcome = loop {
            tokio::select! {
                () = shutdown.triggered() => break Ok(()),
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                next = deliveries.next() => match next {
                    Some(Ok(delivery)) => {
                        // Take whatever else is already waiting, without waiting for more.
                        let mut batch = vec![delivery];
                        let mut ended = None;
                        while batch.len() < self.handler.max_batch() {
                            match deliveries.next().now_or_never() {
                                Some(Some(Ok(delivery))) => batch.push(delivery),
                                Some(Some(Err(err))) => {
                                    ended = Some(SessionError::Broker(err));
                                    break;
                                }
                                Some(None) => {
                                    ended = Some(SessionError::Closed);
                                    break;
                                }
                                None => break,
                            }
                        }
                        let work = Work {
                            service: self.service,
                            handler: Arc::clone(&self.handler),
                            publisher: publisher.clone(),
                            topology: self.topology.clone(),
                            max_attempts: self.broker.max_attempts(),
                        };
                        in_flight.spawn(work.process(batch));
                        if let Some(err) = ended {
                            break Err(err);
                        }
                    }
                    Some(Err(err)) => break Err(SessionError::Broker(err)),
                    None => break Err(SessionError::Closed),
                },
            }
        };
        self.connected(false);
        depths.abort();
        if outcome.is_ok() {
            let _ = channel
                .basic_cancel(tag.as_str().into(), BasicCancelOptions::default())
                .await;
        }
        // Finish what is in hand: on shutdown the acks still go out; after a broker failure the
        // broker redelivers whatever was not acknowledged.
        while in_flight.join_next().await.is_some() {}
        let _ = connection.close(200, "bye".into()).await;
        outcome
    }
}

#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error(transparent)]
    Broker(#[from] lapin::Error),
    #[error(transparent)]
    Connect(#[from] super::broker::ConnectError),
    #[error(transparent)]
    Topology(#[from] TopologyError),
    #[error("the broker closed the consumer")]
    Closed,
}
