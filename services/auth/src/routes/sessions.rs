//! Refresh sessions: rotation on every use, family revocation on reuse, sign-out.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::{Json, json_object};
use mercato_common::token::CurrentUser;
use serde::Deserialize;

use super::{AppState, Session, issue_session};
use crate::store;

/// A body holding a refresh token (the gateway fills it from the cookie).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the session's last answer.
    refresh_token: String,
}

error_responses!(
    /// A refresh refused: the session has ended, or its token was used twice.
    RefreshErrors { 401 => ["invalid_refresh_token", "refresh_reused"] }
);

fn invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
        "the session has ended; sign in again",
    )
}

/// Exchanges a refresh token for a new one in the same family. A token that was already
/// exchanged means it was copied: the whole family is revoked.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "The session continues with new tokens", body = Session), RefreshErrors))]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<Session>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let session = store::refresh_by_token(&mut tx, &body.refresh_token)
        .await?
        .ok_or_else(invalid)?;
    if session.revoked_at.is_some() || session.expires_at <= Utc::now() {
        return Err(invalid());
    }
    if session.rotated_at.is_some() {
        let revoked = store::revoke_family(&mut tx, &session.family_id).await?;
        tx.commit().await?;
        tracing::warn!(user_id = %session.user_id, revoked, "a rotated refresh token was used again; session family revoked");
        metrics::counter!("auth_refresh_reuse_total").increment(1);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "refresh_reused",
            "this session was used from elsewhere; sign in again",
        ));
    }
    store::mark_rotated(&mut tx, &body.refresh_token).await?;
    let user = store::user_by_id(&mut tx, &session.user_id)
        .await?
        .ok_or_else(invalid)?;
    let answer = issue_session(&mut tx, &state.settings, &user, Some(&session.family_id)).await?;
    tx.commit().await?;
    Ok(Json(answer))
}

/// A sign-out body: the refresh token of the session to end, if the client has it.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignoutRequest {
    /// The session to end; without it, every session of the caller ends.
    #[serde(default)]
    refresh_token: Option<String>,
}

/// Ends the session of the given refresh token, or every session of the caller without one.
#[utoipa::path(post, path = "/v1/auth/signout", tag = "auth", security(("session" = [])),
    request_body = Option<SignoutRequest>,
    responses((status = 204, description = "Signed out")))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn signout(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    // The body is optional: none (or `null`) ends every session of the caller.
    let body: SignoutRequest = if body.trim_ascii().is_empty() || body.trim_ascii() == b"null" {
        SignoutRequest::default()
    } else {
        json_object(&body)?
    };
    let user_id = caller.user_id.to_string();
    let mut tx = state.pool.begin().await?;
    match body.refresh_token {
        Some(token) => {
            if let Some(session) = store::refresh_by_token(&mut tx, &token)
                .await?
                .filter(|s| s.user_id == user_id)
            {
                store::revoke_family(&mut tx, &session.family_id).await?;
            }
        }
        None => {
            store::revoke_all(&mut tx, &user_id).await?;
        }
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
