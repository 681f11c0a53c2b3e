//! The orders service's HTTP API, served to the gateway under `/v1`. Only the buyer and the
//! seller of an order see it (the seller from the moment it is paid); to anyone else it does
//! not exist (404). Each lifecycle step checks the party taking it (403 `wrong_party`).

/// Takes one lifecycle step on order `$id` for `$caller`: locks the order (404 unless the
/// caller is a party), runs `$body` (a future using `$step`), commits, and does what the step
/// left to do after the commit (events published, alerts pushed, refunds sent). Evaluates to
/// the body's value, or returns the error from the handler.
macro_rules! take_step {
    ($state:expr, $caller:expr, $id:expr, |$step:ident| $body:expr) => {{
        let order_id = $crate::routes::order_id(&$id)?;
        let mut tx = $state.pool.begin().await?;
        let (order, party) = $crate::store::lock_for(&mut tx, order_id, $caller.user_id).await?;
        let mut $step = $crate::lifecycle::Step::begin(
            &mut tx,
            &order,
            $crate::lifecycle::Actor::Party(party, $caller.user_id),
            $crate::now(&$state.clock),
            &$state.lifecycle,
        )
        .await?;
        let value = $body.await?;
        let done = $step.finish();
        tx.commit().await?;
        $state.after(done).await;
        (value, order_id)
    }};
}

mod alerts;
mod openapi;
pub mod payments;
mod place;
pub mod read;
mod steps;
mod uploads;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use mercato_common::clock::Clock;
use mercato_common::error::ApiError;
use mercato_common::events::RelayWaker;
use mercato_common::realtime::hub::Hub;
use mercato_common::storage::Storage;
use mercato_common::token::Caller;
use sqlx::PgPool;
use uuid::Uuid;

pub use openapi::part as openapi;

use crate::fees::FeePolicy;
use crate::lifecycle::{Done, Policy};
use crate::payments::Provider;

/// The Socket.IO event a party's browser receives for each new notification.
pub const ORDER_NOTIFICATION: &str = "order:notification";

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub pool: PgPool,
    /// Wakes the outbox relay after a commit that wrote events.
    pub relay: RelayWaker,
    /// Object storage, for delivered files.
    pub storage: Storage,
    /// Real-time deliveries to the parties' browsers.
    pub hub: Hub,
    /// The payment provider.
    pub payments: Arc<Provider>,
    /// How far a webhook's signed time may be from now, in seconds.
    pub webhook_tolerance: i64,
    /// The service fee.
    pub fees: FeePolicy,
    /// The lifecycle's settings.
    pub lifecycle: Arc<Policy>,
    /// The time.
    pub clock: Clock,
}

impl AppState {
    /// What a committed step leaves to do: publish its events now, push its alerts, send its
    /// refunds (in the background; the periodic task retries what fails).
    pub async fn after(&self, done: Done) {
        self.relay.wake();
        for (user, alert) in &done.alerts {
            self.hub.deliver(&[*user], ORDER_NOTIFICATION, alert).await;
        }
        if !done.refunds.is_empty() {
            let state = self.clone();
            tokio::spawn(async move { crate::refunds::send_pending(&state).await });
        }
    }
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/orders", post(place::place).get(read::orders))
        .route("/v1/orders/{id}", get(read::order))
        .route("/v1/orders/{id}/cancel", post(steps::cancel))
        .route("/v1/orders/{id}/extensions", post(steps::request_extension))
        .route(
            "/v1/orders/{id}/extensions/{eid}/approve",
            post(steps::approve_extension),
        )
        .route(
            "/v1/orders/{id}/extensions/{eid}/reject",
            post(steps::reject_extension),
        )
        .route("/v1/orders/{id}/deliveries", post(steps::deliver))
        .route("/v1/orders/{id}/revision", post(steps::request_revision))
        .route("/v1/orders/{id}/complete", post(steps::complete))
        .route("/v1/notifications", get(alerts::notifications))
        .route("/v1/notifications/{id}/read", post(alerts::mark_read))
        .route("/v1/payments/webhook", post(payments::webhook))
        .route(
            "/v1/payments/sandbox/{reference}/confirm",
            post(payments::sandbox_confirm),
        )
        .route("/v1/uploads/delivery", post(uploads::upload_delivery))
        .with_state(state)
}

/// The order id in a path; anything that is not an id names no order.
///
/// # Errors
///
/// 404.
pub fn order_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| crate::store::no_such_order())
}

/// Refuses a caller whose email is not verified.
fn require_verified(caller: &Caller) -> Result<(), ApiError> {
    if caller.email_verified {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "email_not_verified",
            "verify your email address first",
        ))
    }
}
