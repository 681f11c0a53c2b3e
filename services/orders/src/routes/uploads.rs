//! `POST /v1/uploads/delivery`: a presigned upload of a file to deliver with an order.

use axum::extract::State;
use axum::http::StatusCode;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::storage::{Purpose, Upload, UploadRequest};
use mercato_common::token::CurrentUser;

use super::{AppState, require_verified};

error_responses!(
    /// What a delivery upload can refuse.
    UploadErrors { 403 => ["email_not_verified"] }
);

/// A presigned upload for a file to deliver (images, PDF, ZIP, text, audio, video, office
/// documents; up to 50 MB). Only the order's two parties can read it, through links orders
/// gives them.
#[utoipa::path(post, path = "/v1/uploads/delivery", tag = "orders", security(("session" = [])),
    request_body = UploadRequest,
    responses((status = 201, description = "PUT the file to `upload_url` with `headers`, then deliver `key`", body = Upload), UploadErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn upload_delivery(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<UploadRequest>,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    require_verified(&caller)?;
    state
        .storage
        .upload_answer(Purpose::Delivery, caller.user_id, &body)
        .await
}
