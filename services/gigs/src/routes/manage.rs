//! Sellers managing their gigs: create, edit, pause, activate, delete. Only a verified seller
//! creates; only the owner changes a gig, and to anyone else it does not exist (404).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::openapi::Id;
use mercato_common::storage::{Purpose, Upload, UploadRequest};
use mercato_common::token::{Caller, CurrentUser};
use sqlx::PgConnection;

use super::{AppState, gig_id, no_such_gig};
use crate::domain::{Cover, CreateGigRequest, UpdateGigRequest};
use crate::store::{self, GigRow};
use crate::views::GigView;

error_responses!(
    /// Who may not create gigs.
    CreateErrors { 403 => ["email_not_verified", "not_a_seller"] }
);

/// Refuses a caller who is not a verified seller gigs knows.
async fn must_be_seller(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    if !caller.email_verified {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "email_not_verified",
            "verify your email address before listing gigs",
        ));
    }
    if store::seller_of(&state.pool, caller.user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_a_seller",
            "become a seller (POST /api/v1/sellers) before listing gigs",
        ));
    }
    Ok(())
}

/// The caller's uploaded cover `key`, checked, with its public URL.
async fn cover(
    state: &AppState,
    caller: &Caller,
    key: Option<String>,
) -> Result<Option<Cover>, ApiError> {
    let Some(key) = key else {
        return Ok(None);
    };
    let url = state
        .storage
        .attach_public(Purpose::GigCover, caller.user_id, &key, "cover_image_key")
        .await?;
    Ok(Some(Cover { key, url }))
}

/// A presigned upload for a cover of the caller's gigs (JPEG, PNG or WebP, up to 5 MB); only
/// verified sellers.
#[utoipa::path(post, path = "/v1/uploads/gig-cover", tag = "gigs", security(("session" = [])),
    request_body = UploadRequest,
    responses((status = 201, description = "PUT the file to `upload_url` with `headers`, then attach `key`", body = Upload), CreateErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn upload_cover(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<UploadRequest>,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    must_be_seller(&state, &caller).await?;
    state
        .storage
        .upload_answer(Purpose::GigCover, caller.user_id, &body)
        .await
}

/// Lists a new gig for the caller, who must be a verified seller.
#[utoipa::path(post, path = "/v1/gigs", tag = "gigs", security(("session" = [])),
    request_body = CreateGigRequest,
    responses((status = 201, description = "The new gig", body = GigView), CreateErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<CreateGigRequest>,
) -> Result<(StatusCode, Json<GigView>), ApiError> {
    must_be_seller(&state, &caller).await?;
    let key = body.cover_image_key.clone();
    let mut fields = body.check().map_err(ApiError::validation)?;
    fields.cover = cover(&state, &caller, key).await?;
    let mut tx = state.pool.begin().await?;
    let row = store::insert(
        &mut tx,
        uuid::Uuid::now_v7(),
        caller.user_id,
        &fields,
        chrono::Utc::now(),
    )
    .await?;
    tx.commit().await?;
    state.relay.wake();
    tracing::info!(gig_id = %row.id, "gig created");
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// The caller's own live gig `id`, locked for the change; anyone else's is "not found".
async fn own_gig(conn: &mut PgConnection, id: &str, caller: &Caller) -> Result<GigRow, ApiError> {
    store::gig(conn, gig_id(id)?, true)
        .await?
        .filter(|row| row.seller_user_id == caller.user_id)
        .ok_or_else(no_such_gig)
}

error_responses!(
    /// Not the caller's gig, or none at all.
    OwnErrors { 404 => ["not_found"] }
);

/// Edits the caller's gig.
#[utoipa::path(patch, path = "/v1/gigs/{id}", tag = "gigs", security(("session" = [])),
    params(("id" = Id, Path, description = "The gig's id")),
    request_body = UpdateGigRequest,
    responses((status = 200, description = "The edited gig", body = GigView), OwnErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, gig_id = %id))]
pub async fn edit(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<UpdateGigRequest>,
) -> Result<Json<GigView>, ApiError> {
    // Checked before the row is locked: storage may be slow, and edits of the gig wait.
    let new_cover = cover(&state, &caller, body.cover_image_key.clone()).await?;
    let mut tx = state.pool.begin().await?;
    let current = own_gig(&mut tx, &id, &caller).await?;
    let mut fields = body.apply(current.fields()).map_err(ApiError::validation)?;
    if new_cover.is_some() {
        fields.cover = new_cover;
    }
    let row = store::update(&mut tx, current.id, &fields).await?;
    tx.commit().await?;
    state.relay.wake();
    Ok(Json(row.into()))
}

async fn set_active(
    state: &AppState,
    caller: &Caller,
    id: &str,
    active: bool,
) -> Result<Json<GigView>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let current = own_gig(&mut tx, id, caller).await?;
    if current.active == active {
        // Already so: nothing changes, and nothing is announced.
        tx.commit().await?;
        return Ok(Json(current.into()));
    }
    let row = store::set_active(&mut tx, current.id, active).await?;
    tx.commit().await?;
    state.relay.wake();
    Ok(Json(row.into()))
}

/// Pauses the caller's gig: buyers no longer find or order it.
#[utoipa::path(post, path = "/v1/gigs/{id}/pause", tag = "gigs", security(("session" = [])),
    params(("id" = Id, Path, description = "The gig's id")),
    responses((status = 200, description = "The paused gig", body = GigView), OwnErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, gig_id = %id))]
pub async fn pause(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<GigView>, ApiError> {
    set_active(&state, &caller, &id, false).await
}

/// Activates the caller's paused gig.
#[utoipa::path(post, path = "/v1/gigs/{id}/activate", tag = "gigs", security(("session" = [])),
    params(("id" = Id, Path, description = "The gig's id")),
    responses((status = 200, description = "The active gig", body = GigView), OwnErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, gig_id = %id))]
pub async fn activate(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<GigView>, ApiError> {
    set_active(&state, &caller, &id, true).await
}

/// Deletes the caller's gig: gone from every read and search (orders in flight keep their
/// own copy).
#[utoipa::path(delete, path = "/v1/gigs/{id}", tag = "gigs", security(("session" = [])),
    params(("id" = Id, Path, description = "The gig's id")),
    responses((status = 204, description = "Deleted"), OwnErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, gig_id = %id))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let current = own_gig(&mut tx, &id, &caller).await?;
    store::delete(&mut tx, &current).await?;
    tx.commit().await?;
    state.relay.wake();
    tracing::info!("gig deleted");
    Ok(StatusCode::NO_CONTENT)
}
