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
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::broker::{Backoff, BrokerConfig};
use super::envelope::Envelope;
use super::publisher::{ATTEMPT_HEADER, DEATH_REASON_HEADER, Outcome, OutgoingMessage, Publisher};
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

/// Everything one delivery's task needs.
struct Work<H> {
    service: &'static str,
    handler: Arc<H>,
    publisher: Publisher,
    topology: ServiceTopology,
    max_attempts: u32,
}

impl<H: EventHandler> Work<H> {
    /// Handles a batch of deliveries: undecodable ones go to the dead-letter queue, the rest
    /// to the handler (one by one, or as a batch when it takes batches), then each is settled.
    async fn process(self, batch: Vec<Delivery>) {
        let mut decoded = Vec::with_capacity(batch.len());
        for delivery in batch {
            match Envelope::from_bytes(&delivery.data) {
                Ok(envelope) => decoded.push((delivery, envelope)),
                Err(err) => {
                    tracing::warn!(service = self.service, error = %err, "undecodable message; dead-lettering");
                    self.dead_letter(&delivery, "undecodable", &format!("undecodable: {err}"), 1)
                        .await;
                }
            }
        }
        if let [(delivery, envelope)] = decoded.as_slice() {
            let started = Instant::now();
            let result = self
                .handler
                .handle(envelope)
                .instrument(span_of(envelope))
                .await;
            self.settle(delivery, envelope, result, started)
                .instrument(span_of(envelope))
                .await;
            return;
        }
        if decoded.is_empty() {
            return;
        }
        let envelopes: Vec<Envelope> = decoded
            .iter()
            .map(|(_, envelope)| envelope.clone())
            .collect();
        let started = Instant::now();
        let mut results = self.handler.handle_batch(&envelopes).await.into_iter();
        for (delivery, envelope) in &decoded {
            let result = results.next().unwrap_or_else(|| {
                Err(HandlerError::retry(anyhow::anyhow!(
                    "the batch handler returned no result for this event"
                )))
            });
            self.settle(delivery, envelope, result, started)
                .instrument(span_of(envelope))
                .await;
        }
    }

    /// Acknowledges, retries or dead-letters a delivery according to its handler's result.
    async fn settle(
        &self,
        delivery: &Delivery,
        envelope: &Envelope,
        result: Result<(), HandlerError>,
        started: Instant,
    ) {
        let attempt = attempt_of(delivery);
        let event_type = envelope.event_type.clone();
        metrics::histogram!("event_handler_duration_seconds", "service" => self.service, "type" => event_type.clone())
            .record(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => {
                if let Err(err) = delivery.ack(BasicAckOptions::default()).await {
                    // The effect committed; the redelivery will find the inbox entry.
                    tracing::warn!(error = %err, "ack failed; the event will be redelivered and skipped");
                }
                metrics::counter!("events_consumed_total", "service" => self.service, "type" => event_type).increment(1);
                tracing::debug!(attempt, "event applied");
            }
            Err(HandlerError::Retry(err)) if attempt < self.max_attempts => {
                tracing::warn!(attempt, error = %format!("{err:#}"), "handler failed; will retry");
                self.retry(delivery, envelope, attempt + 1).await;
            }
            Err(HandlerError::Retry(err)) => {
                let reason = format!("gave up after {attempt} attempts: {err:#}");
                tracing::error!(attempt, %reason, "dead-lettering");
                self.dead_letter(delivery, &event_type, &reason, attempt)
                    .await;
            }
            Err(HandlerError::Reject(reason)) => {
                tracing::error!(%reason, "event rejected; dead-lettering");
                self.dead_letter(
                    delivery,
                    &event_type,
                    &format!("rejected: {reason}"),
                    attempt,
                )
                .await;
            }
        }
    }

    /// Parks a copy in the retry queue for this attempt, then acknowledges the original.
    async fn retry(&self, delivery: &Delivery, envelope: &Envelope, next_attempt: u32) {
        let Some(queue) = self.topology.retry_queue_for(next_attempt - 1) else {
            self.dead_letter(
                delivery,
                &envelope.event_type,
                "no retry queue configured",
                next_attempt - 1,
            )
            .await;
            return;
        };
        let message = copy_of(delivery, &envelope.event_type)
            .with_int_header(ATTEMPT_HEADER, i64::from(next_attempt));
        if self.forward("", queue, &message).await {
            metrics::counter!("events_retried_total", "service" => self.service, "type" => envelope.event_type.clone()).increment(1);
            ack(delivery).await;
        }
    }

    /// Moves the delivery to the dead-letter queue with `reason`, then acknowledges it.
    async fn dead_letter(&self, delivery: &Delivery, event_type: &str, reason: &str, attempt: u32) {
        // Header values are bounded: a reason holding a whole error chain must not bloat the DLQ.
        let reason: String = reason.chars().take(1000).collect();
        let message = copy_of(delivery, event_type)
            .with_header(DEATH_REASON_HEADER, &reason)
            .with_int_header(ATTEMPT_HEADER, i64::from(attempt));
        let exchange = self.topology.dead_letter_exchange.clone();
        if self
            .forward(&exchange, &self.topology.queue, &message)
            .await
        {
            metrics::counter!("events_dead_lettered_total", "service" => self.service, "type" => event_type.to_owned()).increment(1);
            ack(delivery).await;
        }
    }

    /// Publishes with a confirm; on failure the original stays unacknowledged and comes back.
    async fn forward(&self, exchange: &str, routing_key: &str, message: &OutgoingMessage) -> bool {
        match self
            .publisher
            .publish_one(exchange, routing_key, message)
            .await
        {
            Ok(Outcome::Confirmed) => true,
            Ok(outcome) => {
                tracing::error!(
                    ?outcome,
                    routing_key,
                    "could not park the event; it will be redelivered"
                );
                false
            }
            Err(err) => {
                tracing::warn!(error = %err, routing_key, "could not park the event; it will be redelivered");
                false
            }
        }
    }
}

async fn ack(delivery: &Delivery) {
    if let Err(err) = delivery.ack(BasicAckOptions::default()).await {
        tracing::warn!(error = %err, "ack failed; the event will be redelivered");
    }
}

/// The log span of one event's handling.
fn span_of(envelope: &Envelope) -> tracing::Span {
    tracing::info_span!(
        "event",
        event_id = %envelope.id,
        event_type = %envelope.event_type,
        correlation_id = envelope.correlation_id.as_deref().unwrap_or("-"),
    )
}

/// The handler attempt this delivery is: 1 unless a retry queue returned it.
fn attempt_of(delivery: &Delivery) -> u32 {
    delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get(ATTEMPT_HEADER))
        .and_then(|value| match value {
            AMQPValue::LongLongInt(n) => u32::try_from(*n).ok(),
            AMQPValue::LongInt(n) => u32::try_from(*n).ok(),
            _ => None,
        })
        .unwrap_or(1)
        .max(1)
}

/// A copy of a delivery for re-publishing, keeping its id, type and correlation id.
fn copy_of(delivery: &Delivery, event_type: &str) -> OutgoingMessage {
    let properties = &delivery.properties;
    let id = properties
        .message_id()
        .as_ref()
        .and_then(|id| uuid::Uuid::parse_str(id.as_str()).ok())
        .unwrap_or_else(uuid::Uuid::nil);
    let correlation_id = properties
        .correlation_id()
        .as_ref()
        .map(|c| c.as_str().to_owned());
    OutgoingMessage::new(id, event_type, correlation_id, delivery.data.clone())
}
