//! The reviews service's HTTP API, served to the gateway under `/v1`: writing a review (the
//! parties of a completed order) and the lists anyone may read.

mod create;
mod lists;
mod openapi;

use axum::Router;
use axum::routing::{get, post};
use mercato_common::events::RelayWaker;
use sqlx::PgPool;

pub use openapi::part as openapi;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub pool: PgPool,
    /// Wakes the outbox relay after a commit that wrote events.
    pub relay: RelayWaker,
    /// The web client's URL, without a trailing slash, for links in emails.
    pub public_url: String,
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/reviews", post(create::create))
        .route("/v1/gigs/{id}/reviews", get(lists::of_gig))
        .route("/v1/sellers/{id}/reviews", get(lists::of_seller))
        .route("/v1/buyers/{id}/reviews", get(lists::of_buyer))
        .with_state(state)
}
