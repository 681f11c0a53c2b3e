//! Confirmed publishing: many messages in flight, each acknowledged by the broker.
//!
//! Awaiting every confirm before the next publish caps throughput near a thousand messages a
//! second; here a whole batch is published first and the confirms are awaited together.

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection};
use uuid::Uuid;

/// Header counting handler attempts of a retried event.
pub const ATTEMPT_HEADER: &str = "x-mercato-attempt";
/// Header saying why an event was dead-lettered.
pub const DEATH_REASON_HEADER: &str = "x-mercato-death-reason";

/// One message to publish.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// The event id, sent as the AMQP `message_id`.
    pub id: Uuid,
    /// The event type, sent as the AMQP `type` (and the routing key of events).
    pub event_type: String,
    /// The request id that caused the event.
    pub correlation_id: Option<String>,
    /// The envelope's JSON bytes.
    pub body: Vec<u8>,
    /// Extra headers (attempt count, death reason).
    pub headers: FieldTable,
}

impl OutgoingMessage {
    /// A message for an envelope's bytes.
    pub fn new(
        id: Uuid,
        event_type: impl Into<String>,
        correlation_id: Option<String>,
        body: Vec<u8>,
    ) -> Self {
        Self {
            id,
            event_type: event_type.into(),
            correlation_id,
            body,
            headers: FieldTable::default(),
        }
    }

    /// Adds a string header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .insert(name.into(), AMQPValue::LongString(value.into()));
        self
    }

    /// Adds an integer header.
    #[must_use]
    pub fn with_int_header(mut self, name: &str, value: i64) -> Self {
        self.headers
            .insert(name.into(), AMQPValue::LongLongInt(value));
        self
    }

    fn properties(&self) -> BasicProperties {
        let mut properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_message_id(self.id.to_string().into())
            .with_type(self.event_type.as_str().into())
            .with_headers(self.headers.clone());
        if let Some(correlation_id) = &self.correlation_id {
            properties = properties.with_correlation_id(correlation_id.as_str().into());
        }
        properties
    }
}

/// How the broker answered one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored by the broker and routed to at least one queue.
    Confirmed,
    /// Returned: no queue is bound for its routing key.
    Unroutable,
    /// Refused (nack) by the broker.
    Refused,
}

/// A channel in confirm mode.
#[derive(Debug, Clone)]
pub struct Publisher {
    channel: Channel,
}

impl Publisher {
    /// Opens a confirm-mode channel on `connection`.
    ///
    /// # Errors
    ///
    /// Fails when the channel cannot be opened.
    pub async fn open(connection: &Connection) -> Result<Self, lapin::Error> {
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok(Self { channel })
    }

    /// Publishes every message to `exchange` with its routing key, persistent and mandatory,
    /// and waits for all confirms. Outcomes are in the order of `messages`.
    ///
    /// # Errors
    ///
    /// Fails when the channel or connection fails; then no outcome is known and the caller
    /// must treat every message as not sent.
    pub async fn publish_all(
        &self,
        exchange: &str,
        messages: &[(&str, &OutgoingMessage)],
    ) -> Result<Vec<Outcome>, lapin::Error> {
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let mut pending = Vec::new();
        for &(routing_key, message) in messages {
            let confirm = self
                .channel
                .basic_publish(
                    ShortString::from(exchange),
                    ShortString::from(routing_key),
                    options,
                    &message.body,
                    message.properties(),
                )
                .await?;
            pending.push(confirm);
        }
        let mut outcomes = Vec::with_capacity(pending.len());
        for confirm in pending {
            let confirmation = confirm.await?;
            outcomes.push(if confirmation.is_nack() {
                Outcome::Refused
            } else if confirmation.take_message().is_some() {
                Outcome::Unroutable
            } else {
                Outcome::Confirmed
            });
        }
        Ok(outcomes)
    }

    /// Publishes one message and waits for its confirm.
    ///
    /// # Errors
    ///
    /// As [`Publisher::publish_all`].
    pub async fn publish_one(
        &self,
        exchange: &str,
        routing_key: &str,
        message: &OutgoingMessage,
    ) -> Result<Outcome, lapin::Error> {
        let outcomes = self
            .publish_all(exchange, &[(routing_key, message)])
            .await?;
        Ok(outcomes.first().copied().unwrap_or(Outcome::Refused))
    }

    /// The underlying channel.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }
}
