//! The orders service: a buyer orders a gig (or a custom offer accepted in chat) at the price
//! orders itself knows, pays through a payment provider, and buyer and seller take the order
//! through its lifecycle (extensions, deliveries, revisions, completion, cancellation with a
//! refund). Each step notifies the other party in the app (stored, listed, and pushed in real
//! time through the gateway) and by email, and is announced as an `order.*` event through the
//! outbox (PostgreSQL).
//!
//! # Layout
//!
//! - [`fees`]: the service fee, in integer cents.
//! - [`directory`]: people, gigs and accepted offers, from events.
//! - [`store`]: the order rows and their reads.
//! - [`lifecycle`]: the state machine, one file per transition.
//! - [`payments`]: the providers (Stripe, the sandbox) behind one trait, and webhooks.
//! - [`refunds`]: refunds owed, sent until the provider takes them.
//! - [`jobs`]: the periodic tasks (auto-completion, refunds).
//! - [`views`]: what answers show.
//! - [`routes`]: the HTTP API.

pub mod directory;
pub mod fees;
pub mod jobs;
pub mod lifecycle;
pub mod payments;
pub mod refunds;
pub mod routes;
pub mod store;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use chrono::{DateTime, Utc};
use mercato_common::clock::Clock;
use mercato_common::events::postgres::PgOutbox;
use mercato_common::realtime::hub::{Hub, RealtimeConfig};
use mercato_common::service::stores::{SqlConfig, sql_check};
use mercato_common::service::{Service, Wiring};
use mercato_common::storage::{Purpose, Storage, StorageConfig};

use crate::directory::DirectoryHandler;
use crate::fees::FeePolicy;
use crate::payments::PaymentsConfig;
use crate::routes::AppState;

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "orders";

/// The schema migrations, applied at start-up.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The service's own settings; every field is settable by flag or environment variable
/// (`--help`), except the clock, which tests set.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// The service's PostgreSQL database.
    #[command(flatten)]
    pub database: SqlConfig,
    /// Object storage, for delivered files.
    #[command(flatten)]
    pub storage: StorageConfig,
    /// Real time: Redis for the replicas' hub.
    #[command(flatten)]
    pub realtime: RealtimeConfig,
    /// The payment provider.
    #[command(flatten)]
    pub payments: PaymentsConfig,
    /// The service fee.
    #[command(flatten)]
    pub fees: FeePolicy,
    /// The lifecycle's limits.
    #[command(flatten)]
    pub lifecycle: LifecycleConfig,
    /// The web client's public URL, for the links in emails.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:4000")]
    pub public_url: String,
    /// Where the time comes from (the system's; tests move a manual one).
    #[arg(skip)]
    pub clock: Clock,
}

/// The lifecycle's limits.
#[derive(Debug, Clone, clap::Args)]
pub struct LifecycleConfig {
    /// A delivered order the buyer neither completes nor sends back completes by itself after
    /// this many days.
    #[arg(long, env = "ORDER_AUTO_COMPLETE_DAYS", default_value_t = 3)]
    pub auto_complete_days: u32,
    /// How many times a buyer may ask for a revision of one order.
    #[arg(long, env = "ORDER_MAX_REVISIONS", default_value_t = 2)]
    pub max_revisions: u32,
    /// How often the periodic tasks (auto-completion, refunds to retry) look for work, in
    /// milliseconds.
    #[arg(long, env = "ORDER_JOBS_INTERVAL_MS", default_value_t = 30_000)]
    pub jobs_interval_ms: u64,
}

/// The time `clock` says it is.
pub fn now(clock: &Clock) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::try_from(clock.unix_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// The orders service.
#[derive(Debug)]
pub struct Orders;

impl Service for Orders {
    const NAME: &'static str = NAME;
    const DEFAULT_PORT: u16 = 4006;
    type Settings = Settings;

    async fn wire(config: &Settings, wiring: &mut Wiring) -> anyhow::Result<Router> {
        let pool = config.database.connect(NAME, &MIGRATIONS).await?;
        wiring.add_check("postgres", sql_check(pool.clone()));
        wiring.consume(DirectoryHandler::new(pool.clone()));
        let relay = wiring.relay(PgOutbox::new(pool.clone()));
        let (socket_io, hub) = Hub::start(NAME, &config.realtime, wiring.verifier().clone(), None)
            .await
            .context("cannot start the real-time hub (REDIS_URL)")?;
        wiring.spawn(hub.clone().close_on(wiring.shutdown()));
        wiring.authenticates_itself("/socket.io/");
        let storage = Storage::new(&config.storage).await;
        let referenced = pool.clone();
        wiring.spawn(storage.clone().sweep_periodically(
            Purpose::Delivery,
            move |keys| {
                let pool = referenced.clone();
                async move { store::deliveries_in_use(&pool, keys).await }
            },
            wiring.shutdown(),
        ));
        let payments = payments::Provider::new(&config.payments, &config.public_url)?;
        let state = AppState {
            pool,
            relay,
            storage,
            hub,
            payments: Arc::new(payments),
            webhook_tolerance: config.payments.webhook_tolerance_seconds,
            fees: config.fees.clone(),
            lifecycle: Arc::new(lifecycle::Policy {
                auto_complete_days: config.lifecycle.auto_complete_days,
                max_revisions: config.lifecycle.max_revisions,
                public_url: config.public_url.trim_end_matches('/').to_owned(),
            }),
            clock: config.clock.clone(),
        };
        wiring.spawn(jobs::run(
            state.clone(),
            Duration::from_millis(config.lifecycle.jobs_interval_ms.max(50)),
            wiring.shutdown(),
        ));
        Ok(routes::router(state).merge(socket_io))
    }
}
