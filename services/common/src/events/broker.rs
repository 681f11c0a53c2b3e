//! RabbitMQ settings and connections.
//!
//! Every external name is a setting with a default, so a test can run against its own exchange
//! and queues on the shared local broker.

use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use mercato_topology::TopologySettings;
use mercato_topology::settings::env;
use secrecy::{ExposeSecret, SecretString};

/// Whether a service declares its topology at start-up or only checks that it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TopologyMode {
    /// Declare exchanges, queues and bindings (the local default).
    Declare,
    /// Check they exist and fail start-up clearly if not (clusters, where the operator declares).
    Verify,
}

/// Settings of the event bus.
#[derive(Clone, clap::Args)]
pub struct BrokerConfig {
    /// AMQP URL of the broker (holds a password: never logged).
    #[arg(
        long,
        env = env::AMQP_URL,
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f",
        hide_env_values = true
    )]
    pub amqp_url: SecretString,
    /// The virtual host the topology lives in; when set, the AMQP URL must point at it (a
    /// mismatch fails start-up rather than consuming from an empty copy of the topology).
    #[arg(long, env = env::VHOST)]
    pub vhost: Option<String>,
    /// Declare the topology, or only verify it.
    #[arg(long = "topology", env = env::TOPOLOGY, value_enum, default_value = "declare")]
    pub mode: TopologyMode,
    /// Names, queue type and retries.
    #[command(flatten)]
    pub topology: TopologySettings,
    /// Messages a consumer holds unacknowledged at once.
    #[arg(long, env = env::PREFETCH, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    pub prefetch: u16,
    /// Seconds between readings of how many events wait in the work and dead-letter queues
    /// (the `events_queue_depth` and `events_dead_letter_depth` gauges).
    #[arg(long, env = env::QUEUE_DEPTH_SECONDS, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub queue_depth_seconds: u64,
}

impl std::fmt::Debug for BrokerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerConfig")
            .field("amqp_url", &"[redacted]")
            .field("vhost", &self.vhost)
            .field("mode", &self.mode)
            .field("topology", &self.topology)
            .field("prefetch", &self.prefetch)
            .field("queue_depth_seconds", &self.queue_depth_seconds)
            .finish()
    }
}

impl BrokerConfig {
    /// The local defaults with names of their own under `prefix`, and short retry delays
    /// (tests).
    pub fn isolated(prefix: &str) -> Self {
        Self {
            amqp_url: SecretString::from(
                std::env::var(env::AMQP_URL)
                    .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned()),
            ),
            vhost: None,
            mode: TopologyMode::Declare,
            topology: TopologySettings {
                retry_delays_ms: vec![100, 200, 400],
                ..TopologySettings::isolated(prefix)
            },
            prefetch: 32,
            queue_depth_seconds: 1,
        }
    }

    /// Handler attempts before an event is dead-lettered.
    pub fn max_attempts(&self) -> u32 {
        self.topology.max_attempts
    }

    /// Opens a connection named after `service` (the name shows in the management UI).
    ///
    /// # Errors
    ///
    /// Fails when the broker cannot be reached or refuses the credentials, or when the URL's
    /// virtual host is not the configured one.
    pub async fn connect(&self, service: &str) -> Result<Connection, ConnectError> {
        let url = self.amqp_url.expose_secret();
        if let Some(expected) = &self.vhost {
            let actual = url_vhost(url);
            if actual != *expected {
                return Err(ConnectError::WrongVhost {
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        let properties = ConnectionProperties::default()
            .with_connection_name(format!("mercato-{service}").into());
        Ok(Connection::connect(url, properties).await?)
    }
}

/// Why no connection was opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The broker is unreachable or refused.
    #[error(transparent)]
    Broker(#[from] lapin::Error),
    /// The AMQP URL names another virtual host than the one configured.
    #[error("AMQP_URL points at virtual host {actual:?}, but EVENTS_VHOST says {expected:?}")]
    WrongVhost {
        /// `EVENTS_VHOST`.
        expected: String,
        /// The URL's.
        actual: String,
    },
}

/// The virtual host an AMQP URL names: its percent-decoded path, `/` when it has none.
fn url_vhost(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .split_once('/')
        .map_or("", |(_, path)| path)
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() {
        return "/".to_owned();
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = path
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            decoded.push(byte);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
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

#[cfg(test)]
mod tests {
    use super::url_vhost;

    #[test]
    fn the_vhost_is_the_decoded_path_of_the_url() {
        assert_eq!(url_vhost("amqp://guest:guest@127.0.0.1:5672/%2f"), "/");
        assert_eq!(url_vhost("amqp://u:p@broker:5672"), "/");
        assert_eq!(url_vhost("amqps://u:p@broker/shop?heartbeat=30"), "shop");
        assert_eq!(url_vhost("amqp://u:p@broker/team%2Fshop"), "team/shop");
    }
}
