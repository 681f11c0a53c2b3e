//! What a service needs on the broker: its exchanges, queues (with their arguments) and
//! bindings, derived from its [`TopologySettings`] and the event types it consumes.
//!
//! - the topic exchange events are published to, and the direct dead-letter exchange;
//! - a consuming service's work queue, bound to exactly the event types it consumes, with a
//!   delivery limit (quorum) and dead-lettering to its dead-letter queue;
//! - one retry queue per delay, holding a failed event for that long (message TTL) before the
//!   broker dead-letters it straight back to the work queue through the default exchange, so
//!   other services never see a retry;
//! - the dead-letter queue, bound to the dead-letter exchange by the work queue's name.

use std::collections::BTreeMap;

use crate::settings::{QueueType, TopologySettings};

/// An exchange type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExchangeKind {
    /// Routing by pattern on the routing key (events).
    Topic,
    /// Routing by exact routing key (dead letters).
    Direct,
}

impl ExchangeKind {
    /// The type's name on the broker.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Direct => "direct",
        }
    }
}

/// A queue argument's value, with the AMQP width the services have always declared it with
/// (RabbitMQ compares arguments when a queue is declared again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgValue {
    /// A string.
    Text(String),
    /// A 32-bit integer.
    Int32(i32),
    /// A 64-bit integer.
    Int64(i64),
}

/// What a queue is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueRole {
    /// The service's work queue.
    Work,
    /// Where events go after the last attempt.
    DeadLetter,
    /// Holds events for the delay before the attempt after `failure`.
    Retry {
        /// The failure it follows (1-based).
        failure: u32,
        /// How long it holds them.
        delay_ms: u64,
    },
}

/// One queue and how it is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDecl {
    /// Queue name.
    pub name: String,
    /// What it is for.
    pub role: QueueRole,
    /// Its type.
    pub queue_type: QueueType,
    /// Declaration arguments.
    pub arguments: BTreeMap<&'static str, ArgValue>,
}

/// One binding of a queue to an exchange.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BindingDecl {
    /// Source exchange.
    pub source: String,
    /// Destination queue.
    pub destination: String,
    /// Routing key.
    pub routing_key: String,
}

/// Everything a service declares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Declaration {
    /// Exchanges with their kinds.
    pub exchanges: Vec<(String, ExchangeKind)>,
    /// Queues, work queue first, then the dead-letter queue and the retry queues; empty for a
    /// service that consumes nothing.
    pub queues: Vec<QueueDecl>,
    /// Bindings, sorted.
    pub bindings: Vec<BindingDecl>,
}

impl Declaration {
    /// The declaration of `service` consuming `routing_keys`, under `settings`.
    pub fn of(settings: &TopologySettings, service: &str, routing_keys: &[&str]) -> Self {
        let exchanges = vec![
            (settings.exchange.clone(), ExchangeKind::Topic),
            (settings.dead_letter_exchange.clone(), ExchangeKind::Direct),
        ];
        if routing_keys.is_empty() {
            return Self {
                exchanges,
                ..Self::default()
            };
        }
        let work = settings.work_queue(service);
        let dead = settings.dead_letter_queue(service);
        let text = |value: &str| ArgValue::Text(value.to_owned());

        let mut work_args = BTreeMap::from([
            ("x-queue-type", text(settings.queue_type.as_str())),
            (
                "x-dead-letter-exchange",
                text(&settings.dead_letter_exchange),
            ),
            ("x-dead-letter-routing-key", text(&work)),
        ]);
        if settings.queue_type == QueueType::Quorum {
            work_args.insert(
                "x-delivery-limit",
                ArgValue::Int32(i32::try_from(settings.delivery_limit).unwrap_or(i32::MAX)),
            );
        }
        let mut queues = vec![
            QueueDecl {
                name: work.clone(),
                role: QueueRole::Work,
                queue_type: settings.queue_type,
                arguments: work_args,
            },
            QueueDecl {
                name: dead.clone(),
                role: QueueRole::DeadLetter,
                queue_type: settings.queue_type,
                arguments: BTreeMap::from([("x-queue-type", text(settings.queue_type.as_str()))]),
            },
        ];
        for (index, delay) in settings.retry_delays_ms.iter().enumerate() {
            let failure = u32::try_from(index + 1).unwrap_or(u32::MAX);
            // Classic: a delay queue holds an event for a moment and needs no replication.
            queues.push(QueueDecl {
                name: format!("{work}.retry.{failure}"),
                role: QueueRole::Retry {
                    failure,
                    delay_ms: *delay,
                },
                queue_type: QueueType::Classic,
                arguments: BTreeMap::from([
                    (
                        "x-message-ttl",
                        ArgValue::Int64(i64::try_from(*delay).unwrap_or(i64::MAX)),
                    ),
                    ("x-dead-letter-exchange", text("")),
                    ("x-dead-letter-routing-key", text(&work)),
                ]),
            });
        }
        let mut bindings: Vec<BindingDecl> = routing_keys
            .iter()
            .map(|key| BindingDecl {
                source: settings.exchange.clone(),
                destination: work.clone(),
                routing_key: (*key).to_owned(),
            })
            .collect();
        bindings.push(BindingDecl {
            source: settings.dead_letter_exchange.clone(),
            destination: dead,
            routing_key: work,
        });
        bindings.sort();
        bindings.dedup();
        Self {
            exchanges,
            queues,
            bindings,
        }
    }

    /// The work queue, if the service consumes anything.
    pub fn work_queue(&self) -> Option<&QueueDecl> {
        self.queues.iter().find(|q| q.role == QueueRole::Work)
    }

    /// The dead-letter queue, if the service consumes anything.
    pub fn dead_letter_queue(&self) -> Option<&QueueDecl> {
        self.queues.iter().find(|q| q.role == QueueRole::DeadLetter)
    }

    /// The retry queues, shortest delay first.
    pub fn retry_queues(&self) -> impl Iterator<Item = &QueueDecl> {
        self.queues
            .iter()
            .filter(|q| matches!(q.role, QueueRole::Retry { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consumer_gets_a_work_queue_a_dead_letter_queue_and_one_retry_queue_per_delay() {
        let settings = TopologySettings::isolated("t");
        let declared = Declaration::of(&settings, "users", &["b.v1", "a.v1"]);

        let names: Vec<&str> = declared.queues.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "t.users",
                "t.users.dlq",
                "t.users.retry.1",
                "t.users.retry.2",
                "t.users.retry.3"
            ]
        );
        let work = declared.work_queue().expect("a work queue");
        assert_eq!(work.arguments["x-delivery-limit"], ArgValue::Int32(20));
        assert_eq!(
            work.arguments["x-dead-letter-routing-key"],
            ArgValue::Text("t.users".into())
        );
        let retry = declared
            .retry_queues()
            .nth(1)
            .expect("a second retry queue");
        assert_eq!(retry.arguments["x-message-ttl"], ArgValue::Int64(5_000));
        assert_eq!(retry.queue_type, QueueType::Classic);
        let keys: Vec<(&str, &str)> = declared
            .bindings
            .iter()
            .map(|b| (b.source.as_str(), b.routing_key.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("t.dlx", "t.users"),
                ("t.events", "a.v1"),
                ("t.events", "b.v1")
            ]
        );
    }

    #[test]
    fn a_classic_queue_has_no_delivery_limit_and_a_publisher_no_queues() {
        let settings = TopologySettings {
            queue_type: QueueType::Classic,
            ..TopologySettings::default()
        };
        let declared = Declaration::of(&settings, "users", &["a.v1"]);
        assert!(
            !declared
                .work_queue()
                .expect("work")
                .arguments
                .contains_key("x-delivery-limit")
        );

        let publisher = Declaration::of(&settings, "auth", &[]);
        assert!(publisher.queues.is_empty() && publisher.bindings.is_empty());
        assert_eq!(publisher.exchanges.len(), 2);
    }
}
