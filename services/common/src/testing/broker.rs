//! An isolated slice of the shared local RabbitMQ for one test.

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, ExchangeDeleteOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, message::BasicGetMessage};

use crate::events::{BrokerConfig, ServiceTopology};

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

    /// Declares a plain queue bound to `keys` on the events exchange and returns a stream of
    /// the ids of the events that arrive on it (an observer beside the services' queues).
    ///
    /// # Panics
    ///
    /// On broker errors.
    pub async fn observe(
        &self,
        name: &str,
        keys: &[&str],
    ) -> tokio::sync::mpsc::UnboundedReceiver<String> {
        let mut envelopes = self.observe_envelopes(name, keys).await;
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(envelope) = envelopes.recv().await {
                if sender.send(envelope.id.to_string()).is_err() {
                    break;
                }
            }
        });
        receiver
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

    /// Waits for the next dead letter on `queue` and returns the reason it carries.
    ///
    /// # Panics
    ///
    /// When none arrives within 20 seconds, or it carries no reason.
    pub async fn dead_letter_reason(&self, queue: &str) -> String {
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
        match headers
            .inner()
            .get(crate::events::publisher::DEATH_REASON_HEADER)
        {
            Some(lapin::types::AMQPValue::LongString(reason)) => reason.to_string(),
            other => panic!("the dead letter carries no reason: {other:?}"),
        }
    }

    /// Reads message ids from an observer until `expected` distinct ids arrived, then for half
    /// a second more; returns how often each id arrived (more than once is a duplicate).
    ///
    /// # Panics
    ///
    /// When ids stop arriving for 30 seconds before `expected` are in.
    pub async fn count_ids(
        observed: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
        expected: usize,
    ) -> std::collections::HashMap<String, u32> {
        use tokio::time::{Duration, timeout};
        let mut seen = std::collections::HashMap::new();
        while seen.len() < expected {
            let id = timeout(Duration::from_secs(30), observed.recv())
                .await
                .expect("events keep arriving")
                .expect("the observer runs");
            *seen.entry(id).or_insert(0) += 1;
        }
        while let Ok(Some(id)) = timeout(Duration::from_millis(500), observed.recv()).await {
            *seen.entry(id).or_insert(0) += 1;
        }
        seen
    }

    /// Deletes the queues of `services` and the test's exchanges.
    pub async fn cleanup(&self, services: &[&str]) {
        let Ok(channel) = self.connection.create_channel().await else {
            return;
        };
        for service in services {
            let topology = ServiceTopology::with_bindings(&self.config, service, Vec::new());
            for queue in topology.queue_names() {
                let _ = channel
                    .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                    .await;
            }
        }
        for exchange in [&self.config.exchange, &self.config.dead_letter_exchange] {
            let _ = channel
                .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                .await;
        }
        let _ = channel.close(200, "done".into()).await;
    }
}
