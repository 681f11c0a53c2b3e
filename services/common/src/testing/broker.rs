//! An isolated slice of the shared local RabbitMQ for one test.

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, ExchangeDeleteOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, message::BasicGetMessage};

use crate::events::{BrokerConfig, ServiceTopology};

/// What a dead letter says about why it died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The reason the consumer gave (`rejected: …`, `gave up after N attempts: …`, …).
    pub reason: String,
    /// The handler attempt that gave up: 1 when it was dead-lettered without a retry.
    pub attempt: i64,
}

/// Broker settings with names no other test uses, and clean-up of what they created.
#[derive(Debug)]
pub struct TestBroker {
    /// The settings to give relays and consumers.
    pub config: BrokerConfig,
    connection: Connection,
}

impl TestBroker {
    /// Settings under a fresh `test.<uuid>` prefix, and a connection for the test's own checks.
    ///
    /// # Panics
    ///
    /// If the local broker cannot be reached.
    pub async fn new() -> Self {
        super::telemetry_for_tests();
        let prefix = format!("test.{}", uuid::Uuid::now_v7().simple());
        let config = BrokerConfig::isolated(&prefix);
        let connection = config
            .connect("test")
            .await
            .expect("the local RabbitMQ answers (run scripts/deps.sh)");
        Self { config, connection }
    }

    /// The test's own connection.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Publishes `envelope` to the test's events exchange, as its producer's relay would.
    ///
    /// # Panics
    ///
    /// On broker errors.
    pub async fn publish(&self, envelope: &crate::events::Envelope) {
        let publisher = crate::events::publisher::Publisher::open(&self.connection)
            .await
            .expect("a publisher channel opens");
        let message = crate::events::publisher::OutgoingMessage::new(
            envelope.id,
            envelope.event_type.clone(),
            None,
            envelope.to_bytes(),
        );
        publisher
            .publish_one(
                &self.config.topology.exchange,
                &envelope.event_type,
                &message,
            )
            .await
            .expect("the broker confirms the event");
    }

    /// Declares a plain queue bound to `keys` on the events exchange and returns a stream of
    /// the envelopes that arrive on it.
    ///
    /// # Panics
    ///
    /// On broker errors.
    pub async fn observe_envelopes(
        &self,
        name: &str,
        keys: &[&str],
    ) -> tokio::sync::mpsc::UnboundedReceiver<crate::events::Envelope> {
        let topology = ServiceTopology::with_bindings(
            &self.config,
            name,
            keys.iter().map(|k| (*k).to_owned()).collect(),
        );
        topology
            .declare(&self.connection)
            .await
            .expect("the observer queue declares");
        let channel = self
            .connection
            .create_channel()
            .await
            .expect("a channel opens");
        let mut consumer = channel
            .basic_consume(
                topology.queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("the observer consumes");
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let _channel = channel;
            while let Some(Ok(delivery)) = consumer.next().await {
                let _ = delivery.ack(BasicAckOptions::default()).await;
                if let Ok(envelope) = crate::events::Envelope::from_bytes(&delivery.data)
                    && sender.send(envelope).is_err()
                {
                    break;
                }
            }
        });
        receiver
    }

    /// Takes one message from `queue`, if any (acknowledged).
    ///
    /// # Panics
    ///
    /// On broker errors.
    pub async fn get(&self, queue: &str) -> Option<BasicGetMessage> {
        let channel = self
            .connection
            .create_channel()
            .await
            .expect("a channel opens");
        let message = channel
            .basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic.get works");
        let _ = channel.close(200, "done".into()).await;
        message
    }

    /// Waits for the next dead letter on `queue` and returns the reason and attempt it carries.
    ///
    /// # Panics
    ///
    /// When none arrives within 20 seconds, or it carries no reason.
    pub async fn next_dead_letter(&self, queue: &str) -> DeadLetter {
        let message = super::eventually(
            "a dead letter",
            std::time::Duration::from_secs(20),
            || async { self.get(queue).await },
        )
        .await;
        let headers = message
            .delivery
            .properties
            .headers()
            .clone()
            .unwrap_or_default();
        let reason = match headers
            .inner()
            .get(crate::events::publisher::DEATH_REASON_HEADER)
        {
            Some(lapin::types::AMQPValue::LongString(reason)) => reason.to_string(),
            other => panic!("the dead letter carries no reason: {other:?}"),
        };
        let attempt = match headers
            .inner()
            .get(crate::events::publisher::ATTEMPT_HEADER)
        {
            Some(lapin::types::AMQPValue::LongLongInt(n)) => *n,
            Some(lapin::types::AMQPValue::LongInt(n)) => i64::from(*n),
            other => panic!("the dead letter carries no attempt: {other:?}"),
        };
        DeadLetter { reason, attempt }
    }

    /// Declares a queue bound to `keys` that nobody consumes, so it holds a copy of every
    /// event published with those keys from now on; [`TestBroker::drain`] reads them.
    ///
    /// # Panics
    ///
    /// On broker errors.
    pub async fn tap(&self, name: &str, keys: &[&str]) -> String {
        let topology = ServiceTopology::with_bindings(
            &self.config,
            name,
            keys.iter().map(|k| (*k).to_owned()).collect(),
        );
        topology
            .declare(&self.connection)
            .await
            .expect("the tap queue declares");
        topology.queue
    }

    /// How many messages wait in `queue` (ready, not yet delivered to a consumer). It asks on
    /// a connection of its own, so it works across a broker restart that closed the test's.
    ///
    /// # Panics
    ///
    /// On broker errors, or if the queue does not exist.
    pub async fn depth(&self, queue: &str) -> u32 {
        let connection = self
            .config
            .connect("test-depth")
            .await
            .expect("the local RabbitMQ answers");
        let channel = connection.create_channel().await.expect("a channel opens");
        let declared = channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|err| panic!("queue {queue} exists: {err}"));
        let _ = connection.close(200, "done".into()).await;
        declared.message_count()
    }

    /// Takes every message waiting in `queue` and returns their envelopes, in order. Call it
    /// once publishing is over (the outbox has nothing unsent): a tap holds every copy, so
    /// what it returns is exactly what was published, duplicates included.
    ///
    /// # Panics
    ///
    /// On broker errors, or a message that is not an envelope.
    pub async fn drain(&self, queue: &str) -> Vec<crate::events::Envelope> {
        let mut envelopes = Vec::new();
        while let Some(message) = self.get(queue).await {
            envelopes.push(
                crate::events::Envelope::from_bytes(&message.delivery.data)
                    .expect("the tap holds envelopes"),
            );
        }
        envelopes
    }

    /// How many times each event id was published, from [`TestBroker::drain`]ing a tap.
    ///
    /// # Panics
    ///
    /// As [`TestBroker::drain`].
    pub async fn drain_ids(&self, queue: &str) -> std::collections::HashMap<String, u32> {
        let mut seen = std::collections::HashMap::new();
        for envelope in self.drain(queue).await {
            *seen.entry(envelope.id.to_string()).or_insert(0) += 1;
        }
        seen
    }

    /// Deletes the queues of `services` and the test's exchanges.
    pub async fn cleanup(&self, services: &[&str]) {
        let Ok(channel) = self.connection.create_channel().await else {
            return;
        };
        for service in services {
            // A consumer's topology (any binding makes one) names its retry queues too.
            let topology =
                ServiceTopology::with_bindings(&self.config, service, vec!["cleanup".into()]);
            for queue in topology.queue_names() {
                let _ = channel
                    .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                    .await;
            }
        }
        for exchange in [
            &self.config.topology.exchange,
            &self.config.topology.dead_letter_exchange,
        ] {
            let _ = channel
                .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                .await;
        }
        let _ = channel.close(200, "done".into()).await;
    }
}
