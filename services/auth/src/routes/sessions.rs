//! Refresh sessions: rotation on every use, family revocation on reuse, sign-out.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use mercato_common::error::{ApiError, Json};
use mercato_common::token::CurrentUser;
use serde::Deserialize;
use serde_json::Value;

use super::{AppState, issue_session};
use crate::store;

/// A body holding a refresh token (the gateway fills it from the cookie).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

fn invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
        "the session has ended; sign in again",
    )
}

/// Exchanges a refresh token for a new one in the same family. A token that was already
/// exchanged means it was copied: the whole family is revoked.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<Value>, ApiError> {
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
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignoutRequest {
    #[serde(default)]
    refresh_token: Option<String>,
}

/// Ends the session of the given refresh token, or every session of the caller without one.
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn signout(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    // The body is optional: an empty one ends every session of the caller.
    let body: SignoutRequest = if body.is_empty() {
        SignoutRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::bad_request(format!("invalid body: {err}")))?
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
