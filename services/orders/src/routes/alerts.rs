//! The caller's in-app notifications about their orders ("alerts" inside the service, to keep
//! them apart from the notifications service, which sends email): listed newest first with the
//! unread count, marked read one by one. Each is also pushed in real time when written.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::{Json, Query};
use mercato_common::openapi::{Cursor, Id};
use mercato_common::token::CurrentUser;
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use crate::views::{AlertPage, AlertView};
use mercato_common::pages::{self, DEFAULT_LIMIT};

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: Uuid,
    order_id: Uuid,
    kind: String,
    message: String,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

impl From<AlertRow> for AlertView {
    fn from(row: AlertRow) -> Self {
        Self {
            id: row.id,
            order_id: row.order_id,
            kind: row.kind,
            message: row.message,
            created_at: row.created_at,
            read_at: row.read_at,
        }
    }
}

fn default_limit() -> i64 {
    DEFAULT_LIMIT
}

/// `GET /v1/notifications`: a page of the caller's notifications.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only unread ones.
    #[serde(default)]
    unread: bool,
    /// Notifications per page, 1 to 100.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: i64,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>)]
    cursor: Option<String>,
}

error_responses!(
    /// A page refused.
    ListErrors { 400 => ["bad_request", "invalid_cursor"], 422 => ["validation_failed"] }
);

/// The caller's notifications about their orders, newest first, with the unread count.
#[utoipa::path(get, path = "/v1/notifications", tag = "orders", security(("session" = [])),
    params(AlertQuery),
    responses((status = 200, description = "A page of notifications", body = AlertPage), ListErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn notifications(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Query(query): Query<AlertQuery>,
) -> Result<Json<AlertPage>, ApiError> {
    let limit = pages::check_limit(query.limit)?;
    let after = query.cursor.as_deref().map(pages::decode).transpose()?;
    let mut rows: Vec<AlertRow> = sqlx::query_as(
        "SELECT id, order_id, kind, message, created_at, read_at FROM alerts \
         WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL) \
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4)) \
         ORDER BY created_at DESC, id DESC LIMIT $5",
    )
    .bind(caller.user_id)
    .bind(query.unread)
    .bind(after.map(|a| a.at))
    .bind(after.map(|a| a.id))
    .bind(limit + 1)
    .fetch_all(&state.pool)
    .await?;
    let next_cursor = pages::finish(&mut rows, limit, |last| (last.created_at, last.id));
    let unread_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM alerts WHERE user_id = $1 AND read_at IS NULL")
            .bind(caller.user_id)
            .fetch_one(&state.pool)
            .await?;
    Ok(Json(AlertPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
        unread_count,
    }))
}

error_responses!(
    /// Not the caller's notification, or none at all.
    ReadErrors { 404 => ["not_found"] }
);

/// Marks one of the caller's notifications read (again: no change).
#[utoipa::path(post, path = "/v1/notifications/{id}/read", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The notification's id")),
    responses((status = 200, description = "The notification", body = AlertView), ReadErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, alert_id = %id))]
pub async fn mark_read(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<AlertView>, ApiError> {
    let not_found = || ApiError::not_found("no such notification");
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let row: AlertRow = sqlx::query_as(
        "UPDATE alerts SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2 \
         RETURNING id, order_id, kind, message, created_at, read_at",
    )
    .bind(id)
    .bind(caller.user_id)
    .bind(crate::now(&state.clock))
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(not_found)?;
    Ok(Json(row.into()))
}
