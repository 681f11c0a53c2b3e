//! The auth service's queries (MySQL). Every function takes the caller's connection, so the
//! routes decide what shares a transaction.

use chrono::{DateTime, Duration, Utc};
use mercato_common::openapi::{Id, Timestamp};
use serde::Serialize;
use sqlx::{MySqlConnection, Row};

use crate::crypto::digest;

/// An account, as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// The account's id.
    pub id: String,
    /// Username as chosen.
    pub username: String,
    /// Normalised email address.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// ISO 3166 alpha-2 country.
    pub country: String,
    /// Profile picture.
    pub profile_picture_url: Option<String>,
    /// Whether the email is verified.
    pub email_verified: bool,
    /// Failed sign-ins since the last success.
    pub failed_signins: i32,
    /// Sign-ins are refused until then.
    pub locked_until: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// An account as the API shows it to its owner.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserView {
    #[schema(value_type = Id)]
    id: String,
    username: String,
    #[schema(format = Email)]
    email: String,
    /// ISO 3166 alpha-2 country code.
    country: String,
    profile_picture_url: Option<String>,
    email_verified: bool,
    #[schema(value_type = Timestamp)]
    created_at: DateTime<Utc>,
}

impl From<&UserRow> for UserView {
    fn from(user: &UserRow) -> Self {
        Self {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            country: user.country.clone(),
            profile_picture_url: user.profile_picture_url.clone(),
            email_verified: user.email_verified,
            created_at: user.created_at,
        }
    }
}

const USER_COLUMNS: &str = "id, username, email, password_hash, country, profile_picture_url, email_verified, \
                            failed_signins, locked_until, created_at";

fn user_from(row: &sqlx::mysql::MySqlRow) -> sqlx::Result<UserRow> {
    Ok(UserRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        country: row.try_get("country")?,
        profile_picture_url: row.try_get("profile_picture_url")?,
        email_verified: row.try_get("email_verified")?,
        failed_signins: row.try_get("failed_signins")?,
        locked_until: row.try_get("locked_until")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The account with this id.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn user_by_id(conn: &mut MySqlConnection, id: &str) -> sqlx::Result<Option<UserRow>> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(user_from).transpose()
}

/// The account a sign-in names, by username (any case) or email.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn user_by_login(
    conn: &mut MySqlConnection,
    login: &str,
) -> sqlx::Result<Option<UserRow>> {
    let login = login.trim().to_lowercase();
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE username_lower = ? OR email = ?"
    ))
    .bind(&login)
    .bind(&login)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(user_from).transpose()
}

/// Records a new account.
///
/// # Errors
///
/// A database error; a duplicate username or email is a unique violation on `users_username`
/// or `users_email`.
#[tracing::instrument(skip_all, err)]
pub async fn insert_user(conn: &mut MySqlConnection, user: &UserRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, username, username_lower, email, password_hash, country, profile_picture_url, email_verified, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(user.username.to_lowercase())
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(&user.country)
    .bind(&user.profile_picture_url)
    .bind(user.email_verified)
    .bind(user.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `device_id` is trusted for the account.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn is_trusted(
    conn: &mut MySqlConnection,
    user_id: &str,
    device_id: &str,
) -> sqlx::Result<bool> {
    let found = sqlx::query("SELECT 1 FROM trusted_devices WHERE user_id = ? AND device_id = ?")
        .bind(user_id)
        .bind(device_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Trusts `device_id` for the account.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn trust_device(
    conn: &mut MySqlConnection,
    user_id: &str,
    device_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT IGNORE INTO trusted_devices (user_id, device_id) VALUES (?, ?)")
        .bind(user_id)
        .bind(device_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a single-use link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Email verification.
    VerifyEmail,
    /// Password reset.
    ResetPassword,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// Stores a new link token (hashed) and voids the account's earlier ones of that purpose.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn replace_link_token(
    conn: &mut MySqlConnection,
    user_id: &str,
    purpose: LinkPurpose,
    token: &str,
    ttl: Duration,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE link_tokens SET used_at = CURRENT_TIMESTAMP(6) WHERE user_id = ? AND purpose = ? AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO link_tokens (token_hash, user_id, purpose, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(digest(token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(Utc::now() + ttl)
    .execute(conn)
    .await?;
    Ok(())
}

/// Uses a link token once: the account it belongs to, if the token is known, unused, unexpired
/// and for `purpose`.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn use_link_token(
    conn: &mut MySqlConnection,
    token: &str,
    purpose: LinkPurpose,
) -> sqlx::Result<Option<String>> {
    let hash = digest(token);
    let row = sqlx::query(
        "SELECT user_id FROM link_tokens WHERE token_hash = ? AND purpose = ? AND used_at IS NULL \
         AND expires_at > CURRENT_TIMESTAMP(6) FOR UPDATE",
    )
    .bind(&hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    sqlx::query("UPDATE link_tokens SET used_at = CURRENT_TIMESTAMP(6) WHERE token_hash = ?")
        .bind(&hash)
        .execute(conn)
        .await?;
    Ok(Some(row.try_get("user_id")?))
}

/// Starts a refresh session family (or continues `family_id`) with a new token.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn insert_refresh(
    conn: &mut MySqlConnection,
    user_id: &str,
    family_id: &str,
    token: &str,
    ttl: Duration,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO refresh_sessions (token_hash, family_id, user_id, expires_at) VALUES (?, ?, ?, ?)")
        .bind(digest(token))
        .bind(family_id)
        .bind(user_id)
        .bind(Utc::now() + ttl)
        .execute(conn)
        .await?;
    Ok(())
}

/// A stored refresh session.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    /// Its family.
    pub family_id: String,
    /// Its account.
    pub user_id: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged for a newer token.
    pub rotated_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The session of a refresh token, locked for update.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn refresh_by_token(
    conn: &mut MySqlConnection,
    token: &str,
) -> sqlx::Result<Option<RefreshRow>> {
    let row = sqlx::query(
        "SELECT family_id, user_id, expires_at, rotated_at, revoked_at FROM refresh_sessions WHERE token_hash = ? FOR UPDATE",
    )
    .bind(digest(token))
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(RefreshRow {
            family_id: row.try_get("family_id")?,
            user_id: row.try_get("user_id")?,
            expires_at: row.try_get("expires_at")?,
            rotated_at: row.try_get("rotated_at")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    })
    .transpose()
}

/// Marks a token as exchanged.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn mark_rotated(conn: &mut MySqlConnection, token: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE refresh_sessions SET rotated_at = CURRENT_TIMESTAMP(6) WHERE token_hash = ?",
    )
    .bind(digest(token))
    .execute(conn)
    .await?;
    Ok(())
}

/// Revokes every token of a family.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn revoke_family(conn: &mut MySqlConnection, family_id: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("UPDATE refresh_sessions SET revoked_at = CURRENT_TIMESTAMP(6) WHERE family_id = ? AND revoked_at IS NULL")
        .bind(family_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Revokes every refresh session of an account.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(skip_all, err)]
pub async fn revoke_all(conn: &mut MySqlConnection, user_id: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("UPDATE refresh_sessions SET revoked_at = CURRENT_TIMESTAMP(6) WHERE user_id = ? AND revoked_at IS NULL")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
