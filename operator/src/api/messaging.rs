//! The spec's `messaging` section: the broker, the exchange a component publishes to and the
//! queue it consumes, with retries and dead letters.

use kube::KubeSchema;
use mercato_topology::settings::defaults;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SecretKeyRef;

/// The component's part of the RabbitMQ topology. Every setting here reaches the component
/// through its environment (`EVENTS_*`), so what the operator declares is what it verifies.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("!has(self.publishes) || !has(self.consumes) || self.consumes.all(c, c.bindings.all(b, b.exchange == self.publishes[0].exchange))")
        .message("the queue's bindings come from the exchange the component publishes to: a service has one EVENTS_EXCHANGE")
)]
pub struct Messaging {
    /// The broker the topology is declared on.
    pub broker: BrokerRef,
    /// The Secret key holding the AMQP URL the component connects with (`AMQP_URL`).
    pub credentials: SecretKeyRef,
    /// Virtual host.
    #[serde(default = "default_vhost")]
    #[schemars(length(min = 1, max = 255))]
    pub vhost: String,
    /// The exchange the component publishes events to (a topic exchange; at most one: a
    /// service publishes through one `EVENTS_EXCHANGE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["exchange".into()]))]
    #[schemars(length(max = 1))]
    pub publishes: Vec<Publish>,
    /// The queue the component consumes, with its bindings (at most one: a service consumes
    /// one work queue).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["queue".into()]))]
    #[schemars(length(max = 1))]
    pub consumes: Vec<Consume>,
}

/// The broker: an in-cluster `RabbitmqCluster`, or a connection Secret for one outside.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("[has(self.name), has(self.connectionSecret), has(self.managementSecret)].filter(x, x).size() == 1")
        .message("messaging.broker needs exactly one of name (a RabbitmqCluster), connectionSecret or managementSecret")
)]
pub struct BrokerRef {
    /// Name of a `RabbitmqCluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub name: Option<String>,
    /// Namespace of that `RabbitmqCluster` (defaults to the object's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
    /// A Secret with `uri`, `username` and `password` of a broker no operator manages, for the
    /// Topology Operator to reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub connection_secret: Option<String>,
    /// A Secret with `url`, `username` and `password` of a broker's HTTP management API (e.g.
    /// Amazon MQ): this operator then declares the topology itself, no Topology Operator needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub management_secret: Option<String>,
}

/// The exchange the component publishes to (declared as a durable topic exchange).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Publish {
    /// Exchange name, e.g. `mercato.events`.
    #[schemars(length(min = 1, max = 255))]
    pub exchange: String,
}

/// A queue the component consumes, with its bindings, retries and dead letters.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("self.type == oldSelf.type && self.retry.delaysMs == oldSelf.retry.delaysMs && self.retry.deliveryLimit == oldSelf.retry.deliveryLimit && self.deadLetter == oldSelf.deadLetter")
        .message("a queue's type, retry delays, delivery limit and dead letters are fixed when it is created (RabbitMQ cannot change its arguments): consume a new queue instead")
        .reason(Reason::FieldValueForbidden),
    validation = Rule::new("self.bindings.all(b, b.exchange == self.bindings[0].exchange)")
        .message("every binding of a queue comes from one exchange: a service binds from its one EVENTS_EXCHANGE")
)]
pub struct Consume {
    /// Queue name, e.g. `mercato.users`.
    #[schemars(length(min = 1, max = 255))]
    pub queue: String,
    /// Queue type; immutable once created.
    #[serde(default = "default_queue_type", rename = "type")]
    pub kind: QueueType,
    /// Routing keys bound from exchanges.
    #[x_kube(merge_strategy = ListMerge::Map(vec!["exchange".into(), "routingKey".into()]))]
    #[schemars(length(min = 1, max = 64))]
    pub bindings: Vec<QueueBinding>,
    /// Retry delays and the delivery limit.
    #[serde(default)]
    pub retry: Retry,
    /// Where events go after the last attempt.
    pub dead_letter: DeadLetter,
    /// What happens to the queue in RabbitMQ when this object is deleted.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
}

/// A queue type.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueType {
    /// Replicated, with a delivery limit.
    Quorum,
    /// Single node.
    Classic,
}

impl From<QueueType> for mercato_topology::QueueType {
    fn from(kind: QueueType) -> Self {
        match kind {
            QueueType::Quorum => Self::Quorum,
            QueueType::Classic => Self::Classic,
        }
    }
}

/// One routing key bound from an exchange.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct QueueBinding {
    /// Source exchange.
    #[schemars(length(min = 1, max = 255))]
    pub exchange: String,
    /// Routing key (an event type, or a pattern on a topic exchange).
    #[schemars(length(min = 1, max = 255))]
    pub routing_key: String,
}

/// Retry delays (one delay queue each) and the broker's delivery limit.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    /// Delays between attempts, in milliseconds; the last repeats.
    #[serde(default = "default_retry_delays")]
    #[schemars(length(max = 10))]
    #[x_kube(validation = Rule::new("self.all(d, d > 0 && d <= 86400000)")
        .message("retry delays are between 1 ms and one day"))]
    pub delays_ms: Vec<i64>,
    /// Handler attempts before an event is dead-lettered.
    #[serde(default = "default_max_attempts")]
    #[schemars(range(min = 1, max = 100))]
    pub max_attempts: i32,
    /// Deliveries a quorum queue allows before dead-lettering (crash loops).
    #[serde(default = "default_delivery_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub delivery_limit: i32,
}

/// The dead-letter exchange and queue.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// Dead-letter exchange (direct), e.g. `mercato.dlx`.
    #[schemars(length(min = 1, max = 255))]
    pub exchange: String,
    /// Dead-letter queue; defaults to `<queue>.dlq`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255))]
    pub queue: Option<String>,
}

/// Whether deleting the object deletes the queue in RabbitMQ.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Keep the queue and its messages (the default: no event is lost by a rename).
    #[default]
    Retain,
    /// Delete the queue with the object.
    Delete,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            delays_ms: default_retry_delays(),
            max_attempts: default_max_attempts(),
            delivery_limit: default_delivery_limit(),
        }
    }
}

fn default_vhost() -> String {
    "/".into()
}

fn default_queue_type() -> QueueType {
    QueueType::Quorum
}

fn default_retry_delays() -> Vec<i64> {
    defaults::RETRY_DELAYS_MS
        .iter()
        .map(|d| i64::try_from(*d).unwrap_or(i64::MAX))
        .collect()
}

fn default_max_attempts() -> i32 {
    i32::try_from(defaults::MAX_ATTEMPTS).unwrap_or(i32::MAX)
}

fn default_delivery_limit() -> i32 {
    i32::try_from(defaults::DELIVERY_LIMIT).unwrap_or(i32::MAX)
}
