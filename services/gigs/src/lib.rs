//! The gigs service: sellers' listings (PostgreSQL), found by full-text search, browsed by
//! category, ranked by their reviews.
//!
//! Only a verified seller lists gigs and only the owner changes them; every change publishes a
//! `gig.*` event through the outbox. Sellers' snapshots and ratings arrive by events. It serves
//! `/v1/gigs`, `/v1/categories` and `/v1/sellers/{id}/gigs` to the gateway only.
//!
//! # Layout
//!
//! - [`taxonomy`]: the fixed categories.
//! - [`domain`]: a gig's fields and their rules.
//! - [`store`]: the tables and the writes with their events.
//! - [`search`]: full-text and fuzzy search, filters, sorts, cursors.
//! - [`views`]: what answers show.
//! - [`routes`]: the HTTP API.
//! - [`events`]: the consumed events and their effects.

pub mod domain;
pub mod events;
pub mod routes;
pub mod search;
pub mod store;
pub mod taxonomy;
pub mod views;

use axum::Router;
use mercato_common::events::postgres::PgOutbox;
use mercato_common::service::stores::{SqlConfig, sql_check};
use mercato_common::service::{Service, Wiring};
use mercato_common::storage::{Purpose, Storage, StorageConfig};

use crate::events::GigsHandler;
use crate::routes::AppState;

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "gigs";

/// The schema migrations, applied at start-up.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The service's own settings; every field is settable by flag or environment variable
/// (`--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// The service's PostgreSQL database.
    #[command(flatten)]
    pub database: SqlConfig,
    /// Object storage, for covers.
    #[command(flatten)]
    pub storage: StorageConfig,
}

/// The gigs service.
#[derive(Debug)]
pub struct Gigs;

impl Service for Gigs {
    const NAME: &'static str = NAME;
    const DEFAULT_PORT: u16 = 4004;
    type Settings = Settings;

    async fn wire(config: &Settings, wiring: &mut Wiring) -> anyhow::Result<Router> {
        let pool = config.database.connect(NAME, &MIGRATIONS).await?;
        wiring.add_check("postgres", sql_check(pool.clone()));
        wiring.consume(GigsHandler::new(pool.clone()));
        let relay = wiring.relay(PgOutbox::new(pool.clone()));
        let storage = Storage::new(&config.storage).await;
        let referenced = pool.clone();
        wiring.spawn(storage.clone().sweep_periodically(
            Purpose::GigCover,
            move |keys| {
                let pool = referenced.clone();
                async move { store::covers_in_use(&pool, keys).await }
            },
            wiring.shutdown(),
        ));
        Ok(routes::router(AppState {
            pool,
            relay,
            storage,
        }))
    }
}
