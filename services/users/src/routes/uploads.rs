//! `POST /v1/uploads/profile-picture`: a presigned upload of the caller's picture, to attach to
//! their seller profile as `profile_picture_key`.

use axum::extract::State;
use axum::http::StatusCode;
use mercato_common::error::ApiError;
use mercato_common::extract::Json;
use mercato_common::storage::{Purpose, Upload, UploadRequest};
use mercato_common::token::CurrentUser;

use super::AppState;

/// A presigned upload for the caller's profile picture (JPEG, PNG or WebP, up to 5 MB).
#[utoipa::path(post, path = "/v1/uploads/profile-picture", tag = "users", security(("session" = [])),
    request_body = UploadRequest,
    responses((status = 201, description = "PUT the file to `upload_url` with `headers`, then attach `key`", body = Upload)))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn profile_picture(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<UploadRequest>,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    state
        .storage
        .upload_answer(Purpose::ProfilePicture, caller.user_id, &body)
        .await
}
