//! `POST /v1/uploads/attachment`: a presigned upload of a file to send in a conversation.

use axum::extract::State;
use axum::http::StatusCode;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::storage::{Purpose, Upload, UploadRequest};
use mercato_common::token::CurrentUser;

use super::{AppState, require_verified};

error_responses!(
    /// What an attachment upload can refuse.
    UploadErrors { 403 => ["email_not_verified"] }
);

/// A presigned upload for a file to send (images, PDF, ZIP, text, audio, video, office
/// documents; up to 50 MB). Only the two participants of the conversation it is sent in can
/// read it, through links chat gives them.
#[utoipa::path(post, path = "/v1/uploads/attachment", tag = "chat", security(("session" = [])),
    request_body = UploadRequest,
    responses((status = 201, description = "PUT the file to `upload_url` with `headers`, then send `key` as a message's attachment", body = Upload), UploadErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn attachment(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<UploadRequest>,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    require_verified(&caller)?;
    state
        .storage
        .upload_answer(Purpose::Attachment, caller.user_id, &body)
        .await
}
