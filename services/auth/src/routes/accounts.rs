//! Sign-up, the account itself, and email verification.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use mercato_common::error::{ApiError, FieldErrors, OrConflict};
use mercato_common::error_responses;
use mercato_common::events::catalog::{UserEmailVerified, UserRegistered};
use mercato_common::events::emails::VerifyEmail;
use mercato_common::events::mysql::publish;
use mercato_common::extract::Json;
use mercato_common::token::CurrentUser;
use serde::{Deserialize, Serialize};

use super::{AppState, Session, issue_session, request_email, use_link};
use crate::NAME;
use crate::crypto::random_token;
use crate::domain;
use crate::store::{self, LinkPurpose, UserRow, UserView};

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// 3 to 30 letters, digits, `_` or `-`; unique ignoring case.
    #[schema(min_length = 3, max_length = 30, pattern = "^[A-Za-z0-9_-]+$")]
    username: String,
    /// Unique; stored trimmed and in lower case.
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// 10 to 128 characters, not a common password, without the username or email in it.
    #[schema(min_length = 10, max_length = 128)]
    password: String,
    /// ISO 3166 alpha-2 country code.
    #[schema(pattern = "^[A-Z]{2}$")]
    country: String,
    /// An `https://` link to a picture.
    #[serde(default)]
    #[schema(max_length = 2048, pattern = "^https://\\S+$")]
    profile_picture_url: Option<String>,
    /// The client's device (printable characters), trusted for later sign-ins without a code.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
    )]
    device_id: Option<String>,
}

error_responses!(
    /// What signing up can refuse besides invalid fields.
    SignupErrors { 409 => ["username_taken", "email_taken"] }
);

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
#[utoipa::path(post, path = "/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, description = "Signed up and signed in", body = Session), SignupErrors))]
#[tracing::instrument(skip_all)]
pub async fn signup(
    State(state): State<AppState>,
    Json(body): Json<SignupRequest>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
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

/// An account, as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Account {
    user: UserView,
}

error_responses!(
    /// An account that no longer exists.
    AccountErrors { 404 => ["not_found"] }
);

/// The caller's account.
#[utoipa::path(get, path = "/v1/auth/me", tag = "auth", security(("session" = [])),
    responses((status = 200, description = "The caller's account", body = Account), AccountErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
) -> Result<Json<Account>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let user = store::user_by_id(&mut conn, &caller.user_id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    Ok(Json(Account {
        user: UserView::from(&user),
    }))
}

/// The token of an email verification link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The token of the link in the verification email.
    token: String,
}

error_responses!(
    /// A link that does not work.
    LinkErrors { 400 => ["invalid_token"], 404 => ["not_found"] }
);

/// Verifies the email address with a single-use, expiring token.
#[utoipa::path(post, path = "/v1/auth/verify-email", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, description = "Verified", body = Account), LinkErrors))]
#[tracing::instrument(skip_all)]
pub async fn verify_email(
    State(state): State<AppState>,
    Json(body): Json<VerifyRequest>,
) -> Result<Json<Account>, ApiError> {
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
    Ok(Json(Account {
        user: UserView::from(&user),
    }))
}

error_responses!(
    /// Nothing to verify.
    ResendErrors { 404 => ["not_found"], 409 => ["already_verified"] }
);

/// Sends a new verification link; the previous one stops working.
#[utoipa::path(post, path = "/v1/auth/verify-email/resend", tag = "auth", security(("session" = [])),
    responses((status = 202, description = "A new link is on its way"), ResendErrors))]
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
