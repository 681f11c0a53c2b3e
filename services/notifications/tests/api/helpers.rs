//! Spawns the real service with its own queue, Redis prefix and SMTP sink.

use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::events::catalog::EmailRequested;
use mercato_common::events::publisher::{OutgoingMessage, Publisher};
use mercato_common::events::{Envelope, Event, ServiceTopology};
use mercato_common::server::Shutdown;
use mercato_common::service::{Config, ServiceConfig, start};
use mercato_common::testing::{
    ConsumerCounts, DeadLetter, TestBroker, TestKeys, metric_sum, scrape_metrics, wait_for_settled,
};
use mercato_notifications::mailer::SmtpConfig;
use mercato_notifications::{NAME, Notifications, Settings};
use serde_json::Value;

pub struct TestApp {
    pub broker: TestBroker,
    pub addr: std::net::SocketAddr,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn spawn_app(smtp_port: u16, max_attempts: u32) -> TestApp {
    spawn_app_with_redis(smtp_port, max_attempts, "redis://127.0.0.1:6379").await
}

/// [`spawn_app`] with the deduplication keys in the Redis at `redis_url`.
pub async fn spawn_app_with_redis(smtp_port: u16, max_attempts: u32, redis_url: &str) -> TestApp {
    let broker = TestBroker::new().await;
    let mut broker_config = broker.config.clone();
    broker_config.topology.max_attempts = max_attempts;
    broker_config.topology.retry_delays_ms = vec![150, 300];
    let config = Config {
        shared: ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig::from_jwks(TestKeys::new().jwks_json()),
            broker: broker_config,
        },
        own: Settings {
            smtp: SmtpConfig::local(smtp_port),
            redis_url: redis_url.into(),
            redis_prefix: format!("{}:", broker.config.topology.queue_prefix),
        },
    };
    let shutdown = Shutdown::new();
    let app = start::<Notifications>(&config, shutdown.clone())
        .await
        .unwrap();
    let addr = app.local_addr();
    let handle = tokio::spawn(app.run());
    TestApp {
        broker,
        addr,
        shutdown,
        handle,
    }
}

impl TestApp {
    pub fn topology(&self) -> ServiceTopology {
        ServiceTopology::new(&self.broker.config, NAME)
    }

    /// Publishes an `email.requested.v1` envelope as a producer's relay would.
    pub async fn publish(&self, envelope: &Envelope) {
        let publisher = Publisher::open(self.broker.connection()).await.unwrap();
        let message =
            OutgoingMessage::new(envelope.id, EmailRequested::TYPE, None, envelope.to_bytes());
        publisher
            .publish_one(
                &self.broker.config.topology.exchange,
                EmailRequested::TYPE,
                &message,
            )
            .await
            .unwrap();
    }

    /// The next dead letter.
    pub async fn next_dead_letter(&self) -> DeadLetter {
        self.broker
            .next_dead_letter(&self.topology().dead_letter_queue)
            .await
    }

    /// Waits until `deliveries` requests were handled to the end (sent, found sent, or
    /// dead-lettered), then returns the consumer's counts.
    pub async fn settled(&self, deliveries: u64) -> ConsumerCounts {
        wait_for_settled(self.addr, NAME, deliveries).await
    }

    /// The value of the email counter `name` for `template`.
    pub async fn email_count(&self, name: &str, template: &str) -> f64 {
        metric_sum(
            &scrape_metrics(self.addr).await,
            name,
            &[("template", template)],
        )
    }

    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
        self.broker.cleanup(&[NAME]).await;
    }
}

/// A request for `template` with `vars`, to `to`.
pub fn request(to: &str, template: &str, vars: Value) -> Envelope {
    let request = EmailRequested {
        to: to.into(),
        template: template.into(),
        locale: "en".into(),
        vars: vars.as_object().cloned().unwrap(),
    };
    Envelope::new("auth", Some("req-email"), &request)
}

pub fn verify_vars() -> Value {
    mercato_notifications::templates::sample_vars("verify_email").unwrap()
}
