//! `GET /v1/buyers/me` and `GET /v1/buyers/{username}`.

use axum::extract::{Path, State};
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::openapi::{Id, Timestamp};
use mercato_common::ratings::Ratings;
use mercato_common::token::{CurrentUser, MaybeUser};
use mongodb::bson::doc;
use serde::Serialize;

use super::AppState;
use crate::store::{BuyerDoc, counter, ratings_of};

/// A buyer as the API shows it; private fields only to the buyer themself.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Buyer)]
pub struct BuyerView {
    #[schema(value_type = Id)]
    id: String,
    username: String,
    /// ISO 3166 alpha-2 country code.
    country: Option<String>,
    profile_picture_url: Option<String>,
    is_seller: bool,
    #[schema(value_type = Option<Timestamp>)]
    registered_at: Option<String>,
    /// How the sellers they ordered from rated them.
    ratings: Ratings,
    /// Only to the buyer themself.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, format = Email)]
    email: Option<String>,
    /// Only to the buyer themself.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    email_verified: Option<bool>,
    /// The gigs the buyer has ordered; only to the buyer themself.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Id>>, nullable = false)]
    purchased_gigs: Option<Vec<String>>,
}

error_responses!(
    /// No such buyer (yet).
    BuyerErrors { 404 => ["not_found"] }
);

#[tracing::instrument(skip_all)]
async fn view(state: &AppState, buyer: BuyerDoc, private: bool) -> Result<BuyerView, ApiError> {
    let Some(username) = buyer.username else {
        // Only the verification event arrived so far: there is no profile to show yet.
        return Err(ApiError::not_found("no such buyer"));
    };
    let is_seller = state
        .store
        .sellers()
        .find_one(doc! {"user_id": &buyer.id})
        .await?
        .is_some();
    let stats = state.store.stats_of(&buyer.id).await?;
    let purchased_gigs = if private {
        let purchased = stats.get_document("purchased").cloned().unwrap_or_default();
        let mut gigs: Vec<String> = purchased
            .keys()
            .filter(|gig| counter(&purchased, gig) > 0)
            .cloned()
            .collect();
        gigs.sort();
        Some(gigs)
    } else {
        None
    };
    Ok(BuyerView {
        id: buyer.id,
        username,
        country: buyer.country,
        profile_picture_url: buyer.profile_picture_url,
        is_seller,
        registered_at: buyer.registered_at,
        ratings: ratings_of(&stats, "buyer_"),
        email: buyer.email.filter(|_| private),
        email_verified: private.then_some(buyer.email_verified),
        purchased_gigs,
    })
}

/// The caller's own buyer profile, with private fields.
#[utoipa::path(get, path = "/v1/buyers/me", tag = "users", security(("session" = [])),
    responses((status = 200, description = "The caller's buyer profile", body = BuyerView), BuyerErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
) -> Result<Json<BuyerView>, ApiError> {
    let buyer = state
        .store
        .buyers()
        .find_one(doc! {"_id": caller.user_id.to_string()})
        .await?
        .ok_or_else(|| ApiError::not_found("no buyer profile yet"))?;
    Ok(Json(view(&state, buyer, true).await?))
}

/// A buyer's public profile (private fields too when it is the caller's own).
#[utoipa::path(get, path = "/v1/buyers/{username}", tag = "users", operation_id = "buyer_by_username", security((), ("session" = [])),
    params(("username" = String, Path, description = "The buyer's username, in any case")),
    responses((status = 200, description = "The profile", body = BuyerView), BuyerErrors))]
#[tracing::instrument(skip_all, fields(username = %username))]
pub async fn by_username(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(username): Path<String>,
) -> Result<Json<BuyerView>, ApiError> {
    let buyer = state
        .store
        .buyers()
        .find_one(doc! {"username_lower": username.to_lowercase()})
        .await?
        .ok_or_else(|| ApiError::not_found("no such buyer"))?;
    let own = caller.is_some_and(|c| c.user_id.to_string() == buyer.id);
    Ok(Json(view(&state, buyer, own).await?))
}
