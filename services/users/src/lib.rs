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
use axum::Router;
use mercato_common::events::mongo::MongoOutbox;
use mercato_common::service::stores::{MongoConfig, mongo_check};
use mercato_common::service::{Service, Wiring};
use mercato_common::storage::{Purpose, Storage, StorageConfig};

use crate::events::UsersHandler;
use crate::routes::AppState;
use crate::store::Store;

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "users";

/// The service's own settings; every field is settable by flag or environment variable
/// (`--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// The service's MongoDB database.
    #[command(flatten)]
    pub database: MongoConfig,
    /// Object storage, for profile pictures.
    #[command(flatten)]
    pub storage: StorageConfig,
}

/// The users service.
#[derive(Debug)]
pub struct Users;

impl Service for Users {
    const NAME: &'static str = NAME;
    const DEFAULT_PORT: u16 = 4003;
    type Settings = Settings;

    async fn wire(config: &Settings, wiring: &mut Wiring) -> anyhow::Result<Router> {
        let (client, db) = config.database.connect(NAME).await?;
        let store = Store::new(client, db);
        store
            .ensure_indexes()
            .await
            .context("cannot create the users indexes")?;
        wiring.add_check("mongodb", mongo_check(store.db.clone()));
        wiring.consume(UsersHandler::new(store.clone()));
        let relay = wiring.relay(MongoOutbox::new(
            &store.db,
            std::time::Duration::from_secs(30),
        ));
        let storage = Storage::new(&config.storage).await;
        let referenced = store.clone();
        wiring.spawn(storage.clone().sweep_periodically(
            Purpose::ProfilePicture,
            move |keys| {
                let store = referenced.clone();
                async move { store.pictures_in_use(keys).await }
            },
            wiring.shutdown(),
        ));
        Ok(routes::router(AppState {
            store,
            relay,
            storage,
        }))
    }
}
