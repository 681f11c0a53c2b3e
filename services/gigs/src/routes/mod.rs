//! The gigs service's HTTP API, served to the gateway under `/v1`.

mod manage;
mod openapi;
mod read;

use axum::Router;
use axum::routing::{get, post};
use mercato_common::error::ApiError;
use mercato_common::events::RelayWaker;
use sqlx::PgPool;
use uuid::Uuid;

pub use openapi::part as openapi;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub pool: PgPool,
    /// Wakes the outbox relay after a commit that wrote events.
    pub relay: RelayWaker,
    /// Object storage, for covers.
    pub storage: mercato_common::storage::Storage,
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/gigs", post(manage::create).get(read::search))
        .route("/v1/gigs/top", get(read::top))
        .route(
            "/v1/gigs/{id}",
            get(read::one).patch(manage::edit).delete(manage::delete),
        )
        .route("/v1/gigs/{id}/pause", post(manage::pause))
        .route("/v1/gigs/{id}/activate", post(manage::activate))
        .route("/v1/gigs/{id}/similar", get(read::similar))
        .route("/v1/sellers/{id}/gigs", get(read::of_seller))
        .route("/v1/categories", get(read::categories))
        .route("/v1/uploads/gig-cover", post(manage::upload_cover))
        .with_state(state)
}

/// The gig id in a path; anything that is not an id names no gig.
fn gig_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| no_such_gig())
}

fn no_such_gig() -> ApiError {
    ApiError::not_found("no such gig")
}
