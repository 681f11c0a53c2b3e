//! The users service: buyer and seller profiles (MongoDB), kept up to date from events.
//!
//! Buyers appear when `user.registered.v1` arrives; a verified buyer can become a seller; the
//! counters sellers and buyers show (gigs, jobs, earnings, ratings, purchases) change only by
//! events. It serves `/v1/buyers` and `/v1/sellers` to the gateway only: every route but the
//! probes requires an internal gateway token addressed to `users`.
//!
//! # Layout
//!
//! - [`domain`]: the profile's parts and rules.
//! - [`store`]: collections, indexes, counters.
//! - [`routes`]: the HTTP API.
//! - [`events`]: the consumed events and their effects.

pub mod domain;
pub mod events;
pub mod routes;
pub mod store;

use anyhow::Context;
use mercato_common::events::mongo::MongoOutbox;
use mercato_common::events::{BrokerConfig, Consumer, Relay, RelayConfig};
use mercato_common::server::{BoundServer, Shutdown};
use mercato_common::service::ServiceConfig;
use tokio::task::JoinHandle;

use crate::events::UsersHandler;
use crate::routes::AppState;
use crate::store::Store;

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "users";

/// The port it listens on locally when `LISTEN_ADDR` is not set.
pub const DEFAULT_PORT: u16 = 4003;

/// Runtime configuration; every field is settable by flag or environment variable (`--help`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = NAME, version)]
pub struct Config {
    /// Settings every service shares.
    #[command(flatten)]
    pub service: ServiceConfig,
    /// The event bus.
    #[command(flatten)]
    pub broker: BrokerConfig,
    /// MongoDB URL.
    #[arg(
        long,
        env = "MONGODB_URL",
        default_value = "mongodb://127.0.0.1:27017/?directConnection=true",
        hide_env_values = true
    )]
    pub mongodb_url: String,
    /// The service's database.
    #[arg(long, env = "MONGODB_DATABASE", default_value = "mercato_users")]
    pub mongodb_database: String,
}

/// The running service: HTTP server, consumer and outbox relay.
#[derive(Debug)]
pub struct App {
    server: BoundServer,
    tasks: Vec<JoinHandle<()>>,
}

/// Connects to the configured database.
///
/// # Errors
///
/// An invalid URL.
pub async fn connect(config: &Config) -> anyhow::Result<Store> {
    let client = mongodb::Client::with_uri_str(&config.mongodb_url)
        .await
        .context("MONGODB_URL is invalid")?;
    let db = client.database(&config.mongodb_database);
    Ok(Store::new(client, db))
}

impl App {
    /// Connects, creates indexes, prepares the queue, binds the server, and starts the
    /// consumer and the relay.
    ///
    /// # Errors
    ///
    /// A dependency unreachable at start-up or bad settings.
    pub async fn start(config: &Config, shutdown: Shutdown) -> anyhow::Result<Self> {
        let store = connect(config).await?;
        store
            .ensure_indexes()
            .await
            .context("cannot reach MongoDB to create indexes")?;
        let consumer = Consumer::new(
            NAME,
            config.broker.clone(),
            UsersHandler::new(store.clone()),
        );
        consumer
            .prepare()
            .await
            .context("cannot set up the users queue")?;
        let relay = Relay::new(
            NAME,
            MongoOutbox::new(&store.db, std::time::Duration::from_secs(30)),
            config.broker.clone(),
            RelayConfig::default(),
        );
        let state = AppState {
            store: store.clone(),
            relay: relay.waker(),
        };
        let server = mercato_common::service::server(
            NAME,
            DEFAULT_PORT,
            &config.service,
            routes::router(state),
        )?
        .with_shutdown(shutdown.clone());
        server
            .readiness()
            .add_check("rabbitmq", consumer.status().readiness_check());
        server.readiness().add_check("mongodb", move || {
            let db = store.db.clone();
            async move {
                db.run_command(mongodb::bson::doc! {"ping": 1})
                    .await
                    .map(|_| ())
                    .map_err(|err| err.to_string())
            }
        });
        let server = server.bind().await?;
        let tasks = vec![
            tokio::spawn(consumer.run(shutdown.clone())),
            tokio::spawn(relay.run(shutdown)),
        ];
        Ok(Self { server, tasks })
    }

    /// The HTTP server's address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Serves until shutdown, then lets the consumer and relay finish.
    ///
    /// # Errors
    ///
    /// The server failed.
    pub async fn run(self) -> anyhow::Result<()> {
        let served = self.server.run().await;
        for task in self.tasks {
            let _ = task.await;
        }
        served
    }
}
