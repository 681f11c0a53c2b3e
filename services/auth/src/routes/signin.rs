//! Sign-in: password check with lockout, and one-time codes for devices not seen before.
//!
//! An unknown login and a wrong password give the same 401 after the same amount of hashing.
//! After too many failures an account is locked for a while (in addition to the gateway's
//! per-account rate limit). A sign-in from a device the account has not used answers
//! `otp_required` with a challenge and emails a six-digit code bound to that account, device
//! and challenge: 10 minutes, 5 attempts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use mercato_common::error::{ApiError, FieldErrors};
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::openapi::Id;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{AppState, Session, issue_session, request_email};
use crate::crypto::{digest, random_code};
use crate::domain;
use crate::store;
use mercato_common::events::emails::SignInCode;

const OTP_TTL_MINUTES: u32 = 10;
const OTP_ATTEMPTS: i32 = 5;

/// Credentials to sign in with.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SigninRequest {
    /// Username or email address.
    login: String,
    password: String,
    /// The client's device; a device the account has not used gets a one-time code first.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
    )]
    device_id: Option<String>,
}

/// The answer to a sign-in from a device the account has not used: a code is on its way by
/// email, to send with the challenge to `/auth/signin/otp`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OtpChallenge {
    /// Always `true`.
    otp_required: bool,
    /// The challenge the emailed code belongs to.
    #[schema(value_type = Id)]
    challenge_id: String,
}

error_responses!(
    /// A sign-in refused.
    SigninErrors { 401 => ["unauthorized"], 429 => ["account_locked"] }
);

fn bad_credentials() -> ApiError {
    ApiError::unauthorized("the login or password is wrong")
}

/// Signs in by username or email.
#[utoipa::path(post, path = "/v1/auth/signin", tag = "auth", request_body = SigninRequest,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 202, description = "A one-time code was emailed: finish at `/auth/signin/otp`", body = OtpChallenge),
        SigninErrors,
    ))]
#[tracing::instrument(skip_all)]
pub async fn signin(
    State(state): State<AppState>,
    Json(body): Json<SigninRequest>,
) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::new();
    domain::check_device_id(&mut errors, body.device_id.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut tx = state.pool.begin().await?;
    let user = store::user_by_login(&mut tx, &body.login).await?;
    if let Some(until) = user
        .as_ref()
        .and_then(|u| u.locked_until)
        .filter(|until| *until > Utc::now())
    {
        let seconds = (until - Utc::now()).num_seconds().max(1);
        tracing::info!("sign-in refused: account locked");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "account_locked",
            format!("too many failed sign-ins; try again in {seconds} seconds"),
        ));
    }
    let valid = state
        .passwords
        .verify(
            body.password,
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await
        .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|_| valid) else {
        // Count the failure on a real account; an unknown login leaves no trace to compare.
        {
            let login = body.login.trim().to_lowercase();
            let lock = Utc::now() + state.settings.lockout_for;
            sqlx::query(
                // MySQL assigns left to right: the lock reads the count before the increment.
                "UPDATE users SET locked_until = IF(failed_signins + 1 >= ?, ?, locked_until), \
                 failed_signins = failed_signins + 1 WHERE username_lower = ? OR email = ?",
            )
            .bind(state.settings.lockout_after)
            .bind(lock)
            .bind(&login)
            .bind(&login)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        metrics::counter!("auth_signins_total", "outcome" => "failed").increment(1);
        return Err(bad_credentials());
    };
    sqlx::query("UPDATE users SET failed_signins = 0, locked_until = NULL WHERE id = ?")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;

    let device = body.device_id.as_deref().unwrap_or_default();
    if device.is_empty() || !store::is_trusted(&mut tx, &user.id, device).await? {
        let challenge_id = uuid::Uuid::now_v7().to_string();
        let code = random_code().map_err(ApiError::internal)?;
        sqlx::query("INSERT INTO otp_challenges (id, user_id, device_id, code_hash, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&challenge_id)
            .bind(&user.id)
            .bind(device)
            .bind(digest(&format!("{challenge_id}:{code}")))
            .bind(Utc::now() + Duration::minutes(i64::from(OTP_TTL_MINUTES)))
            .execute(&mut *tx)
            .await?;
        let vars = SignInCode {
            username: user.username.clone(),
            code: code.clone(),
            expires_in_minutes: OTP_TTL_MINUTES,
        };
        request_email(&mut tx, &user.email, &vars).await?;
        tx.commit().await?;
        state.relay.wake();
        metrics::counter!("auth_signins_total", "outcome" => "otp_required").increment(1);
        return Ok((
            StatusCode::ACCEPTED,
            Json(OtpChallenge {
                otp_required: true,
                challenge_id,
            }),
        )
            .into_response());
    }
    let session = issue_session(&mut tx, &state.settings, &user, None).await?;
    tx.commit().await?;
    metrics::counter!("auth_signins_total", "outcome" => "signed_in").increment(1);
    Ok(Json(session).into_response())
}

/// The emailed code of a sign-in challenge.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpRequest {
    /// The challenge of the sign-in's answer.
    #[schema(value_type = Id)]
    challenge_id: String,
    /// The six-digit code from the email.
    code: String,
}

error_responses!(
    /// A code refused.
    OtpErrors { 401 => ["invalid_code"], 429 => ["challenge_exhausted"] }
);

/// Finishes a sign-in from a new device with the emailed code, and trusts the device.
#[utoipa::path(post, path = "/v1/auth/signin/otp", tag = "auth", request_body = OtpRequest,
    responses((status = 200, description = "Signed in", body = Session), OtpErrors))]
#[tracing::instrument(skip_all)]
pub async fn signin_otp(
    State(state): State<AppState>,
    Json(body): Json<OtpRequest>,
) -> Result<Json<Session>, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_code",
            "the code is wrong or has expired",
        )
    };
    let mut tx = state.pool.begin().await?;
    let row = sqlx::query(
        "SELECT user_id, device_id, code_hash, attempts, expires_at, used_at FROM otp_challenges WHERE id = ? FOR UPDATE",
    )
    .bind(&body.challenge_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(invalid)?;
    let attempts: i32 = row.try_get("attempts")?;
    let expires_at: chrono::DateTime<Utc> = row.try_get("expires_at")?;
    let used_at: Option<chrono::DateTime<Utc>> = row.try_get("used_at")?;
    if used_at.is_some() || expires_at <= Utc::now() {
        return Err(invalid());
    }
    if attempts >= OTP_ATTEMPTS {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "challenge_exhausted",
            "too many wrong codes; sign in again for a new one",
        ));
    }
    let expected: String = row.try_get("code_hash")?;
    if digest(&format!("{}:{}", body.challenge_id, body.code.trim())) != expected {
        sqlx::query("UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = ?")
            .bind(&body.challenge_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(invalid());
    }
    sqlx::query("UPDATE otp_challenges SET used_at = CURRENT_TIMESTAMP(6) WHERE id = ?")
        .bind(&body.challenge_id)
        .execute(&mut *tx)
        .await?;
    let user_id: String = row.try_get("user_id")?;
    let device: String = row.try_get("device_id")?;
    if !device.is_empty() {
        store::trust_device(&mut tx, &user_id, &device).await?;
    }
    let user = store::user_by_id(&mut tx, &user_id)
        .await?
        .ok_or_else(invalid)?;
    let session = issue_session(&mut tx, &state.settings, &user, None).await?;
    tx.commit().await?;
    Ok(Json(session))
}
