//! A service's RabbitMQ topology on the broker: declared at start-up locally, verified in a
//! cluster (where the operator declares it). What the topology is comes from
//! `mercato-topology` ([`Declaration`]), the crate the operator derives it from too.

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, Connection};
use mercato_topology::{ArgValue, Declaration, ExchangeKind, QueueDecl, QueueRole};

use super::broker::{BrokerConfig, TopologyMode};
use super::catalog::consumed_by;

/// The names and settings of one service's exchanges and queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTopology {
    /// The events exchange.
    pub exchange: String,
    /// The dead-letter exchange.
    pub dead_letter_exchange: String,
    /// The work queue.
    pub queue: String,
    /// The dead-letter queue.
    pub dead_letter_queue: String,
    /// Retry queues with their delays, shortest first.
    pub retry_queues: Vec<(String, Duration)>,
    /// Routing keys bound to the work queue.
    pub bindings: Vec<String>,
    declaration: Declaration,
}

/// Why the topology could not be declared or verified.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// The broker refused or failed an operation.
    #[error("failed to {action} {name}: {source}")]
    Broker {
        /// What was being done.
        action: &'static str,
        /// The exchange or queue.
        name: String,
        /// The broker's answer.
        source: lapin::Error,
    },
    /// A queue exists with other arguments than the service's settings give it.
    #[error(
        "queue {name} exists with other arguments than this service expects ({detail}): the EVENTS_* settings and the broker disagree"
    )]
    Mismatch {
        /// The queue.
        name: String,
        /// The broker's answer, naming the argument.
        detail: String,
    },
}

impl ServiceTopology {
    /// The topology of `service` under the settings of `config`, bound to the catalog's event
    /// types.
    pub fn new(config: &BrokerConfig, service: &str) -> Self {
        Self::with_bindings(
            config,
            service,
            consumed_by(service)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        )
    }

    /// The topology of `service` with explicit bindings (tests, tools).
    pub fn with_bindings(config: &BrokerConfig, service: &str, bindings: Vec<String>) -> Self {
        let settings = &config.topology;
        let keys: Vec<&str> = bindings.iter().map(String::as_str).collect();
        let declaration = Declaration::of(settings, service, &keys);
        let retry_queues = declaration
            .retry_queues()
            .filter_map(|q| match q.role {
                QueueRole::Retry { delay_ms, .. } => {
                    Some((q.name.clone(), Duration::from_millis(delay_ms)))
                }
                _ => None,
            })
            .collect();
        Self {
            exchange: settings.exchange.clone(),
            dead_letter_exchange: settings.dead_letter_exchange.clone(),
            queue: settings.work_queue(service),
            dead_letter_queue: settings.dead_letter_queue(service),
            retry_queues,
            bindings,
            declaration,
        }
    }

    /// Whether the service consumes anything (publish-only services have no queues).
    pub fn consumes(&self) -> bool {
        !self.bindings.is_empty()
    }

    /// Declares or verifies the topology, as `mode` says.
    ///
    /// # Errors
    ///
    /// In verify mode, a missing exchange or queue, or a queue with other arguments; in either
    /// mode, a broker failure.
    pub async fn ensure(
        &self,
        connection: &Connection,
        mode: TopologyMode,
    ) -> Result<(), TopologyError> {
        match mode {
            TopologyMode::Declare => self.declare(connection).await,
            TopologyMode::Verify => self.verify(connection).await,
        }
    }

    /// Declares exchanges, queues and bindings; declaring what exists with the same arguments
    /// changes nothing.
    ///
    /// # Errors
    ///
    /// A broker failure, or an existing queue with other arguments.
    pub async fn declare(&self, connection: &Connection) -> Result<(), TopologyError> {
        let channel = open(connection, &self.queue).await?;
        self.declare_exchanges(&channel, false).await?;
        for queue in &self.declaration.queues {
            declare_queue(&channel, queue, false).await?;
        }
        for binding in &self.declaration.bindings {
            channel
                .queue_bind(
                    binding.destination.as_str().into(),
                    binding.source.as_str().into(),
                    ShortString::from(binding.routing_key.as_str()),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|source| TopologyError::Broker {
                    action: "bind",
                    name: format!(
                        "{} to {} with {}",
                        binding.destination, binding.source, binding.routing_key
                    ),
                    source,
                })?;
        }
        close(channel).await;
        Ok(())
    }

    /// Checks, without creating anything, that every exchange and queue exists and that each
    /// queue has the arguments this service's settings give it.
    ///
    /// The arguments are compared by declaring the existing queue again with them: RabbitMQ
    /// changes nothing when they are equal and refuses with `PRECONDITION_FAILED` naming the
    /// argument when they are not. A broker that refuses the service that permission
    /// (`ACCESS_REFUSED`) leaves the arguments unchecked, with a warning.
    ///
    /// # Errors
    ///
    /// [`TopologyError::Broker`] naming the first missing exchange or queue, or
    /// [`TopologyError::Mismatch`] naming the first queue with other arguments.
    pub async fn verify(&self, connection: &Connection) -> Result<(), TopologyError> {
        // A failed declare closes its channel, so every check gets its own.
        let channel = open(connection, &self.queue).await?;
        self.declare_exchanges(&channel, true).await?;
        close(channel).await;
        for queue in &self.declaration.queues {
            let channel = open(connection, &queue.name).await?;
            declare_queue(&channel, queue, true).await?;
            close(channel).await;
            let channel = open(connection, &queue.name).await?;
            match declare_queue(&channel, queue, false).await {
                Ok(()) => close(channel).await,
                Err(TopologyError::Broker { source, .. }) if refused(&source, 406) => {
                    return Err(TopologyError::Mismatch {
                        name: queue.name.clone(),
                        detail: source.to_string(),
                    });
                }
                Err(TopologyError::Broker { source, .. }) if refused(&source, 403) => {
                    tracing::warn!(queue = %queue.name, "not allowed to compare the queue's arguments; it exists");
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    async fn declare_exchanges(
        &self,
        channel: &Channel,
        passive: bool,
    ) -> Result<(), TopologyError> {
        let options = ExchangeDeclareOptions {
            durable: true,
            passive,
            ..Default::default()
        };
        for (name, kind) in &self.declaration.exchanges {
            let kind = match kind {
                ExchangeKind::Topic => lapin::ExchangeKind::Topic,
                ExchangeKind::Direct => lapin::ExchangeKind::Direct,
            };
            channel
                .exchange_declare(name.as_str().into(), kind, options, FieldTable::default())
                .await
                .map_err(|source| TopologyError::Broker {
                    action: if passive {
                        "find exchange"
                    } else {
                        "declare exchange"
                    },
                    name: name.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// The retry queue for the `attempt`-th failure (1-based); the last one repeats.
    pub fn retry_queue_for(&self, attempt: u32) -> Option<&str> {
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        self.retry_queues
            .get(index)
            .or_else(|| self.retry_queues.last())
            .map(|(name, _)| name.as_str())
    }

    /// Every queue name, work queue first (for tools and test clean-up).
    pub fn queue_names(&self) -> Vec<String> {
        if self.declaration.queues.is_empty() {
            // A publisher has none; tools still name where a consumer's would be.
            let mut names = vec![self.queue.clone(), self.dead_letter_queue.clone()];
            names.extend(self.retry_queues.iter().map(|(name, _)| name.clone()));
            return names;
        }
        self.declaration
            .queues
            .iter()
            .map(|q| q.name.clone())
            .collect()
    }
}

/// Whether the broker closed the channel with reply code `code`.
fn refused(error: &lapin::Error, code: u16) -> bool {
    match error.kind() {
        lapin::ErrorKind::ProtocolError(amqp) => amqp.get_id() == code,
        _ => false,
    }
}

async fn declare_queue(
    channel: &Channel,
    queue: &QueueDecl,
    passive: bool,
) -> Result<(), TopologyError> {
    let mut arguments = FieldTable::default();
    if !passive {
        for (key, value) in &queue.arguments {
            let value = match value {
                ArgValue::Text(text) => AMQPValue::LongString(LongString::from(text.as_str())),
                ArgValue::Int32(n) => AMQPValue::LongInt(*n),
                ArgValue::Int64(n) => AMQPValue::LongLongInt(*n),
            };
            arguments.insert((*key).into(), value);
        }
    }
    channel
        .queue_declare(
            queue.name.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                passive,
                ..Default::default()
            },
            arguments,
        )
        .await
        .map(|_| ())
        .map_err(|source| TopologyError::Broker {
            action: if passive {
                "find queue"
            } else {
                "declare queue"
            },
            name: queue.name.clone(),
            source,
        })
}

async fn open(connection: &Connection, name: &str) -> Result<Channel, TopologyError> {
    connection
        .create_channel()
        .await
        .map_err(|source| TopologyError::Broker {
            action: "open a channel for",
            name: name.to_owned(),
            source,
        })
}

async fn close(channel: Channel) {
    let _ = channel.close(200, "done".into()).await;
}
