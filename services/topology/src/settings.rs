//! The topology settings a deployment may change, the environment variables that carry them
//! and their defaults.
//!
//! A service reads them with `clap` (they are flattened into its broker settings); the operator
//! writes them with [`TopologySettings::to_env`] from a `MarketplaceService`. One struct for
//! both directions, so a setting the operator renders is a setting the service reads.

/// The environment variables of the event bus.
pub mod env {
    /// The AMQP URL (from a Secret in a cluster).
    pub const AMQP_URL: &str = "AMQP_URL";
    /// The virtual host the topology lives in; the AMQP URL must point at it.
    pub const VHOST: &str = "EVENTS_VHOST";
    /// `declare` (local) or `verify` (a cluster, where the operator declares).
    pub const TOPOLOGY: &str = "EVENTS_TOPOLOGY";
    /// The topic exchange events are published to.
    pub const EXCHANGE: &str = "EVENTS_EXCHANGE";
    /// The direct exchange dead letters go through.
    pub const DEAD_LETTER_EXCHANGE: &str = "EVENTS_DEAD_LETTER_EXCHANGE";
    /// The prefix of queue names.
    pub const QUEUE_PREFIX: &str = "EVENTS_QUEUE_PREFIX";
    /// The work queue's full name, when it is not `<prefix>.<service>`.
    pub const QUEUE: &str = "EVENTS_QUEUE";
    /// The dead-letter queue's full name, when it is not `<work queue>.dlq`.
    pub const DEAD_LETTER_QUEUE: &str = "EVENTS_DEAD_LETTER_QUEUE";
    /// `quorum` or `classic`.
    pub const QUEUE_TYPE: &str = "EVENTS_QUEUE_TYPE";
    /// Comma-separated retry delays in milliseconds.
    pub const RETRY_DELAYS_MS: &str = "EVENTS_RETRY_DELAYS_MS";
    /// Handler attempts before dead-lettering.
    pub const MAX_ATTEMPTS: &str = "EVENTS_MAX_ATTEMPTS";
    /// The work queue's broker-side delivery limit.
    pub const DELIVERY_LIMIT: &str = "EVENTS_DELIVERY_LIMIT";
    /// Deliveries a consumer holds unacknowledged at once.
    pub const PREFETCH: &str = "EVENTS_PREFETCH";
    /// Seconds between readings of the work and dead-letter queues' depths.
    pub const QUEUE_DEPTH_SECONDS: &str = "EVENTS_QUEUE_DEPTH_SECONDS";
}

/// The defaults, as a local run uses them.
pub mod defaults {
    /// The events exchange.
    pub const EXCHANGE: &str = "mercato.events";
    /// The dead-letter exchange.
    pub const DEAD_LETTER_EXCHANGE: &str = "mercato.dlx";
    /// The queue name prefix.
    pub const QUEUE_PREFIX: &str = "mercato";
    /// Retry delays: a second, five seconds, half a minute (the last repeats).
    pub const RETRY_DELAYS_MS: [u64; 3] = [1_000, 5_000, 30_000];
    /// Handler attempts before an event is dead-lettered.
    pub const MAX_ATTEMPTS: u32 = 5;
    /// Deliveries a quorum queue allows before it dead-letters a message on its own.
    pub const DELIVERY_LIMIT: u32 = 20;
}

/// The kind of the work and dead-letter queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum QueueType {
    /// Replicated, with a delivery limit (production).
    #[default]
    Quorum,
    /// A single-node queue.
    Classic,
}

impl QueueType {
    /// The name RabbitMQ knows it by (`x-queue-type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quorum => "quorum",
            Self::Classic => "classic",
        }
    }
}

/// The names and settings of a service's topology.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct TopologySettings {
    /// The topic exchange events are published to.
    #[arg(long, env = env::EXCHANGE, default_value = defaults::EXCHANGE)]
    pub exchange: String,
    /// The exchange dead letters go through.
    #[arg(long, env = env::DEAD_LETTER_EXCHANGE, default_value = defaults::DEAD_LETTER_EXCHANGE)]
    pub dead_letter_exchange: String,
    /// Prefix of queue names: `<prefix>.<service>`, `<prefix>.<service>.dlq`.
    #[arg(long, env = env::QUEUE_PREFIX, default_value = defaults::QUEUE_PREFIX)]
    pub queue_prefix: String,
    /// The work queue's name, when it is not `<prefix>.<service>`.
    #[arg(long = "queue", env = env::QUEUE)]
    pub queue: Option<String>,
    /// The dead-letter queue's name, when it is not `<work queue>.dlq`.
    #[arg(long, env = env::DEAD_LETTER_QUEUE)]
    pub dead_letter_queue: Option<String>,
    /// Type of the work and dead-letter queues.
    #[arg(long, env = env::QUEUE_TYPE, value_enum, default_value_t = QueueType::Quorum)]
    pub queue_type: QueueType,
    /// Delays between handler attempts, in milliseconds, one retry queue each.
    #[arg(
        long,
        env = env::RETRY_DELAYS_MS,
        value_delimiter = ',',
        default_values_t = defaults::RETRY_DELAYS_MS
    )]
    pub retry_delays_ms: Vec<u64>,
    /// Handler attempts before an event is dead-lettered.
    #[arg(
        long,
        env = env::MAX_ATTEMPTS,
        default_value_t = defaults::MAX_ATTEMPTS,
        value_parser = clap::value_parser!(u32).range(1..=100)
    )]
    pub max_attempts: u32,
    /// Broker-side delivery limit of the work queue (a consumer that crashes on a message
    /// cannot loop forever).
    #[arg(long, env = env::DELIVERY_LIMIT, default_value_t = defaults::DELIVERY_LIMIT)]
    pub delivery_limit: u32,
}

impl Default for TopologySettings {
    fn default() -> Self {
        Self {
            exchange: defaults::EXCHANGE.to_owned(),
            dead_letter_exchange: defaults::DEAD_LETTER_EXCHANGE.to_owned(),
            queue_prefix: defaults::QUEUE_PREFIX.to_owned(),
            queue: None,
            dead_letter_queue: None,
            queue_type: QueueType::Quorum,
            retry_delays_ms: defaults::RETRY_DELAYS_MS.to_vec(),
            max_attempts: defaults::MAX_ATTEMPTS,
            delivery_limit: defaults::DELIVERY_LIMIT,
        }
    }
}

impl TopologySettings {
    /// The defaults with every name under `prefix` (tests isolate runs this way).
    pub fn isolated(prefix: &str) -> Self {
        Self {
            exchange: format!("{prefix}.events"),
            dead_letter_exchange: format!("{prefix}.dlx"),
            queue_prefix: prefix.to_owned(),
            ..Self::default()
        }
    }

    /// The work queue of `service`.
    pub fn work_queue(&self, service: &str) -> String {
        self.queue
            .clone()
            .unwrap_or_else(|| format!("{}.{service}", self.queue_prefix))
    }

    /// The dead-letter queue of `service`.
    pub fn dead_letter_queue(&self, service: &str) -> String {
        self.dead_letter_queue
            .clone()
            .unwrap_or_else(|| format!("{}.dlq", self.work_queue(service)))
    }

    /// The settings a service reads from `vars` (name and value of environment variables),
    /// through the same `clap` definitions it parses its real environment with; variables no
    /// setting reads are ignored, and no process environment is touched.
    ///
    /// # Errors
    ///
    /// A value the service would refuse at start-up.
    pub fn from_vars<'a>(
        vars: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, clap::Error> {
        use clap::{Args, Command, FromArgMatches};
        let command = Self::augment_args(Command::new("service").no_binary_name(true));
        let mut args = Vec::new();
        for (name, value) in vars {
            if let Some(long) = command
                .get_arguments()
                .find(|a| a.get_env().is_some_and(|e| e == name))
                .and_then(clap::Arg::get_long)
            {
                args.push(format!("--{long}={value}"));
            }
        }
        Self::from_arg_matches(&command.try_get_matches_from(args)?)
    }

    /// The environment that gives a service these settings, as the operator renders it.
    /// Overrides that are not set are left out, so the service's own defaults apply.
    pub fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            (env::EXCHANGE, self.exchange.clone()),
            (env::DEAD_LETTER_EXCHANGE, self.dead_letter_exchange.clone()),
            (env::QUEUE_PREFIX, self.queue_prefix.clone()),
        ];
        if let Some(queue) = &self.queue {
            vars.push((env::QUEUE, queue.clone()));
        }
        if let Some(queue) = &self.dead_letter_queue {
            vars.push((env::DEAD_LETTER_QUEUE, queue.clone()));
        }
        let delays: Vec<String> = self.retry_delays_ms.iter().map(u64::to_string).collect();
        vars.extend([
            (env::QUEUE_TYPE, self.queue_type.as_str().to_owned()),
            (env::RETRY_DELAYS_MS, delays.join(",")),
            (env::MAX_ATTEMPTS, self.max_attempts.to_string()),
            (env::DELIVERY_LIMIT, self.delivery_limit.to_string()),
        ]);
        vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, String)]) -> TopologySettings {
        TopologySettings::from_vars(vars.iter().map(|(n, v)| (*n, v.as_str())))
            .expect("valid settings")
    }

    #[test]
    fn what_the_operator_renders_is_what_a_service_reads() {
        let settings = TopologySettings {
            exchange: "shop.events".into(),
            dead_letter_exchange: "shop.dlx".into(),
            queue_prefix: "shop".into(),
            queue: Some("shop.users-v2".into()),
            dead_letter_queue: Some("shop.users-v2.dead".into()),
            queue_type: QueueType::Classic,
            retry_delays_ms: vec![250, 4_000],
            max_attempts: 7,
            delivery_limit: 9,
        };

        assert_eq!(parse(&settings.to_env()), settings);
        assert_eq!(
            parse(&TopologySettings::default().to_env()),
            TopologySettings::default()
        );
        assert_eq!(
            parse(&[]),
            TopologySettings::default(),
            "the defaults agree"
        );
        assert!(
            TopologySettings::from_vars([(env::QUEUE_TYPE, "stream")]).is_err(),
            "a value the service refuses"
        );
        assert_eq!(
            TopologySettings::from_vars([("EVENTS_TOPOLOGY", "verify")]).expect("ignored"),
            TopologySettings::default()
        );
    }

    #[test]
    fn queue_names_follow_the_prefix_unless_overridden() {
        let mut settings = TopologySettings::isolated("test.1");
        assert_eq!(settings.work_queue("users"), "test.1.users");
        assert_eq!(settings.dead_letter_queue("users"), "test.1.users.dlq");
        settings.queue = Some("custom".into());
        assert_eq!(settings.dead_letter_queue("users"), "custom.dlq");
        settings.dead_letter_queue = Some("graveyard".into());
        assert_eq!(settings.dead_letter_queue("users"), "graveyard");
    }
}
