//! What answers show: a review with its reviewer's public face, and pages of reviews with the
//! aggregate of their ratings.

use chrono::{DateTime, Utc};
use mercato_common::events::catalog::ReviewDirection;
use mercato_common::openapi::{Cursor, Id, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// Who wrote a review, as anyone may see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reviewer {
    #[schema(value_type = Id)]
    pub user_id: Uuid,
    /// Their username, when reviews knows it.
    pub username: Option<String>,
    /// Their picture, if they have one.
    pub picture_url: Option<String>,
}

/// A review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    #[schema(value_type = Id)]
    pub id: Uuid,
    #[schema(value_type = Id)]
    pub order_id: Uuid,
    #[schema(value_type = Id)]
    pub gig_id: Uuid,
    /// `buyer_to_seller` or `seller_to_buyer`.
    #[schema(value_type = String)]
    pub direction: ReviewDirection,
    pub reviewer: Reviewer,
    #[schema(value_type = Id)]
    pub reviewee_user_id: Uuid,
    /// 1 to 5.
    pub rating: i16,
    pub text: String,
    #[schema(value_type = Timestamp)]
    pub created_at: DateTime<Utc>,
}

/// How a list's reviews rate, over all of them (not only the page).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Aggregate {
    /// How many reviews.
    pub count: i64,
    /// Their mean rating, 0 without reviews.
    pub average: f64,
    /// How many of each rating, 1 to 5 stars in order.
    pub per_star: [i64; 5],
}

/// A page of reviews, newest first, with the aggregate of all of them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewPage {
    pub items: Vec<ReviewView>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[schema(value_type = Option<Cursor>)]
    pub next_cursor: Option<String>,
    pub aggregate: Aggregate,
}
