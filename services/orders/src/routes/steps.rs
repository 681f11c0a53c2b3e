//! The lifecycle's routes: each takes one step of [`crate::lifecycle`] for the caller and
//! answers the order as it is after it.

use axum::extract::{Path, State};
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::openapi::Id;
use mercato_common::storage::{Purpose, safe_file_name};
use mercato_common::token::{Caller, CurrentUser};
use uuid::Uuid;

use super::{AppState, read};
use crate::lifecycle::cancel::{self, CancelRequest};
use crate::lifecycle::deliver::{self, DeliveryRequest};
use crate::lifecycle::request_extension::{self, ExtensionRequest};
use crate::lifecycle::request_revision::{self, RevisionRequest};
use crate::lifecycle::{complete, resolve_extension};
use crate::store::DeliveredFile;
use crate::views::OrderView;

error_responses!(
    /// What a step can refuse: someone else's order, the other party's step, the wrong status.
    StepErrors {
        403 => ["wrong_party"],
        404 => ["not_found"],
        409 => ["invalid_transition"]
    }
);

error_responses!(
    /// What an extension request can refuse.
    ExtensionErrors {
        403 => ["wrong_party"],
        404 => ["not_found"],
        409 => ["invalid_transition", "extension_pending"]
    }
);

error_responses!(
    /// What answering an extension request can refuse.
    ResolveErrors {
        403 => ["wrong_party"],
        404 => ["not_found"],
        409 => ["invalid_transition", "extension_resolved"]
    }
);

error_responses!(
    /// What a revision request can refuse.
    RevisionErrors {
        403 => ["wrong_party"],
        404 => ["not_found"],
        409 => ["invalid_transition", "revisions_exhausted"]
    }
);

/// Cancels the caller's order in progress (either party), refunding the buyer: everything
/// before any delivery, the price alone after one.
#[utoipa::path(post, path = "/v1/orders/{id}/cancel", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id")),
    request_body = CancelRequest,
    responses((status = 200, description = "The cancelled order", body = OrderView), StepErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<CancelRequest>,
) -> Result<Json<OrderView>, ApiError> {
    body.check()?;
    let ((), order_id) = take_step!(state, caller, id, |step| cancel::run(&mut step, &body));
    read::current(&state, order_id, caller.user_id).await
}

/// Asks the buyer for more days (seller).
#[utoipa::path(post, path = "/v1/orders/{id}/extensions", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id")),
    request_body = ExtensionRequest,
    responses((status = 201, description = "The order with the request", body = OrderView), ExtensionErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn request_extension(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<ExtensionRequest>,
) -> Result<(axum::http::StatusCode, Json<OrderView>), ApiError> {
    body.check()?;
    let (_, order_id) = take_step!(state, caller, id, |step| request_extension::run(
        &mut step, &body
    ));
    Ok((
        axum::http::StatusCode::CREATED,
        read::current(&state, order_id, caller.user_id).await?,
    ))
}

async fn resolve(
    state: &AppState,
    caller: &Caller,
    id: String,
    extension: &str,
    approve: bool,
) -> Result<Json<OrderView>, ApiError> {
    let extension_id = Uuid::parse_str(extension)
        .map_err(|_| ApiError::not_found("no such extension request on this order"))?;
    let ((), order_id) = take_step!(state, caller, id, |step| resolve_extension::run(
        &mut step,
        extension_id,
        approve
    ));
    read::current(state, order_id, caller.user_id).await
}

/// Approves the seller's extension request: the due date moves by its days (buyer).
#[utoipa::path(post, path = "/v1/orders/{id}/extensions/{eid}/approve", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id"), ("eid" = Id, Path, description = "The request's id")),
    responses((status = 200, description = "The order with its new due date", body = OrderView), ResolveErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn approve_extension(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path((id, eid)): Path<(String, String)>,
) -> Result<Json<OrderView>, ApiError> {
    resolve(&state, &caller, id, &eid, true).await
}

/// Rejects the seller's extension request: the due date stays (buyer).
#[utoipa::path(post, path = "/v1/orders/{id}/extensions/{eid}/reject", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id"), ("eid" = Id, Path, description = "The request's id")),
    responses((status = 200, description = "The order", body = OrderView), ResolveErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn reject_extension(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path((id, eid)): Path<(String, String)>,
) -> Result<Json<OrderView>, ApiError> {
    resolve(&state, &caller, id, &eid, false).await
}

/// The caller's uploaded files, checked against the storage, described as it has them.
async fn delivered_files(
    state: &AppState,
    caller: &Caller,
    body: &DeliveryRequest,
) -> Result<Vec<DeliveredFile>, ApiError> {
    let mut files = Vec::with_capacity(body.attachments.len());
    for (i, file) in body.attachments.iter().enumerate() {
        let stored = state
            .storage
            .verify(Purpose::Delivery, caller.user_id, &file.key)
            .await
            .map_err(ApiError::internal)?
            .map_err(|problem| {
                let mut fields = mercato_common::error::FieldErrors::new();
                fields.insert(format!("attachments[{i}].key"), vec![problem.to_string()]);
                ApiError::validation(fields)
            })?;
        files.push(DeliveredFile {
            key: file.key.clone(),
            name: safe_file_name(&file.name),
            content_type: stored.content_type,
            size: stored.size,
        });
    }
    Ok(files)
}

/// Delivers the work: a message and up to 10 files uploaded through `POST /uploads/delivery`
/// (seller).
#[utoipa::path(post, path = "/v1/orders/{id}/deliveries", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id")),
    request_body = DeliveryRequest,
    responses((status = 201, description = "The delivered order", body = OrderView), StepErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn deliver(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<DeliveryRequest>,
) -> Result<(axum::http::StatusCode, Json<OrderView>), ApiError> {
    body.check()?;
    // Checked before the order is locked: the storage may be slow.
    let files = delivered_files(&state, &caller, &body).await?;
    let (_, order_id) = take_step!(state, caller, id, |step| deliver::run(
        &mut step,
        &body.message,
        files
    ));
    Ok((
        axum::http::StatusCode::CREATED,
        read::current(&state, order_id, caller.user_id).await?,
    ))
}

/// Sends the delivery back for a revision (buyer; the policy's number per order).
#[utoipa::path(post, path = "/v1/orders/{id}/revision", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id")),
    request_body = RevisionRequest,
    responses((status = 200, description = "The order, in progress again", body = OrderView), RevisionErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn request_revision(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<RevisionRequest>,
) -> Result<Json<OrderView>, ApiError> {
    body.check()?;
    let ((), order_id) = take_step!(state, caller, id, |step| request_revision::run(
        &mut step, &body
    ));
    read::current(&state, order_id, caller.user_id).await
}

/// Accepts the delivery: the order completes and the seller earns the price (buyer).
#[utoipa::path(post, path = "/v1/orders/{id}/complete", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id")),
    responses((status = 200, description = "The completed order", body = OrderView), StepErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn complete(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let ((), order_id) = take_step!(state, caller, id, |step| complete::run(&mut step));
    read::current(&state, order_id, caller.user_id).await
}
