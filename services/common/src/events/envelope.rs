//! The envelope every event travels in, and the [`Event`] trait of typed payloads.
//!
//! On the wire (JSON): `{"id", "type", "occurred_at", "producer", "correlation_id", "payload"}`.
//! `id` is a UUIDv7 (time-ordered) and is also the AMQP `message_id`; `type` is the routing key,
//! `<aggregate>.<event>.v<N>`. Consumers ignore fields they do not know, so a producer may add
//! optional fields to a `v1` payload; anything else is a new `v2` type.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A typed event payload.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The event type, which is also its routing key (e.g. `order.completed.v1`).
    const TYPE: &'static str;
}

/// One event with its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique id (UUIDv7); consumers deduplicate on it.
    pub id: Uuid,
    /// The event type and routing key.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the state change happened.
    pub occurred_at: DateTime<Utc>,
    /// The service that published it.
    pub producer: String,
    /// The request id of the request that caused it, carried into the consumers' logs.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// The event's data; decode it with [`Envelope::decode`].
    pub payload: serde_json::Value,
}

/// Why an envelope or payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not an envelope.
    #[error("not an event envelope: {0}")]
    Envelope(serde_json::Error),
    /// The payload does not match the type named in the envelope.
    #[error("payload of {event_type} does not match its schema: {source}")]
    Payload {
        /// The envelope's type.
        event_type: String,
        /// What serde found wrong.
        source: serde_json::Error,
    },
    /// The envelope holds another event type than the one asked for.
    #[error("expected a {expected} event, got {actual}")]
    WrongType {
        /// The type asked for.
        expected: &'static str,
        /// The envelope's type.
        actual: String,
    },
}

impl Envelope {
    /// A new envelope around `event`, published by `producer` because of request `correlation_id`.
    ///
    /// # Panics
    ///
    /// Never for the payload types of the catalog, which always serialize.
    pub fn new<E: Event>(producer: &str, correlation_id: Option<&str>, event: &E) -> Self {
        Self {
            id: Uuid::now_v7(),
            event_type: E::TYPE.to_owned(),
            occurred_at: Utc::now(),
            producer: producer.to_owned(),
            correlation_id: correlation_id.map(str::to_owned),
            payload: serde_json::to_value(event).expect("event payloads serialize"),
        }
    }

    /// A new envelope for `event` by `producer`, correlated with the request being handled
    /// (none outside a request).
    pub fn in_request<E: Event>(producer: &str, event: &E) -> Self {
        let request_id = crate::context::current_request_id();
        Self::new(producer, request_id.as_deref(), event)
    }

    /// Reads an envelope from message bytes.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Envelope`] when the bytes are not an envelope.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        serde_json::from_slice(bytes).map_err(DecodeError::Envelope)
    }

    /// The envelope as message bytes.
    ///
    /// # Panics
    ///
    /// Never: an envelope always serializes.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an envelope serializes")
    }

    /// The typed payload.
    ///
    /// # Errors
    ///
    /// [`DecodeError::WrongType`] for an envelope of another type, [`DecodeError::Payload`] when
    /// the payload does not have the fields of `E`.
    pub fn decode<E: Event>(&self) -> Result<E, DecodeError> {
        if self.event_type != E::TYPE {
            return Err(DecodeError::WrongType {
                expected: E::TYPE,
                actual: self.event_type.clone(),
            });
        }
        serde_json::from_value(self.payload.clone()).map_err(|source| DecodeError::Payload {
            event_type: self.event_type.clone(),
            source,
        })
    }
}
