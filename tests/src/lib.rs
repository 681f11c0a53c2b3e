//! Starts the whole platform in one process for end-to-end tests.
//!
//! [`Platform::start`] starts every service on its own port 0 with the public half of a fresh
//! gateway key, its own databases, exchange and queues on the local servers and its own SMTP
//! sink, then the gateway in front of them: the same tokens, routes and event bus as a real
//! deployment, with nothing shared between two tests.

pub mod contract;
pub mod pysocket;

use std::net::SocketAddr;
use std::time::Duration;

use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::realtime::hub::RealtimeConfig;
use mercato_common::server::{HttpServer, Shutdown};
use mercato_common::service::stores::{MongoConfig, SqlConfig};
use mercato_common::service::{Config, Service, ServiceConfig, start};
use mercato_common::testing::{
    TestBroker, TestKeys, TestMongo, TestMySql, TestPostgres, TestSmtpSink,
};

/// The browser origin the gateway allows in these tests.
pub const ORIGIN: &str = "https://app.mercato.test";
use secrecy::ExposeSecret;

/// One running component.
#[derive(Debug)]
pub struct Component {
    /// Its name (`gateway`, `auth`, ...).
    pub name: &'static str,
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Shutdown,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// Its relay, consumer and background tasks, to stop them as a crash would.
    tasks: Vec<tokio::task::AbortHandle>,
}

/// How to start each service again, by name.
struct Restarts(std::collections::HashMap<&'static str, Restart>);

impl std::fmt::Debug for Restarts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Starts a service again on a given address, with the configuration it first started with.
type Restart = std::sync::Arc<
    dyn Fn(SocketAddr) -> std::pin::Pin<Box<dyn Future<Output = Component> + Send>> + Send + Sync,
>;

impl Component {
    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn serve(name: &'static str, server: HttpServer, shutdown: Shutdown) -> Self {
        mercato_common::telemetry::init_for_tests();
        let bound = server.bind().await.expect("the component binds");
        let addr = bound.local_addr();
        Self {
            name,
            addr,
            shutdown,
            handle: Some(tokio::spawn(bound.run())),
            tasks: Vec::new(),
        }
    }

    /// Stops it at once, as SIGKILL would stop its process: no graceful shutdown, no flush;
    /// its connections drop, its transactions in flight roll back, what its consumer held
    /// unacknowledged goes back to the queue.
    pub fn kill(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }

    /// Stops it gracefully (once; stopping again does nothing).
    ///
    /// # Panics
    ///
    /// It does not stop cleanly within 30 s.
    pub async fn halt(&mut self) {
        self.shutdown.trigger();
        let Some(handle) = self.handle.take() else {
            return;
        };
        let stopped = tokio::time::timeout(Duration::from_secs(30), handle).await;
        assert!(
            matches!(stopped, Ok(Ok(Ok(())))),
            "{} stops cleanly: {stopped:?}",
            self.name
        );
    }

    async fn stop(mut self) {
        self.halt().await;
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
    /// The chat service's database.
    pub chat_mongo: TestMongo,
    /// The auth service's database.
    pub mysql: TestMySql,
    /// The gigs service's database.
    pub postgres: TestPostgres,
    /// The orders service's database.
    pub orders_postgres: TestPostgres,
    /// The reviews service's database.
    pub reviews_postgres: TestPostgres,
    /// The gateway.
    pub gateway: Component,
    /// The services.
    pub services: Vec<Component>,
    /// How the gateway was configured, to start another replica beside it.
    pub gateway_config: mercato_gateway::Config,
    /// How chat was configured, to start another replica beside it.
    pub chat_config: Config<mercato_chat::Settings>,
    /// Replicas started beside the first ones.
    pub replicas: Vec<Component>,
    /// How to start each service again.
    restarts: Restarts,
}

/// Starts a gateway with `config` on its own shutdown signal.
async fn serve_gateway(config: &mercato_gateway::Config) -> Component {
    let shutdown = Shutdown::new();
    Component::serve(
        "gateway",
        mercato_gateway::server(config, shutdown.clone())
            .await
            .expect("the gateway starts"),
        shutdown,
    )
    .await
}

/// Starts the service `S` on its own shutdown signal.
///
/// # Panics
///
/// If it fails to start.
async fn start_service<S: Service>(config: &Config<S::Settings>) -> Component {
    let shutdown = Shutdown::new();
    let app = start::<S>(config, shutdown.clone())
        .await
        .unwrap_or_else(|err| panic!("{} starts: {err:#}", S::NAME));
    Component {
        name: S::NAME,
        addr: app.local_addr(),
        shutdown,
        tasks: app.abort_handles(),
        handle: Some(tokio::spawn(app.run())),
    }
}

/// Starts the service `S` with `config`, and how to start it again on the same address.
async fn restartable<S: Service>(
    config: Config<S::Settings>,
) -> (Component, (&'static str, Restart))
where
    S::Settings: Clone,
{
    let component = start_service::<S>(&config).await;
    let restart: Restart = std::sync::Arc::new(move |addr| {
        let mut config = config.clone();
        config.shared.http.listen_addr = Some(addr);
        Box::pin(async move { start_service::<S>(&config).await })
    });
    (component, (S::NAME, restart))
}

impl Platform {
    /// Starts every service, then the gateway in front of them.
    ///
    /// # Panics
    ///
    /// If a component fails to start.
    pub async fn start() -> Self {
        Self::start_with_gateway_flags(&[]).await
    }

    /// [`Platform::start`] with extra settings for the gateway, as command-line flags
    /// (`--rate-limit-per-ip=...`).
    ///
    /// # Panics
    ///
    /// If a component fails to start or a flag is not the gateway's.
    pub async fn start_with_gateway_flags(flags: &[&str]) -> Self {
        let keys = TestKeys::new();
        let broker = TestBroker::new().await;
        let mail = TestSmtpSink::start().await;
        let mongo = TestMongo::new().await;
        let chat_mongo = TestMongo::new().await;
        let mysql = TestMySql::new().await;
        let postgres = TestPostgres::new().await;
        let orders_postgres = TestPostgres::new().await;
        let reviews_postgres = TestPostgres::new().await;
        let shared = ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig::from_jwks(keys.jwks_json()),
            broker: broker.config.clone(),
        };
        let prefix = broker.config.topology.queue_prefix.clone();
        let chat_config = Config {
            shared: shared.clone(),
            own: mercato_chat::Settings {
                database: MongoConfig::local(chat_mongo.db.name()),
                storage: mercato_common::storage::StorageConfig::local(),
                realtime: RealtimeConfig::local(format!("{prefix}-chat"), prefix.clone()),
                public_url: "https://mercato.test".into(),
                email_quiet_minutes: 15,
            },
        };
        let started = [
            restartable::<mercato_auth::Auth>(Config {
                shared: shared.clone(),
                own: mercato_auth::Settings {
                    database: SqlConfig::at(format!(
                        "mysql://mercato:mercato@127.0.0.1:3306/{}",
                        mysql.name
                    )),
                    public_url: "https://mercato.test".into(),
                    refresh_ttl_days: 30,
                    lockout_after: 5,
                    lockout_minutes: 15,
                    hash_parallelism: Some(2),
                },
            })
            .await,
            restartable::<mercato_users::Users>(Config {
                shared: shared.clone(),
                own: mercato_users::Settings {
                    database: MongoConfig::local(mongo.db.name()),
                    storage: mercato_common::storage::StorageConfig::local(),
                },
            })
            .await,
            restartable::<mercato_gigs::Gigs>(Config {
                shared: shared.clone(),
                own: mercato_gigs::Settings {
                    database: SqlConfig::at(postgres.url()),
                    storage: mercato_common::storage::StorageConfig::local(),
                },
            })
            .await,
            restartable::<mercato_chat::Chat>(chat_config.clone()).await,
            restartable::<mercato_orders::Orders>(Config {
                shared: shared.clone(),
                own: mercato_orders::Settings {
                    database: SqlConfig::at(orders_postgres.url()),
                    storage: mercato_common::storage::StorageConfig::local(),
                    realtime: RealtimeConfig::local(format!("{prefix}-orders"), prefix.clone()),
                    payments: mercato_orders::payments::PaymentsConfig::sandbox(),
                    fees: mercato_orders::fees::FeePolicy::default(),
                    lifecycle: mercato_orders::LifecycleConfig {
                        auto_complete_days: 3,
                        max_revisions: 2,
                        jobs_interval_ms: 500,
                    },
                    public_url: "https://mercato.test".into(),
                    clock: mercato_common::clock::Clock::system(),
                },
            })
            .await,
            restartable::<mercato_reviews::Reviews>(Config {
                shared: shared.clone(),
                own: mercato_reviews::Settings {
                    database: SqlConfig::at(reviews_postgres.url()),
                    public_url: "https://mercato.test".into(),
                },
            })
            .await,
            restartable::<mercato_notifications::Notifications>(Config {
                shared: shared.clone(),
                own: mercato_notifications::Settings {
                    smtp: mercato_notifications::mailer::SmtpConfig::local(mail.port),
                    redis_url: "redis://127.0.0.1:6379".into(),
                    redis_prefix: format!("{}:", broker.config.topology.queue_prefix),
                },
            })
            .await,
        ];
        let mut restarts = std::collections::HashMap::new();
        let mut services = Vec::new();
        for (component, (name, restart)) in started {
            services.push(component);
            restarts.insert(name, restart);
        }

        let upstreams: Vec<String> = services
            .iter()
            .filter(|s| s.name != mercato_notifications::NAME)
            .map(|s| format!("{}=http://{}", s.name, s.addr))
            .collect();
        let pem = keys.signing.to_pkcs8_pem().expect("the key encodes");
        let gateway_config = <mercato_gateway::Config as clap::Parser>::try_parse_from(
            [
                "gateway".to_owned(),
                "--listen-addr=127.0.0.1:0".to_owned(),
                "--shutdown-drain-seconds=0".to_owned(),
                format!("--token-signing-key={}", pem.expose_secret()),
                format!("--token-signing-kid={}", keys.signing.kid()),
                format!("--redis-prefix={prefix}:"),
                format!("--presence-prefix={prefix}"),
                format!("--upstreams={}", upstreams.join(",")),
                "--cookie-secure=false".to_owned(),
                format!("--allowed-origins={ORIGIN}"),
            ]
            .into_iter()
            .chain(flags.iter().map(|flag| (*flag).to_owned())),
        )
        .expect("the gateway settings parse");
        let gateway = serve_gateway(&gateway_config).await;
        Self {
            keys,
            broker,
            mail,
            mongo,
            chat_mongo,
            mysql,
            postgres,
            orders_postgres,
            reviews_postgres,
            gateway,
            services,
            gateway_config,
            chat_config,
            replicas: Vec::new(),
            restarts: Restarts(restarts),
        }
    }

    /// The running service `name`.
    ///
    /// # Panics
    ///
    /// The platform runs no such service.
    pub fn service(&self, name: &str) -> &Component {
        self.services
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no service {name}"))
    }

    /// Starts a second chat replica (same database, queue and real-time channel) and a second
    /// gateway whose chat upstream is that replica; returns the second gateway's address.
    ///
    /// # Panics
    ///
    /// A replica fails to start.
    pub async fn second_gateway_and_chat(&mut self) -> SocketAddr {
        let chat = start_service::<mercato_chat::Chat>(&self.chat_config).await;
        let mut config = self.gateway_config.clone();
        for (service, url) in &mut config.upstreams {
            if service == mercato_chat::NAME {
                *url = format!("http://{}", chat.addr);
            }
        }
        let gateway = serve_gateway(&config).await;
        let addr = gateway.addr;
        self.replicas.extend([chat, gateway]);
        addr
    }

    /// Kills the service `name` (see [`Component::kill`]) and starts it again on the same
    /// address with the same settings, as an orchestrator restarts a crashed process.
    ///
    /// # Panics
    ///
    /// The platform runs no such service, or it fails to start again.
    pub async fn kill_and_restart(&mut self, name: &str) {
        let service = self
            .services
            .iter_mut()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no service {name}"));
        service.kill();
        let addr = service.addr;
        let restart = self.restarts.0[name].clone();
        *service = restart(addr).await;
    }

    /// Stops the gateway and starts it again on the same address, as a deployment would
    /// restart it.
    ///
    /// # Panics
    ///
    /// It fails to stop or start.
    pub async fn restart_gateway(&mut self) {
        let mut config = self.gateway_config.clone();
        config.http.listen_addr = Some(self.gateway.addr);
        self.gateway.halt().await;
        self.gateway = serve_gateway(&config).await;
    }

    /// Stops every component gracefully and removes the test's queues.
    pub async fn stop(self) {
        for replica in self.replicas {
            replica.stop().await;
        }
        for service in self.services {
            service.stop().await;
        }
        self.gateway.stop().await;
        self.broker
            .cleanup(&[
                mercato_notifications::NAME,
                mercato_users::NAME,
                mercato_auth::NAME,
                mercato_gigs::NAME,
                mercato_chat::NAME,
                mercato_orders::NAME,
                mercato_reviews::NAME,
            ])
            .await;
        self.mongo.drop_database().await;
        self.chat_mongo.drop_database().await;
        self.mysql.drop_database().await;
        self.postgres.drop_database().await;
        self.orders_postgres.drop_database().await;
        self.reviews_postgres.drop_database().await;
    }
}
