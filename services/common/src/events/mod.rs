//! The event bus (feature `events`): how services tell each other what happened.
//!
//! Services never call each other; they publish events to RabbitMQ and keep read models of what
//! others publish. This module gives every service "nothing lost, nothing applied twice":
//!
//! - [`envelope`] and [`catalog`]: the wire format and every v1 event, with who publishes and
//!   who consumes it; [`emails`]: the typed variables of every email a service may request;
//! - [`topology`]: the exchanges and queues derived from the catalog, declared or verified;
//! - an outbox per store ([`postgres`], [`mysql`], [`mongo`]): events are written in the same
//!   transaction as the state change, and [`relay`] publishes them with publisher confirms;
//! - [`consumer`]: manual acks after the effect commits, an inbox per store so a redelivered
//!   event has no second effect, retries with growing delays, dead letters with reasons.
//!
//! `services/common/EVENTS.md` explains how a service publishes and consumes.

pub mod broker;
pub mod catalog;
pub mod consumer;
mod depth;
pub mod emails;
pub mod envelope;
pub mod publisher;
pub mod relay;
mod settle;
pub mod topology;

#[cfg(feature = "mongodb")]
pub mod mongo;
#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;

pub use broker::{BrokerConfig, ConnectError, TopologyMode};
pub use consumer::{Consumer, ConsumerStatus, EventHandler, HandlerError};
pub use envelope::{DecodeError, Envelope, Event};
pub use mercato_topology::QueueType;
pub use relay::{OutboxStore, Relay, RelayConfig, RelayWaker};
pub use topology::ServiceTopology;
