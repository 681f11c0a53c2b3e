//! Sign-up, the account itself, and email verification.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use mercato_common::error::{ApiError, FieldErrors, Json, OrConflict};
use mercato_common::events::catalog::{UserEmailVerified, UserRegistered};
use mercato_common::events::emails::VerifyEmail;
use mercato_common::events::mysql::publish;
use mercato_common::token::CurrentUser;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AppState, issue_session, request_email, use_link};
use crate::NAME;
use crate::crypto::random_token;
use crate::domain;
use crate::store::{self, LinkPurpose, UserRow, UserView};

/// `POST /v1/auth/signup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    username: String,
    email: String,
    password: String,
    country: String,
    #[serde(default)]
    profile_picture_url: Option<String>,
    #[serde(default)]
    device_id: Option<String>,
}

const VERIFY_TTL_HOURS: u32 = 24;

/// Writes a fresh verification link (voiding older ones) and the email that carries it.
#[tracing::instrument(skip_all)]
async fn send_verification(
    state: &AppState,
    conn: &mut sqlx::MySqlConnection,
    user: &UserRow,
) -> Result<(), ApiError> {
    let token = random_token().map_err(ApiError::internal)?;
    store::replace_link_token(
        conn,
        &user.id,
        LinkPurpose::VerifyEmail,
        &token,
        Duration::hours(i64::from(VERIFY_TTL_HOURS)),
    )
    .await?;
    let vars = VerifyEmail {
        username: user.username.clone(),
        verify_url: state
            .settings
            .link(&format!("/verify-email?token={token}"))?,
        expires_in_hours: VERIFY_TTL_HOURS,
    };
    request_email(conn, &user.email, &vars).await
}

/// Creates an account, signs it in and emails a verification link, all in one transaction.
#[tracing::instrument(skip_all)]
pub async fn signup(
    State(state): State<AppState>,
    Json(body): Json<SignupRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut errors = FieldErrors::new();
    domain::check_username(&mut errors, &body.username);
    let email = domain::normalise_email(&body.email);
    if email.is_none() {
        errors
            .entry("email".into())
            .or_default()
            .push("is not a valid email address".into());
    }
    let email = email.unwrap_or_default();
    domain::check_password(
        &mut errors,
        "password",
        &body.password,
        &body.username,
        &email,
    );
    if !domain::is_country_code(&body.country) {
        errors
            .entry("country".into())
            .or_default()
            .push("must be an ISO 3166 alpha-2 code such as DE".into());
    }
    domain::check_picture_url(&mut errors, body.profile_picture_url.as_deref());
    domain::check_device_id(&mut errors, body.device_id.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }

    let user = UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        username: body.username.clone(),
        email,
        password_hash: state
            .passwords
            .hash(body.password)
            .await
            .map_err(ApiError::internal)?,
        country: body.country,
        profile_picture_url: body.profile_picture_url,
        email_verified: false,
        failed_signins: 0,
        locked_until: None,
        // MySQL keeps microseconds: trim so the answer equals what a later read returns.
        created_at: chrono::DateTime::from_timestamp_micros(Utc::now().timestamp_micros())
            .unwrap_or_default(),
    };
    let mut tx = state.pool.begin().await?;
    store::insert_user(&mut tx, &user)
        .await
        .or_conflict(|index| {
            if index.contains("users_username") {
                ApiError::conflict("username_taken", "that username is taken")
            } else {
                ApiError::conflict("email_taken", "an account with that email exists")
            }
        })?;
    if let Some(device) = &body.device_id {
        store::trust_device(&mut tx, &user.id, device).await?;
    }
    let user_id = uuid::Uuid::parse_str(&user.id).map_err(ApiError::internal)?;
    publish(
        &mut tx,
        NAME,
        &UserRegistered {
            user_id,
            username: user.username.clone(),
            email: user.email.clone(),
            country: user.country.clone(),
            profile_picture_url: user.profile_picture_url.clone(),
            email_verified: false,
            registered_at: user.created_at,
        },
    )
    .await?;
    send_verification(&state, &mut tx, &user).await?;
    let session = issue_session(&mut tx, &state.settings, &user, None).await?;
    tx.commit().await?;
    state.relay.wake();
    tracing::info!(user_id = %user.id, "account created");
    Ok((StatusCode::CREATED, Json(session)))
}

/// The answer of `GET /v1/auth/me`.
#[derive(Debug, Serialize)]
pub struct Me {
    user: UserView,
}

/// `GET /v1/auth/me`.
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
) -> Result<Json<Me>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let user = store::user_by_id(&mut conn, &caller.user_id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    Ok(Json(Me {
        user: UserView::from(&user),
    }))
}

/// `POST /v1/auth/verify-email`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    token: String,
}

/// Verifies the email address with a single-use, expiring token.
#[tracing::instrument(skip_all)]
pub async fn verify_email(
    State(state): State<AppState>,
    Json(body): Json<VerifyRequest>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let user_id = use_link(&mut tx, &body.token, LinkPurpose::VerifyEmail).await?;
    sqlx::query("UPDATE users SET email_verified = TRUE WHERE id = ?")
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    let user = store::user_by_id(&mut tx, &user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    publish(
        &mut tx,
        NAME,
        &UserEmailVerified {
            user_id: uuid::Uuid::parse_str(&user_id).map_err(ApiError::internal)?,
            verified_at: Utc::now(),
        },
    )
    .await?;
    tx.commit().await?;
    state.relay.wake();
    Ok(Json(json!({"user": UserView::from(&user)})))
}

/// Sends a new verification link; the previous one stops working.
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn resend_verification(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let user = store::user_by_id(&mut tx, &caller.user_id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    if user.email_verified {
        return Err(ApiError::conflict(
            "already_verified",
            "the email address is already verified",
        ));
    }
    send_verification(&state, &mut tx, &user).await?;
    tx.commit().await?;
    state.relay.wake();
    Ok(StatusCode::ACCEPTED)
}
