//! RabbitMQ settings and connections.
//!
//! Every external name is a setting with a default, so a test can run against its own exchange
//! and queues on the shared local broker.

use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use secrecy::{ExposeSecret, SecretString};

/// Whether a service declares its topology at start-up or only checks that it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TopologyMode {
    /// Declare exchanges, queues and bindings (the local default).
    Declare,
    /// Check they exist and fail start-up clearly if not (clusters, where the operator declares).
    Verify,
}

/// The kind of the work and dead-letter queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueueType {
    /// Replicated, with a delivery limit (production).
    Quorum,
    /// A single-node queue.
    Classic,
}

/// Settings of the event bus.
#[derive(Clone, clap::Args)]
pub struct BrokerConfig {
    /// AMQP URL of the broker (holds a password: never logged).
    #[arg(
        long,
        env = "AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f",
        hide_env_values = true
    )]
    pub amqp_url: SecretString,
    /// The topic exchange events are published to.
    #[arg(long, env = "EVENTS_EXCHANGE", default_value = "mercato.events")]
    pub exchange: String,
    /// The exchange dead letters go through.
    #[arg(
        long,
        env = "EVENTS_DEAD_LETTER_EXCHANGE",
        default_value = "mercato.dlx"
    )]
    pub dead_letter_exchange: String,
    /// Prefix of queue names: `<prefix>.<service>`, `<prefix>.<service>.dlq`.
    #[arg(long, env = "EVENTS_QUEUE_PREFIX", default_value = "mercato")]
    pub queue_prefix: String,
    /// Declare the topology, or only verify it.
    #[arg(long, env = "EVENTS_TOPOLOGY", value_enum, default_value = "declare")]
    pub topology: TopologyMode,
    /// Type of the work and dead-letter queues.
    #[arg(long, env = "EVENTS_QUEUE_TYPE", value_enum, default_value = "quorum")]
    pub queue_type: QueueType,
    /// Delays between handler attempts, in milliseconds, one retry queue each.
    #[arg(
        long,
        env = "EVENTS_RETRY_DELAYS_MS",
        value_delimiter = ',',
        default_value = "1000,5000,30000"
    )]
    pub retry_delays_ms: Vec<u64>,
    /// Handler attempts before an event is dead-lettered.
    #[arg(long, env = "EVENTS_MAX_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
    /// Broker-side delivery limit of the work queue (a consumer that crashes on a message
    /// cannot loop forever).
    #[arg(long, env = "EVENTS_DELIVERY_LIMIT", default_value_t = 20)]
    pub delivery_limit: u32,
    /// Messages a consumer holds unacknowledged at once.
    #[arg(long, env = "EVENTS_PREFETCH", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    pub prefetch: u16,
}

impl std::fmt::Debug for BrokerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerConfig")
            .field("amqp_url", &"[redacted]")
            .field("exchange", &self.exchange)
            .field("dead_letter_exchange", &self.dead_letter_exchange)
            .field("queue_prefix", &self.queue_prefix)
            .field("topology", &self.topology)
            .field("queue_type", &self.queue_type)
            .field("retry_delays_ms", &self.retry_delays_ms)
            .field("max_attempts", &self.max_attempts)
            .field("delivery_limit", &self.delivery_limit)
            .field("prefetch", &self.prefetch)
            .finish()
    }
}

impl BrokerConfig {
    /// The local defaults with names of their own under `prefix` (tests).
    pub fn isolated(prefix: &str) -> Self {
        Self {
            amqp_url: SecretString::from(
                std::env::var("AMQP_URL")
                    .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned()),
            ),
            exchange: format!("{prefix}.events"),
            dead_letter_exchange: format!("{prefix}.dlx"),
            queue_prefix: prefix.to_owned(),
            topology: TopologyMode::Declare,
            queue_type: QueueType::Quorum,
            retry_delays_ms: vec![100, 200, 400],
            max_attempts: 5,
            delivery_limit: 20,
            prefetch: 32,
        }
    }

    /// The retry delays as durations.
    pub fn retry_delays(&self) -> Vec<Duration> {
        self.retry_delays_ms
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect()
    }

    /// Opens a connection named after `service` (the name shows in the management UI).
    ///
    /// # Errors
    ///
    /// Fails when the broker cannot be reached or refuses the credentials.
    pub async fn connect(&self, service: &str) -> Result<Connection, lapin::Error> {
        let properties = ConnectionProperties::default()
            .with_connection_name(format!("mercato-{service}").into());
        Connection::connect(self.amqp_url.expose_secret(), properties).await
    }
}

/// Exponential backoff for reconnects: 100 ms doubling to at most 5 s.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    next: Duration,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Self {
            next: Duration::from_millis(100),
        }
    }

    /// The delay to wait now; the next one doubles.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(Duration::from_secs(5));
        delay
    }

    pub(crate) fn reset(&mut self) {
        self.next = Duration::from_millis(100);
    }
}
