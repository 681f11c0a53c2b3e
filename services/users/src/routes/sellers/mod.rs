//! Seller profiles: become a seller, edit one's own profile, read any profile.

mod requests;
mod view;

use axum::extract::{FromRequest, Path, State};
use axum::http::StatusCode;
use futures_util::TryStreamExt;
use mercato_common::error::{ApiError, OrConflict};
use mercato_common::error_responses;
use mercato_common::events::catalog::{SellerCreated, SellerUpdated};
use mercato_common::events::mongo::publish;
use mercato_common::extract::Json;
use mercato_common::extract::Query;
use mercato_common::openapi::Id;
use mercato_common::storage::Purpose;
use mercato_common::token::{Caller, CurrentUser, MaybeUser};
use mongodb::bson::doc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppState;
use crate::NAME;
use crate::store::SellerDoc;
pub use requests::{CreateSellerRequest, UpdateSellerRequest};
pub use view::SellerView;
use view::view;

error_responses!(
    /// What becoming a seller can refuse.
    CreateErrors { 403 => ["email_not_verified"], 409 => ["already_a_seller"] }
);

/// `POST /v1/sellers`: turns the verified caller into a seller.
#[utoipa::path(post, path = "/v1/sellers", tag = "users", security(("session" = [])),
    request_body = CreateSellerRequest,
    responses((status = 201, description = "The caller's new seller profile", body = SellerView), CreateErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    request: axum::extract::Request,
) -> Result<(StatusCode, Json<SellerView>), ApiError> {
    if !caller.email_verified {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "email_not_verified",
            "verify your email address before becoming a seller",
        ));
    }
    let Json(body) =
        <Json<CreateSellerRequest> as FromRequest<()>>::from_request(request, &()).await?;
    body.check()?;
    let uploaded = picture(&state, &caller, body.profile_picture_key.as_deref()).await?;
    let user_id = caller.user_id.to_string();
    if state
        .store
        .sellers()
        .find_one(doc! {"user_id": &user_id})
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "already_a_seller",
            "you already have a seller profile",
        ));
    }
    let buyer = state
        .store
        .buyers()
        .find_one(doc! {"_id": &user_id})
        .await?;
    let now = chrono::Utc::now().to_rfc3339();
    let seller = SellerDoc {
        id: Uuid::now_v7().to_string(),
        user_id: user_id.clone(),
        username: caller.username.clone(),
        username_lower: caller.username.to_lowercase(),
        full_name: body.full_name.trim().to_owned(),
        one_liner: body.one_liner.trim().to_owned(),
        description: body.description.trim().to_owned(),
        languages: body.languages,
        skills: body.skills.iter().map(|s| s.trim().to_owned()).collect(),
        experience: body.experience,
        education: body.education,
        certificates: body.certificates,
        social_links: body.social_links,
        response_time_hours: body.response_time_hours,
        country: buyer.as_ref().and_then(|b| b.country.clone()),
        profile_picture_url: uploaded
            .as_ref()
            .map(|(_, url)| url.clone())
            .or_else(|| buyer.as_ref().and_then(|b| b.profile_picture_url.clone())),
        profile_picture_key: uploaded.map(|(key, _)| key),
        created_at: now.clone(),
        updated_at: now,
    };
    let event = SellerCreated {
        seller_id: parse_id(&seller.id)?,
        user_id: caller.user_id,
        username: seller.username.clone(),
        full_name: seller.full_name.clone(),
        profile_picture_url: seller.profile_picture_url.clone(),
        country: seller.country.clone(),
    };
    // A session dropped on an early return aborts its transaction.
    let mut session = state.store.begin().await?;
    state
        .store
        .sellers()
        .insert_one(&seller)
        .session(&mut session)
        .await
        .or_conflict(|_| {
            ApiError::conflict("already_a_seller", "you already have a seller profile")
        })?;
    publish(&state.store.db, &mut session, NAME, &event).await?;
    session.commit_transaction().await?;
    state.relay.wake();
    Ok((
        StatusCode::CREATED,
        Json(view(&state, seller, Some(&caller)).await?),
    ))
}

error_responses!(
    /// What an edit can refuse.
    UpdateErrors { 400 => ["bad_request"], 404 => ["not_found"] }
);

/// `PATCH /v1/sellers/me`: edits the caller's own profile, and only that.
#[utoipa::path(patch, path = "/v1/sellers/me", tag = "users", security(("session" = [])),
    request_body = UpdateSellerRequest,
    responses((status = 200, description = "The edited profile", body = SellerView), UpdateErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn update_mine(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    request: axum::extract::Request,
) -> Result<Json<SellerView>, ApiError> {
    let Json(body) =
        <Json<UpdateSellerRequest> as FromRequest<()>>::from_request(request, &()).await?;
    body.check()?;
    let mut set = body.to_set()?;
    if let Some((key, url)) = picture(&state, &caller, body.profile_picture_key.as_deref()).await? {
        set.insert("profile_picture_key", key);
        set.insert("profile_picture_url", url);
    }
    if set.is_empty() {
        return Err(ApiError::bad_request("send at least one field to change"));
    }
    set.insert("updated_at", chrono::Utc::now().to_rfc3339());
    let user_id = caller.user_id.to_string();

    let mut session = state.store.begin().await?;
    let updated = state
        .store
        .sellers()
        .find_one_and_update(doc! {"user_id": &user_id}, doc! {"$set": set})
        .return_document(mongodb::options::ReturnDocument::After)
        .session(&mut session)
        .await?;
    let Some(seller) = updated else {
        return Err(ApiError::not_found("you have no seller profile"));
    };
    let event = SellerUpdated {
        seller_id: parse_id(&seller.id)?,
        user_id: caller.user_id,
        username: seller.username.clone(),
        full_name: seller.full_name.clone(),
        profile_picture_url: seller.profile_picture_url.clone(),
        country: seller.country.clone(),
    };
    publish(&state.store.db, &mut session, NAME, &event).await?;
    session.commit_transaction().await?;
    state.relay.wake();
    Ok(Json(view(&state, seller, Some(&caller)).await?))
}

/// The caller's uploaded picture `key`, checked, with its public URL.
async fn picture(
    state: &AppState,
    caller: &Caller,
    key: Option<&str>,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(key) = key else {
        return Ok(None);
    };
    let url = state
        .storage
        .attach_public(
            Purpose::ProfilePicture,
            caller.user_id,
            key,
            "profile_picture_key",
        )
        .await?;
    Ok(Some((key.to_owned(), url)))
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(ApiError::internal)
}

error_responses!(
    /// No such seller.
    ReadErrors { 404 => ["not_found"] }
);

/// `GET /v1/sellers/{id}`.
#[utoipa::path(get, path = "/v1/sellers/{id}", tag = "users", security((), ("session" = [])),
    params(("id" = Id, Path, description = "The seller's id")),
    responses((status = 200, description = "The profile; earnings only to its owner", body = SellerView), ReadErrors))]
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn by_id(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
) -> Result<Json<SellerView>, ApiError> {
    if Uuid::parse_str(&id).is_err() {
        return Err(ApiError::not_found("no such seller"));
    }
    let seller = state.store.sellers().find_one(doc! {"_id": &id}).await?;
    let seller = seller.ok_or_else(|| ApiError::not_found("no such seller"))?;
    Ok(Json(view(&state, seller, caller.as_ref()).await?))
}

/// `GET /v1/sellers/by-username/{username}`.
#[utoipa::path(get, path = "/v1/sellers/by-username/{username}", tag = "users", operation_id = "seller_by_username", security((), ("session" = [])),
    params(("username" = String, Path, description = "The seller's username, in any case")),
    responses((status = 200, description = "The profile; earnings only to its owner", body = SellerView), ReadErrors))]
#[tracing::instrument(skip_all, fields(username = %username))]
pub async fn by_username(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(username): Path<String>,
) -> Result<Json<SellerView>, ApiError> {
    let seller = state
        .store
        .sellers()
        .find_one(doc! {"username_lower": username.to_lowercase()})
        .await?;
    let seller = seller.ok_or_else(|| ApiError::not_found("no such seller"))?;
    Ok(Json(view(&state, seller, caller.as_ref()).await?))
}

/// Query of `GET /v1/sellers/random`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RandomQuery {
    /// How many sellers, 1 to 100.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 10)]
    limit: i64,
}

fn default_limit() -> i64 {
    10
}

/// Featured sellers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Sellers {
    items: Vec<SellerView>,
}

error_responses!(
    /// A query refused.
    RandomErrors { 400 => ["bad_request"], 422 => ["validation_failed"] }
);

/// `GET /v1/sellers/random?limit=`: featured sellers, at most 100.
#[utoipa::path(get, path = "/v1/sellers/random", tag = "users", security((), ("session" = [])),
    params(RandomQuery),
    responses((status = 200, description = "Sellers picked at random", body = Sellers), RandomErrors))]
#[tracing::instrument(skip_all)]
pub async fn random(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Query(query): Query<RandomQuery>,
) -> Result<Json<Sellers>, ApiError> {
    if !(1..=100).contains(&query.limit) {
        let mut fields = mercato_common::error::FieldErrors::new();
        fields.insert("limit".into(), vec!["must be 1 to 100".into()]);
        return Err(ApiError::validation(fields));
    }
    let sellers: Vec<SellerDoc> = state
        .store
        .sellers()
        .aggregate([doc! {"$sample": {"size": query.limit}}])
        .with_type::<SellerDoc>()
        .await?
        .try_collect()
        .await?;
    let mut items = Vec::with_capacity(sellers.len());
    for seller in sellers {
        items.push(view(&state, seller, caller.as_ref()).await?);
    }
    Ok(Json(Sellers { items }))
}
