//! The chat service: conversations between two users (optionally about a gig), their
//! messages, files and custom offers (MongoDB), and real-time delivery of what happens in them
//! to the participants' browsers through the gateway (a Socket.IO hub, `/socket.io/`, that
//! only gateways connect to).
//!
//! Only the two participants see a conversation. Chat resolves usernames, shows names and
//! pictures and checks offers' gigs from its own directory, fed by events. Accepting an offer
//! publishes `chat.offer_accepted.v1` with the offer's terms, from which orders places the
//! order.
//!
//! # Layout
//!
//! - [`domain`]: requests and their limits.
//! - [`store`]: collections, indexes, documents.
//! - [`directory`]: the users and gigs chat knows, from events.
//! - [`views`]: answers and real-time payloads.
//! - [`routes`]: the HTTP API.
//! - [`presence`]: telling partners who came online or went offline.

pub mod directory;
pub mod domain;
pub mod presence;
pub mod routes;
pub mod store;
pub mod views;

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use axum::Router;
use mercato_common::events::mongo::MongoOutbox;
use mercato_common::realtime::hub::{Hub, RealtimeConfig};
use mercato_common::service::stores::{MongoConfig, mongo_check};
use mercato_common::service::{Service, Wiring};
use mercato_common::storage::{Purpose, Storage, StorageConfig};

use crate::directory::DirectoryHandler;
use crate::routes::{AppState, EmailSettings};
use crate::store::Store;

/// The service's name: its token audience, queue suffix and metrics label.
pub const NAME: &str = "chat";

/// The service's own settings; every field is settable by flag or environment variable
/// (`--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// The service's MongoDB database.
    #[command(flatten)]
    pub database: MongoConfig,
    /// Object storage, for attachments.
    #[command(flatten)]
    pub storage: StorageConfig,
    /// Real time: Redis for the replicas' hub and for presence.
    #[command(flatten)]
    pub realtime: RealtimeConfig,
    /// The web client's public URL, for the links in emails.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:4000")]
    pub public_url: String,
    /// At most one "new message" email per conversation and recipient in this many minutes.
    #[arg(long, env = "CHAT_EMAIL_QUIET_MINUTES", default_value_t = 15)]
    pub email_quiet_minutes: u32,
}

/// The chat service.
#[derive(Debug)]
pub struct Chat;

impl Service for Chat {
    const NAME: &'static str = NAME;
    const DEFAULT_PORT: u16 = 4005;
    type Settings = Settings;

    async fn wire(config: &Settings, wiring: &mut Wiring) -> anyhow::Result<Router> {
        let (client, db) = config.database.connect(NAME).await?;
        let store = Store::new(client, db);
        store
            .ensure_indexes()
            .await
            .context("cannot create the chat indexes")?;
        wiring.add_check("mongodb", mongo_check(store.db.clone()));
        wiring.consume(DirectoryHandler::new(store.clone()));
        let relay = wiring.relay(MongoOutbox::new(
            &store.db,
            std::time::Duration::from_secs(30),
        ));
        // The presence handler needs the hub it is registered on: it gets it once started.
        let started = Arc::new(OnceLock::new());
        let (socket_io, hub) = Hub::start(
            NAME,
            &config.realtime,
            wiring.verifier().clone(),
            Some(presence::handler(store.clone(), started.clone())),
        )
        .await
        .context("cannot start the real-time hub (REDIS_URL)")?;
        let _ = started.set(hub.clone());
        wiring.spawn(hub.clone().close_on(wiring.shutdown()));
        wiring.authenticates_itself("/socket.io/");
        let storage = Storage::new(&config.storage).await;
        let referenced = store.clone();
        wiring.spawn(storage.clone().sweep_periodically(
            Purpose::Attachment,
            move |keys| {
                let store = referenced.clone();
                async move { store.attachments_in_use(keys).await }
            },
            wiring.shutdown(),
        ));
        let state = AppState {
            store,
            relay,
            storage,
            hub,
            turns: routes::Turns::default(),
            emails: EmailSettings {
                public_url: config.public_url.trim_end_matches('/').to_owned(),
                quiet_period: chrono::Duration::minutes(i64::from(config.email_quiet_minutes)),
            },
        };
        Ok(routes::router(state).merge(socket_io))
    }
}
