//! The lists anyone may read: a gig's reviews (by its buyers), a seller's (by buyers) and a
//! buyer's (by sellers), newest first, page by page, each with the aggregate of the whole list
//! and the reviewer's public name and picture from reviews' own records.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::events::catalog::ReviewDirection;
use mercato_common::extract::{Json, Query};
use mercato_common::openapi::{Cursor, Id};
use mercato_common::pages::{self, DEFAULT_LIMIT};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use crate::views::{Aggregate, ReviewPage, ReviewView, Reviewer};

fn default_limit() -> i64 {
    DEFAULT_LIMIT
}

/// A page of a list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Reviews per page, 1 to 100.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: i64,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>)]
    cursor: Option<String>,
}

error_responses!(
    /// A page refused, or an id that names nothing.
    ListErrors {
        400 => ["bad_request", "invalid_cursor"],
        404 => ["not_found"],
        422 => ["validation_failed"]
    }
);

/// Which reviews a list holds.
#[derive(Debug, Clone, Copy)]
enum Of {
    /// Buyers' reviews of a gig.
    Gig(Uuid),
    /// Reviews a person received in `direction`.
    Reviewee(Uuid, ReviewDirection),
}

impl Of {
    /// The condition on `reviews`, with the list's id as `$1`.
    fn condition(self) -> (&'static str, Uuid) {
        match self {
            Self::Gig(id) => ("r.gig_id = $1 AND r.direction = 'buyer_to_seller'", id),
            Self::Reviewee(id, ReviewDirection::BuyerToSeller) => (
                "r.reviewee_user_id = $1 AND r.direction = 'buyer_to_seller'",
                id,
            ),
            Self::Reviewee(id, ReviewDirection::SellerToBuyer) => (
                "r.reviewee_user_id = $1 AND r.direction = 'seller_to_buyer'",
                id,
            ),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    order_id: Uuid,
    gig_id: Uuid,
    direction: String,
    reviewer_user_id: Uuid,
    reviewee_user_id: Uuid,
    rating: i16,
    text: String,
    created_at: DateTime<Utc>,
    username: Option<String>,
    picture_url: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Totals {
    count: i64,
    average: f64,
    s1: i64,
    s2: i64,
    s3: i64,
    s4: i64,
    s5: i64,
}

async fn page(state: &AppState, of: Of, query: &PageQuery) -> Result<Json<ReviewPage>, ApiError> {
    let limit = pages::check_limit(query.limit)?;
    let after = query.cursor.as_deref().map(pages::decode).transpose()?;
    let (condition, id) = of.condition();
    let mut rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT r.id, r.order_id, r.gig_id, r.direction, r.reviewer_user_id, r.reviewee_user_id, \
         r.rating, r.text, r.created_at, p.username, \
         COALESCE(s.picture_url, p.picture_url) AS picture_url \
         FROM reviews r LEFT JOIN people p ON p.user_id = r.reviewer_user_id \
         LEFT JOIN sellers s ON s.user_id = r.reviewer_user_id \
         WHERE {condition} AND ($2::timestamptz IS NULL OR (r.created_at, r.id) < ($2, $3)) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $4"
    ))
    .bind(id)
    .bind(after.map(|a| a.at))
    .bind(after.map(|a| a.id))
    .bind(limit + 1)
    .fetch_all(&state.pool)
    .await?;
    let next_cursor = pages::finish(&mut rows, limit, |last| (last.created_at, last.id));
    let totals: Totals = sqlx::query_as(&format!(
        "SELECT count(*) AS count, COALESCE(avg(r.rating), 0)::float8 AS average, \
         count(*) FILTER (WHERE r.rating = 1) AS s1, count(*) FILTER (WHERE r.rating = 2) AS s2, \
         count(*) FILTER (WHERE r.rating = 3) AS s3, count(*) FILTER (WHERE r.rating = 4) AS s4, \
         count(*) FILTER (WHERE r.rating = 5) AS s5 FROM reviews r WHERE {condition}"
    ))
    .bind(id)
    .fetch_one(&state.pool)
    .await?;
    let items = rows
        .into_iter()
        .map(|row| ReviewView {
            id: row.id,
            order_id: row.order_id,
            gig_id: row.gig_id,
            direction: if row.direction == "buyer_to_seller" {
                ReviewDirection::BuyerToSeller
            } else {
                ReviewDirection::SellerToBuyer
            },
            reviewer: Reviewer {
                user_id: row.reviewer_user_id,
                username: row.username,
                picture_url: row.picture_url,
            },
            reviewee_user_id: row.reviewee_user_id,
            rating: row.rating,
            text: row.text,
            created_at: row.created_at,
        })
        .collect();
    Ok(Json(ReviewPage {
        items,
        next_cursor,
        aggregate: Aggregate {
            count: totals.count,
            // Two decimals are all a page shows.
            average: (totals.average * 100.0).round() / 100.0,
            per_star: [totals.s1, totals.s2, totals.s3, totals.s4, totals.s5],
        },
    }))
}

/// An id in a path; anything that is not one names nothing.
fn id_of(id: &str, what: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found(what))
}

/// A gig's reviews by its buyers, newest first, with their aggregate.
#[utoipa::path(get, path = "/v1/gigs/{id}/reviews", tag = "reviews",
    params(("id" = Id, Path, description = "The gig's id"), PageQuery),
    responses((status = 200, description = "A page of reviews", body = ReviewPage), ListErrors))]
#[tracing::instrument(skip_all, fields(gig_id = %id))]
pub async fn of_gig(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Json<ReviewPage>, ApiError> {
    page(&state, Of::Gig(id_of(&id, "no such gig")?), &query).await
}

/// The reviews buyers gave a seller (by the seller profile's id), newest first, with their
/// aggregate.
#[utoipa::path(get, path = "/v1/sellers/{id}/reviews", tag = "reviews",
    params(("id" = Id, Path, description = "The seller profile's id"), PageQuery),
    responses((status = 200, description = "A page of reviews", body = ReviewPage), ListErrors))]
#[tracing::instrument(skip_all, fields(seller_id = %id))]
pub async fn of_seller(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Json<ReviewPage>, ApiError> {
    let seller_id = id_of(&id, "no such seller")?;
    let user: Uuid = sqlx::query_scalar("SELECT user_id FROM sellers WHERE seller_id = $1")
        .bind(seller_id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("no such seller"))?;
    page(
        &state,
        Of::Reviewee(user, ReviewDirection::BuyerToSeller),
        &query,
    )
    .await
}

/// The reviews sellers gave a buyer (by account id), newest first, with their aggregate.
#[utoipa::path(get, path = "/v1/buyers/{id}/reviews", tag = "reviews",
    params(("id" = Id, Path, description = "The buyer's account id"), PageQuery),
    responses((status = 200, description = "A page of reviews", body = ReviewPage), ListErrors))]
#[tracing::instrument(skip_all, fields(buyer_id = %id))]
pub async fn of_buyer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Json<ReviewPage>, ApiError> {
    page(
        &state,
        Of::Reviewee(id_of(&id, "no such buyer")?, ReviewDirection::SellerToBuyer),
        &query,
    )
    .await
}
