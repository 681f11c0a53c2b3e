//! The reviews service: after an order completes, its buyer reviews the seller (and so the
//! gig) and its seller reviews the buyer, once each; lists of reviews for a gig, a seller and
//! a buyer show the reviewer's public name and picture and the ratings' aggregate
//! (PostgreSQL).
//!
//! Who may review what comes only from `order.completed.v1`, kept in reviews' own table. Each
//! review is announced as `review.created.v1` through the outbox: users keeps the people's
//! rating aggregates, gigs the gig's, orders attaches it to the order. The reviewed person is
//! emailed.
//!
//! # Layout
//!
//! - [`directory`]: people, sellers and completed orders, from events.
//! - [`domain`]: a review's fields and their rules.
//! - [`views`]: what answers show.
//! - [`routes`]: the HTTP API.

pub mod directory;
pub mod domain;
pub mod routes;
pub mod views;

use axum::Router;
use mercato_common::events::postgres::PgOutbox;
use mercato_common::service::stores::{SqlConfig, sql_check};
use mercato_common::service::{Service, Wiring};

use crate::directory::DirectoryHandler;
use crate::routes::AppState;

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "reviews";

/// The schema migrations, applied at start-up.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The service's own settings; every field is settable by flag or environment variable
/// (`--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// The service's PostgreSQL database.
    #[command(flatten)]
    pub database: SqlConfig,
    /// The web client's public URL, for the links in emails.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:4000")]
    pub public_url: String,
}

/// The reviews service.
#[derive(Debug)]
pub struct Reviews;

impl Service for Reviews {
    const NAME: &'static str = NAME;
    const DEFAULT_PORT: u16 = 4007;
    type Settings = Settings;

    async fn wire(config: &Settings, wiring: &mut Wiring) -> anyhow::Result<Router> {
        let pool = config.database.connect(NAME, &MIGRATIONS).await?;
        wiring.add_check("postgres", sql_check(pool.clone()));
        wiring.consume(DirectoryHandler::new(pool.clone()));
        let relay = wiring.relay(PgOutbox::new(pool.clone()));
        Ok(routes::router(AppState {
            pool,
            relay,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
        }))
    }
}
