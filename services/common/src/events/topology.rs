//! The RabbitMQ topology of one service, derived from the catalog.
//!
//! - topic exchange `mercato.events` (all events, routing key = event type);
//! - direct exchange `mercato.dlx` for dead letters;
//! - per consuming service, the work queue `mercato.<service>` bound to exactly the event types
//!   it consumes, with a delivery limit and dead-lettering to `mercato.<service>.dlq`;
//! - retry queues `mercato.<service>.retry.<n>` holding a failed event for a growing delay
//!   (message TTL), after which the broker dead-letters it straight back to the work queue
//!   through the default exchange, so other services never see a retry.

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, Connection, ExchangeKind};

use super::broker::{BrokerConfig, QueueType, TopologyMode};
use super::catalog::consumed_by;

/// The names and settings of one service's queues.
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
    queue_type: QueueType,
    delivery_limit: u32,
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
}

impl ServiceTopology {
    /// The topology of `service` under the names of `config`, bound to the catalog's event types.
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
        let queue = format!("{}.{service}", config.queue_prefix);
        let retry_queues = config
            .retry_delays()
            .into_iter()
            .enumerate()
            .map(|(i, delay)| (format!("{queue}.retry.{}", i + 1), delay))
            .collect();
        Self {
            exchange: config.exchange.clone(),
            dead_letter_exchange: config.dead_letter_exchange.clone(),
            dead_letter_queue: format!("{queue}.dlq"),
            queue,
            retry_queues,
            bindings,
            queue_type: config.queue_type,
            delivery_limit: config.delivery_limit,
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
    /// In verify mode, a missing exchange or queue; in either mode, a broker failure.
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
        if !self.consumes() {
            return Ok(());
        }
        for (name, args) in self.queues() {
            channel
                .queue_declare(
                    name.as_str().into(),
                    QueueDeclareOptions {
                        durable: true,
                        ..Default::default()
                    },
                    args,
                )
                .await
                .map_err(|source| TopologyError::Broker {
                    action: "declare queue",
                    name: name.clone(),
                    source,
                })?;
        }
        for key in &self.bindings {
            bind(&channel, &self.queue, &self.exchange, key).await?;
        }
        bind(
            &channel,
            &self.dead_letter_queue,
            &self.dead_letter_exchange,
            &self.queue,
        )
        .await?;
        close(channel).await;
        Ok(())
    }

    /// Checks that every exchange and queue exists, without creating anything.
    ///
    /// # Errors
    ///
    /// [`TopologyError::Broker`] naming the first missing exchange or queue.
    pub async fn verify(&self, connection: &Connection) -> Result<(), TopologyError> {
        // A failed passive declare closes its channel, so every check gets its own.
        let channel = open(connection, &self.queue).await?;
        self.declare_exchanges(&channel, true).await?;
        close(channel).await;
        if !self.consumes() {
            return Ok(());
        }
        for (name, _) in self.queues() {
            let channel = open(connection, &name).await?;
            channel
                .queue_declare(
                    name.as_str().into(),
                    QueueDeclareOptions {
                        passive: true,
                        ..Default::default()
                    },
                    FieldTable::default(),
                )
                .await
                .map_err(|source| TopologyError::Broker {
                    action: "find queue",
                    name: name.clone(),
                    source,
                })?;
            close(channel).await;
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
        for (name, kind) in [
            (&self.exchange, ExchangeKind::Topic),
            (&self.dead_letter_exchange, ExchangeKind::Direct),
        ] {
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

    /// Every queue with its declaration arguments.
    fn queues(&self) -> Vec<(String, FieldTable)> {
        let mut work = FieldTable::default();
        self.add_queue_type(&mut work);
        if self.queue_type == QueueType::Quorum {
            work.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongInt(i32::try_from(self.delivery_limit).unwrap_or(i32::MAX)),
            );
        }
        work.insert(
            "x-dead-letter-exchange".into(),
            long_string(&self.dead_letter_exchange),
        );
        work.insert("x-dead-letter-routing-key".into(), long_string(&self.queue));

        let mut dead = FieldTable::default();
        self.add_queue_type(&mut dead);

        let mut queues = vec![
            (self.queue.clone(), work),
            (self.dead_letter_queue.clone(), dead),
        ];
        for (name, delay) in &self.retry_queues {
            // Classic and durable: a delay queue needs no replication of its own, and an expired
            // message goes back to the work queue by its name through the default exchange.
            let mut retry = FieldTable::default();
            retry.insert(
                "x-message-ttl".into(),
                AMQPValue::LongLongInt(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
            );
            retry.insert("x-dead-letter-exchange".into(), long_string(""));
            retry.insert("x-dead-letter-routing-key".into(), long_string(&self.queue));
            queues.push((name.clone(), retry));
        }
        queues
    }

    fn add_queue_type(&self, args: &mut FieldTable) {
        let kind = match self.queue_type {
            QueueType::Quorum => "quorum",
            QueueType::Classic => "classic",
        };
        args.insert("x-queue-type".into(), long_string(kind));
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
        self.queues().into_iter().map(|(name, _)| name).collect()
    }
}

fn long_string(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
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

async fn bind(
    channel: &Channel,
    queue: &str,
    exchange: &str,
    key: &str,
) -> Result<(), TopologyError> {
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            ShortString::from(key),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|source| TopologyError::Broker {
            action: "bind",
            name: format!("{queue} to {exchange} with {key}"),
            source,
        })
}

async fn close(channel: Channel) {
    let _ = channel.close(200, "done".into()).await;
}
