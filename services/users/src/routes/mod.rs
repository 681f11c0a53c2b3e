//! The users service's HTTP API, served to the gateway under `/v1`.

mod buyers;
mod openapi;
mod sellers;
mod uploads;

pub use openapi::part as openapi;

use axum::Router;
use axum::routing::{get, patch, post};
use mercato_common::events::RelayWaker;

use crate::store::Store;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Wakes the outbox relay after a commit that wrote an event.
    pub relay: RelayWaker,
    /// Object storage, for profile pictures.
    pub storage: mercato_common::storage::Storage,
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/buyers/me", get(buyers::me))
        .route("/v1/buyers/{username}", get(buyers::by_username))
        .route("/v1/sellers", post(sellers::create))
        .route("/v1/sellers/me", patch(sellers::update_mine))
        .route("/v1/sellers/random", get(sellers::random))
        .route(
            "/v1/sellers/by-username/{username}",
            get(sellers::by_username),
        )
        .route("/v1/sellers/{id}", get(sellers::by_id))
        .route(
            "/v1/uploads/profile-picture",
            post(uploads::profile_picture),
        )
        .with_state(state)
}
