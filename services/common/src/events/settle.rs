//! One delivery's way through the consumer ([`super::consumer`]): decoded, handed to the
//! handler (alone or in a batch), then settled: acknowledged after its effect committed, sent
//! to a retry queue with its attempt count, or dead-lettered with the reason in a header.

use std::sync::Arc;
use std::time::Instant;

use lapin::message::Delivery;
use lapin::options::BasicAckOptions;
use lapin::types::AMQPValue;
use tracing::Instrument;

use super::consumer::{EventHandler, HandlerError};
use super::envelope::Envelope;
use super::publisher::{ATTEMPT_HEADER, DEATH_REASON_HEADER, Outcome, OutgoingMessage, Publisher};
use super::topology::ServiceTopology;

/// Everything one delivery's task needs.
pub(super) struct Work<H> {
    pub(super) service: &'static str,
    pub(super) handler: Arc<H>,
    pub(super) publisher: Publisher,
    pub(super) topology: ServiceTopology,
    pub(super) max_attempts: u32,
}

impl<H: EventHandler> Work<H> {
    /// Handles a batch of deliveries: undecodable ones go to the dead-letter queue, the rest
    /// to the handler (one by one, or as a batch when it takes batches), then each is settled.
    pub(super) async fn process(self, batch: Vec<Delivery>) {
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
