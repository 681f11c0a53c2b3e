//! Forgotten, reset and changed passwords.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Duration;
use mercato_common::error::{ApiError, FieldErrors, Json};
use mercato_common::token::CurrentUser;
use serde::Deserialize;
use serde_json::json;

use super::{AppState, db, request_email, use_link};
use crate::crypto::random_token;
use crate::domain;
use crate::store::{self, LinkPurpose, UserRow};

const RESET_TTL_MINUTES: i64 = 60;

/// `POST /v1/auth/password/forgot`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgotRequest {
    email: String,
}

/// Emails a reset link if the account exists; the answer is 202 either way, so the route
/// does not tell who has an account.
pub async fn forgot(
    State(state): State<AppState>,
    Json(body): Json<ForgotRequest>,
) -> Result<StatusCode, ApiError> {
    let Some(email) = domain::normalise_email(&body.email) else {
        return Ok(StatusCode::ACCEPTED);
    };
    let mut tx = state.pool.begin().await.map_err(db)?;
    let Some(user) = store::user_by_login(&mut tx, &email)
        .await
        .map_err(db)?
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
        Duration::minutes(RESET_TTL_MINUTES),
    )
    .await
    .map_err(db)?;
    let link = format!("{}/reset-password?token={token}", state.settings.public_url);
    request_email(&mut tx, &user.email, "forgot_password", json!({"username": user.username, "reset_url": link, "expires_in_minutes": RESET_TTL_MINUTES})).await?;
    tx.commit().await.map_err(db)?;
    state.relay.wake();
    Ok(StatusCode::ACCEPTED)
}

/// `POST /v1/auth/password/reset`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    token: String,
    password: String,
}

/// Sets a new password with a single-use reset token; every session ends.
pub async fn reset(
    State(state): State<AppState>,
    Json(body): Json<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await.map_err(db)?;
    let user_id = use_link(&mut tx, &body.token, LinkPurpose::ResetPassword).await?;
    let user = store::user_by_id(&mut tx, &user_id)
        .await
        .map_err(db)?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    set_password(&state, &mut tx, &user, &body.password, "password").await?;
    store::revoke_all(&mut tx, &user.id).await.map_err(db)?;
    tx.commit().await.map_err(db)?;
    state.relay.wake();
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/auth/password/change`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    current_password: String,
    new_password: String,
}

/// Changes the password after checking the current one; every refresh session ends.
pub async fn change(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<ChangeRequest>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await.map_err(db)?;
    let user = store::user_by_id(&mut tx, &caller.user_id.to_string())
        .await
        .map_err(db)?
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
    store::revoke_all(&mut tx, &user.id).await.map_err(db)?;
    tx.commit().await.map_err(db)?;
    state.relay.wake();
    Ok(StatusCode::NO_CONTENT)
}

/// Checks and stores a new password and emails the confirmation.
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
    .await
    .map_err(db)?;
    let support = format!("{}/support", state.settings.public_url);
    request_email(
        conn,
        &user.email,
        "password_changed",
        json!({"username": user.username, "support_url": support}),
    )
    .await
}
