//! The auth service's HTTP API, served to the gateway under `/v1/auth`.
//!
//! Every answer that starts a session is `{user, refresh_token, refresh_expires_in}`; the
//! gateway turns it into an access token and cookies. Secrets (passwords, tokens, codes) are
//! never logged: handlers log ids and outcomes only.

mod accounts;
mod openapi;
mod passwords;
mod sessions;
mod signin;

pub use openapi::part as openapi;

use axum::Router;
use axum::routing::{get, post};
use chrono::Duration;
use mercato_common::error::ApiError;
use mercato_common::events::RelayWaker;
use mercato_common::events::catalog::EmailRequested;
use mercato_common::events::emails::{EmailTemplate, Link};
use mercato_common::events::mysql::publish;
use serde::Serialize;
use sqlx::{MySqlConnection, MySqlPool};

use crate::NAME;
use crate::crypto::{Passwords, random_token};
use crate::store::{self, UserRow, UserView};

/// Lifetimes and thresholds.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Base URL of the web app, for links in emails.
    pub public_url: String,
    /// Refresh session lifetime.
    pub refresh_ttl: Duration,
    /// Failed sign-ins before an account locks.
    pub lockout_after: i32,
    /// How long a lock lasts.
    pub lockout_for: Duration,
}

impl Limits {
    /// A link to `path_and_query` of the web app, for an email.
    fn link(&self, path_and_query: &str) -> Result<Link, ApiError> {
        Link::new(format!("{}{path_and_query}", self.public_url)).map_err(ApiError::internal)
    }
}

/// Writes an `email.requested.v1` for the email `T` to `to` to the outbox, in the caller's
/// transaction.
#[tracing::instrument(skip_all)]
async fn request_email<T: EmailTemplate>(
    conn: &mut MySqlConnection,
    to: &str,
    vars: &T,
) -> Result<(), ApiError> {
    Ok(publish(conn, NAME, &EmailRequested::new(to, vars)).await?)
}

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub pool: MySqlPool,
    /// Password hashing.
    pub passwords: Passwords,
    /// Wakes the outbox relay after a commit that wrote events.
    pub relay: RelayWaker,
    /// Lifetimes and thresholds.
    pub settings: Limits,
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/auth/signup", post(accounts::signup))
        .route("/v1/auth/me", get(accounts::me))
        .route("/v1/auth/verify-email", post(accounts::verify_email))
        .route(
            "/v1/auth/verify-email/resend",
            post(accounts::resend_verification),
        )
        .route("/v1/auth/signin", post(signin::signin))
        .route("/v1/auth/signin/otp", post(signin::signin_otp))
        .route("/v1/auth/refresh", post(sessions::refresh))
        .route("/v1/auth/signout", post(sessions::signout))
        .route("/v1/auth/password/forgot", post(passwords::forgot))
        .route("/v1/auth/password/reset", post(passwords::reset))
        .route("/v1/auth/password/change", post(passwords::change))
        .with_state(state)
}

/// A session started or continued: the account and its new refresh token. The gateway adds
/// the access token and sets the cookies.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    /// The signed-in account.
    user: UserView,
    /// The refresh token: single use, exchanged at `/auth/refresh` for the next one.
    refresh_token: String,
    /// Seconds until the refresh token expires.
    #[schema(minimum = 1)]
    refresh_expires_in: i64,
}

/// A session answer for `user`: a new refresh token in a new or continued family.
#[tracing::instrument(skip_all)]
async fn issue_session(
    conn: &mut MySqlConnection,
    settings: &Limits,
    user: &UserRow,
    family_id: Option<&str>,
) -> Result<Session, ApiError> {
    let token = random_token().map_err(ApiError::internal)?;
    let family = family_id.map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    store::insert_refresh(conn, &user.id, &family, &token, settings.refresh_ttl).await?;
    Ok(Session {
        user: UserView::from(user),
        refresh_token: token,
        refresh_expires_in: settings.refresh_ttl.num_seconds(),
    })
}

/// Uses a single-use link token; an unknown, used or expired one is a 400 `invalid_token`.
#[tracing::instrument(skip_all)]
async fn use_link(
    conn: &mut MySqlConnection,
    token: &str,
    purpose: store::LinkPurpose,
) -> Result<String, ApiError> {
    store::use_link_token(conn, token, purpose)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_token",
                "the link is invalid, used or expired; ask for a new one",
            )
        })
}
