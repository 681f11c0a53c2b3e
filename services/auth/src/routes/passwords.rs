//! Forgotten, reset and changed passwords.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Duration;
use mercato_common::error::{ApiError, FieldErrors};
use mercato_common::error_responses;
use mercato_common::events::emails::{ForgotPassword, PasswordChanged};
use mercato_common::extract::Json;
use mercato_common::token::CurrentUser;
use serde::Deserialize;

use super::{AppState, request_email, use_link};
use crate::crypto::random_token;
use crate::domain;
use crate::store::{self, LinkPurpose, UserRow};

const RESET_TTL_MINUTES: u32 = 60;

/// Whose password to reset.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotRequest {
    /// The account's email address.
    email: String,
}

/// Emails a reset link if the account exists; the answer is 202 either way, so the route
/// does not tell who has an account.
#[utoipa::path(post, path = "/v1/auth/password/forgot", tag = "auth", request_body = ForgotRequest,
    responses((status = 202, description = "If the account exists, a reset link is on its way")))]
#[tracing::instrument(skip_all)]
pub async fn forgot(
    State(state): State<AppState>,
    Json(body): Json<ForgotRequest>,
) -> Result<StatusCode, ApiError> {
    let Some(email) = domain::normalise_email(&body.email) else {
        return Ok(StatusCode::ACCEPTED);
    };
    let mut tx = state.pool.begin().await?;
    let Some(user) = store::user_by_login(&mut tx, &email)
        .await?
        .filter(|u| u.email == email)
    else {
        return Ok(StatusCode::ACCEPTED);
    };
    let token = random_token().map_err(ApiError::internal)?;
    store::replace_link_token(
        &mut tx,
        &user.id,
        LinkPurpose::ResetPassword,
        &token,
        Duration::minutes(i64::from(RESET_TTL_MINUTES)),
    )
    .await?;
    let vars = ForgotPassword {
        username: user.username.clone(),
        reset_url: state
            .settings
            .link(&format!("/reset-password?token={token}"))?,
        expires_in_minutes: RESET_TTL_MINUTES,
    };
    request_email(&mut tx, &user.email, &vars).await?;
    tx.commit().await?;
    state.relay.wake();
    Ok(StatusCode::ACCEPTED)
}

/// A new password, with the token of the reset link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The token of the link in the reset email.
    token: String,
    /// The new password, under the same rules as at sign-up.
    #[schema(min_length = 10, max_length = 128)]
    password: String,
}

/// Sets a new password with a single-use reset token; every session ends.
#[utoipa::path(post, path = "/v1/auth/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 204, description = "The password is changed and every session ended"), super::accounts::LinkErrors))]
#[tracing::instrument(skip_all)]
pub async fn reset(
    State(state): State<AppState>,
    Json(body): Json<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let user_id = use_link(&mut tx, &body.token, LinkPurpose::ResetPassword).await?;
    let user = store::user_by_id(&mut tx, &user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    set_password(&state, &mut tx, &user, &body.password, "password").await?;
    store::revoke_all(&mut tx, &user.id).await?;
    tx.commit().await?;
    state.relay.wake();
    Ok(StatusCode::NO_CONTENT)
}

/// A new password, with the current one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    current_password: String,
    /// The new password, under the same rules as at sign-up.
    #[schema(min_length = 10, max_length = 128)]
    new_password: String,
}

error_responses!(
    /// A change refused.
    ChangeErrors { 403 => ["wrong_password"], 404 => ["not_found"] }
);

/// Changes the password after checking the current one; every refresh session ends.
#[utoipa::path(post, path = "/v1/auth/password/change", tag = "auth", security(("session" = [])),
    request_body = ChangeRequest,
    responses((status = 204, description = "The password is changed and every session ended"), ChangeErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn change(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<ChangeRequest>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let user = store::user_by_id(&mut tx, &caller.user_id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    if !state
        .passwords
        .verify(body.current_password, Some(user.password_hash.clone()))
        .await
        .map_err(ApiError::internal)?
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_password",
            "the current password is wrong",
        ));
    }
    set_password(&state, &mut tx, &user, &body.new_password, "new_password").await?;
    store::revoke_all(&mut tx, &user.id).await?;
    tx.commit().await?;
    state.relay.wake();
    Ok(StatusCode::NO_CONTENT)
}

/// Checks and stores a new password and emails the confirmation.
#[tracing::instrument(skip_all)]
async fn set_password(
    state: &AppState,
    conn: &mut sqlx::MySqlConnection,
    user: &UserRow,
    password: &str,
    field: &str,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    domain::check_password(&mut errors, field, password, &user.username, &user.email);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let hash = state
        .passwords
        .hash(password.to_owned())
        .await
        .map_err(ApiError::internal)?;
    sqlx::query(
        "UPDATE users SET password_hash = ?, failed_signins = 0, locked_until = NULL WHERE id = ?",
    )
    .bind(hash)
    .bind(&user.id)
    .execute(&mut *conn)
    .await?;
    let vars = PasswordChanged {
        username: user.username.clone(),
        support_url: state.settings.link("/support")?,
    };
    request_email(conn, &user.email, &vars).await
}
