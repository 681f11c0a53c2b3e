//! Starts the whole platform in one process for end-to-end tests.
//!
//! [`Platform::start`] runs the gateway with a fresh signing key, fetches its published JWKS
//! over HTTP, and starts every service with that JWKS, each on its own port 0, with its own
//! exchange and queues on the local broker and its own SMTP sink: the same key plumbing and
//! event bus as a real deployment, with nothing shared between two tests.

use std::net::SocketAddr;
use std::time::Duration;

use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::server::{HttpServer, Shutdown};
use mercato_common::service::ServiceConfig;
use mercato_common::testing::{TestBroker, TestKeys, TestMongo, TestSmtpSink};
use secrecy::ExposeSecret;

/// One running component.
#[derive(Debug)]
pub struct Component {
    /// Its name (`gateway`, `auth`, ...).
    pub name: &'static str,
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Component {
    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn serve(name: &'static str, server: HttpServer) -> Self {
        mercato_common::telemetry::init_for_tests();
        let shutdown = Shutdown::new();
        let bound = server
            .with_shutdown(shutdown.clone())
            .bind()
            .await
            .expect("the component binds");
        let addr = bound.local_addr();
        Self {
            name,
            addr,
            shutdown,
            handle: tokio::spawn(bound.run()),
        }
    }

    async fn stop(self) {
        self.shutdown.trigger();
        let stopped = tokio::time::timeout(Duration::from_secs(30), self.handle).await;
        assert!(
            matches!(stopped, Ok(Ok(Ok(())))),
            "{} stops cleanly: {stopped:?}",
            self.name
        );
    }
}

/// Every running component of one test.
#[derive(Debug)]
pub struct Platform {
    /// The keys the gateway signs with, to mint tokens as it would.
    pub keys: TestKeys,
    /// The test's slice of the broker.
    pub broker: TestBroker,
    /// The SMTP server the notifications service sends to.
    pub mail: TestSmtpSink,
    /// The users service's database.
    pub mongo: TestMongo,
    /// The gateway.
    pub gateway: Component,
    /// The services.
    pub services: Vec<Component>,
}

impl Platform {
    /// Starts the gateway, then every service with the gateway's published keys.
    ///
    /// # Panics
    ///
    /// If a component fails to start.
    pub async fn start() -> Self {
        let keys = TestKeys::new();
        let broker = TestBroker::new().await;
        let mail = TestSmtpSink::start().await;
        let mongo = TestMongo::new().await;
        let pem = keys.signing.to_pkcs8_pem().expect("the key encodes");
        let gateway_config = <mercato_gateway::Config as clap::Parser>::try_parse_from([
            "gateway".to_owned(),
            "--listen-addr=127.0.0.1:0".to_owned(),
            "--shutdown-drain-seconds=0".to_owned(),
            format!("--token-signing-key={}", pem.expose_secret()),
            format!("--token-signing-kid={}", keys.signing.kid()),
            format!("--redis-prefix={}:", broker.config.queue_prefix),
            "--cookie-secure=false".to_owned(),
        ])
        .expect("the gateway settings parse");
        let gateway = Component::serve(
            "gateway",
            mercato_gateway::server(&gateway_config)
                .await
                .expect("the gateway starts"),
        )
        .await;
        let jwks = reqwest::get(gateway.url("/.well-known/jwks.json"))
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the gateway publishes its keys")
            .text()
            .await
            .expect("the JWKS is readable");
        let service = ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig {
                token_jwks_file: None,
                token_jwks: Some(jwks),
            },
        };

        let auth = mercato_auth::Config {
            service: service.clone(),
        };
        let mut services = vec![
            Component::serve(
                mercato_auth::NAME,
                mercato_auth::server(&auth).expect("auth starts"),
            )
            .await,
        ];
        let users = mercato_users::Config {
            service: service.clone(),
            broker: broker.config.clone(),
            mongodb_url: "mongodb://127.0.0.1:27017/?directConnection=true".into(),
            mongodb_database: mongo.db.name().to_owned(),
        };
        let shutdown = Shutdown::new();
        let app = mercato_users::App::start(&users, shutdown.clone())
            .await
            .expect("users starts");
        services.push(Component {
            name: mercato_users::NAME,
            addr: app.local_addr(),
            shutdown,
            handle: tokio::spawn(app.run()),
        });
        let notifications = mercato_notifications::Config {
            service,
            broker: broker.config.clone(),
            smtp: mercato_notifications::mailer::SmtpConfig::local(mail.port),
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_prefix: format!("{}:", broker.config.queue_prefix),
        };
        let shutdown = Shutdown::new();
        let app = mercato_notifications::App::start(&notifications, shutdown.clone())
            .await
            .expect("notifications starts");
        services.push(Component {
            name: mercato_notifications::NAME,
            addr: app.local_addr(),
            shutdown,
            handle: tokio::spawn(app.run()),
        });
        Self {
            keys,
            broker,
            mail,
            mongo,
            gateway,
            services,
        }
    }

    /// Stops every component gracefully and removes the test's queues.
    pub async fn stop(self) {
        for service in self.services {
            service.stop().await;
        }
        self.gateway.stop().await;
        self.broker
            .cleanup(&[mercato_notifications::NAME, mercato_users::NAME])
            .await;
        self.mongo.drop_database().await;
    }
}
