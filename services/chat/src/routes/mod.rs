//! The chat service's HTTP API, served to the gateway under `/v1`. Every route answers only the
//! two participants of a conversation; to anyone else a conversation, its messages and its
//! offers do not exist (404).

/// Runs `$body` (a future using `$session`, a session with a transaction) and commits it,
/// running both again when MongoDB reports a conflict with a concurrent transaction
/// (`retry_transaction`); returns the body's value, or from the handler with the error.
macro_rules! in_transaction {
    ($store:expr, |$session:ident| $body:expr) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut $session = $store.begin().await?;
            match $body.await {
                Ok(value) => match $session.commit_transaction().await {
                    Ok(()) => break value,
                    Err(err)
                        if mercato_common::events::mongo::retry_transaction(&err, attempt)
                            .await =>
                    {
                        continue;
                    }
                    Err(err) => return Err(err.into()),
                },
                Err(err)
                    if mercato_common::events::mongo::retry_transaction(&err, attempt).await =>
                {
                    continue;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }};
}

mod conversations;
mod history;
mod messages;
mod offers;
mod openapi;
mod reads;
mod uploads;

pub use openapi::part as openapi;

use axum::Router;
use axum::routing::{get, post};
use mercato_common::error::ApiError;
use mercato_common::events::RelayWaker;
use mercato_common::realtime::hub::Hub;
use mercato_common::storage::Storage;
use mercato_common::token::Caller;
use mongodb::bson::doc;

use crate::domain::parse_id;
use crate::store::{ConversationDoc, Store};

/// Where the links in chat's emails point, and how often a quiet conversation may email.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// The public base URL of the web client (no trailing slash).
    pub public_url: String,
    /// At most one "new message" email per conversation and recipient in this long.
    pub quiet_period: chrono::Duration,
}

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Wakes the outbox relay after a commit that wrote an event.
    pub relay: RelayWaker,
    /// Object storage, for attachments.
    pub storage: Storage,
    /// Real-time deliveries and presence.
    pub hub: Hub,
    /// Email settings.
    pub emails: EmailSettings,
    /// Writers to one conversation take turns here (see [`Turns`]).
    pub turns: Turns,
}

/// Turns for writers to a conversation within this replica: every send writes its
/// conversation's document, so concurrent sends to one conversation would make MongoDB abort
/// all but one transaction each round and retry the rest. Taking turns first leaves only
/// conflicts between replicas to retry. Striped: a fixed number of locks, chosen by the
/// conversation id's hash, so memory stays constant however many conversations there are.
#[derive(Debug, Clone)]
pub struct Turns(std::sync::Arc<Vec<tokio::sync::Mutex<()>>>);

impl Default for Turns {
    fn default() -> Self {
        Self(std::sync::Arc::new(
            (0..256).map(|_| tokio::sync::Mutex::new(())).collect(),
        ))
    }
}

impl Turns {
    /// Waits for the turn of conversation `id`; the turn lasts while the guard lives.
    pub async fn take(&self, id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut hasher);
        let stripe = usize::try_from(hasher.finish() % self.0.len() as u64).unwrap_or(0);
        self.0[stripe].lock().await
    }
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/v1/conversations",
            get(conversations::inbox).post(conversations::open),
        )
        .route("/v1/conversations/{id}", get(conversations::one))
        .route(
            "/v1/conversations/{id}/messages",
            get(history::history).post(messages::send),
        )
        .route("/v1/conversations/{id}/read", post(reads::read))
        .route("/v1/offers/{id}/accept", post(offers::accept))
        .route("/v1/offers/{id}/decline", post(offers::decline))
        .route("/v1/offers/{id}/withdraw", post(offers::withdraw))
        .route("/v1/uploads/attachment", post(uploads::attachment))
        .with_state(state)
}

/// The 404 of a conversation that does not exist for the caller.
fn no_such_conversation() -> ApiError {
    ApiError::not_found("no such conversation")
}

/// The conversation `id` if `caller` takes part in it; otherwise, whether it exists or not,
/// the same 404.
async fn conversation_of(
    state: &AppState,
    id: &str,
    caller: &Caller,
) -> Result<ConversationDoc, ApiError> {
    parse_id(id, "conversation")?;
    state
        .store
        .conversations()
        .find_one(doc! {"_id": id, "participants": caller.user_id.to_string()})
        .await?
        .ok_or_else(no_such_conversation)
}

/// Refuses a caller who has not verified their email: messaging needs it.
fn require_verified(caller: &Caller) -> Result<(), ApiError> {
    if caller.email_verified {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "email_not_verified",
            "verify your email address before messaging",
        ))
    }
}
