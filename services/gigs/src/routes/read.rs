//! Reading gigs: one gig, search, top rated, similar, a seller's gigs, the categories. Paused
//! gigs show only to their seller; deleted ones to no one.

use axum::extract::{Path, State};
use mercato_common::error::{ApiError, FieldErrors};
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::extract::Query;
use mercato_common::openapi::{Cursor, Id};
use mercato_common::token::MaybeUser;
use serde::Deserialize;
use sqlx::FromRow;
use uuid::Uuid;

use super::{AppState, gig_id, no_such_gig};
use crate::search::{self, Filter, Sort};
use crate::store::{self, GIG_COLUMNS, GigRow, LIVE};
use crate::taxonomy::{self, CategorySlug};
use crate::views::{self, Categories, GigList, GigPage, GigView};

error_responses!(
    /// No such gig (or paused and not the caller's).
    GigErrors { 404 => ["not_found"] }
);

/// A gig; a paused one only to its seller.
#[utoipa::path(get, path = "/v1/gigs/{id}", tag = "gigs", security((), ("session" = [])),
    params(("id" = Id, Path, description = "The gig's id")),
    responses((status = 200, description = "The gig", body = GigView), GigErrors))]
#[tracing::instrument(skip_all, fields(gig_id = %id))]
pub async fn one(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
) -> Result<Json<GigView>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let row = store::gig(&mut conn, gig_id(&id)?, false)
        .await?
        .filter(|row| {
            row.active
                || caller
                    .as_ref()
                    .is_some_and(|c| c.user_id == row.seller_user_id)
        })
        .ok_or_else(no_such_gig)?;
    Ok(Json(row.into()))
}

fn default_limit() -> i64 {
    20
}

/// `GET /v1/gigs`: what to find, and in what order.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find in titles, tags, categories and descriptions: `"exact phrase"`, `-word`
    /// and `or` work as in web search engines.
    #[param(max_length = 200)]
    q: Option<String>,
    /// A category's slug.
    #[param(value_type = Option<CategorySlug>)]
    category: Option<String>,
    /// Lowest price, in cents.
    #[param(minimum = 0)]
    min_price: Option<i64>,
    /// Highest price, in cents.
    #[param(minimum = 0)]
    max_price: Option<i64>,
    /// Longest delivery, in days.
    #[param(minimum = 1)]
    max_delivery_days: Option<i32>,
    /// The order: `relevance` (the default with `q`; needs it), `price_asc`, `price_desc`,
    /// `rating`, `newest` (the default without `q`).
    sort: Option<Sort>,
    /// Gigs per page, 1 to 100.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: i64,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>)]
    cursor: Option<String>,
}

fn field_error(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.to_owned());
}

fn check_limit(errors: &mut FieldErrors, limit: i64, max: i64) {
    if !(1..=max).contains(&limit) {
        field_error(errors, "limit", &format!("must be 1 to {max}"));
    }
}

fn check_category(errors: &mut FieldErrors, category: Option<&str>) {
    if category.is_some_and(|slug| taxonomy::category(slug).is_none()) {
        field_error(
            errors,
            "category",
            "is not a category (see GET /api/v1/categories)",
        );
    }
}

fn finish(errors: FieldErrors) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// A page of `filter` in `sort` order, or the 400 of a cursor that is not this list's.
async fn page_of(
    state: &AppState,
    filter: &Filter,
    sort: Sort,
    limit: i64,
    cursor: Option<&str>,
) -> Result<GigPage, ApiError> {
    search::page(&state.pool, filter, sort, limit, cursor)
        .await?
        .map_err(|invalid| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_cursor",
                invalid.to_string(),
            )
        })
}

error_responses!(
    /// A query refused.
    SearchErrors { 400 => ["bad_request", "invalid_cursor"], 422 => ["validation_failed"] }
);

/// Finds active gigs by words, filters and order, a page at a time. When the words match no
/// gig, gigs with similarly spelt words are returned instead, and `matched` says `fuzzy`.
#[utoipa::path(get, path = "/v1/gigs", tag = "gigs", params(SearchQuery),
    responses((status = 200, description = "A page of gigs", body = GigPage), SearchErrors))]
#[tracing::instrument(skip_all)]
pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<GigPage>, ApiError> {
    let mut errors = FieldErrors::new();
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > 200) {
        field_error(&mut errors, "q", "must be at most 200 characters");
    }
    let sort = query.sort.unwrap_or(if q.is_some() {
        Sort::Relevance
    } else {
        Sort::Newest
    });
    if sort == Sort::Relevance && q.is_none() {
        field_error(
            &mut errors,
            "sort",
            "relevance needs words to search for (q)",
        );
    }
    check_category(&mut errors, query.category.as_deref());
    for (field, price) in [
        ("min_price", query.min_price),
        ("max_price", query.max_price),
    ] {
        if price.is_some_and(|p| p < 0) {
            field_error(&mut errors, field, "must be 0 or more");
        }
    }
    if let (Some(min), Some(max)) = (query.min_price, query.max_price)
        && min > max
    {
        field_error(&mut errors, "max_price", "must not be below min_price");
    }
    if query.max_delivery_days.is_some_and(|d| d < 1) {
        field_error(&mut errors, "max_delivery_days", "must be 1 or more");
    }
    check_limit(&mut errors, query.limit, 100);
    finish(errors)?;
    let filter = Filter {
        q: q.map(str::to_owned),
        category: query.category,
        min_price: query.min_price,
        max_price: query.max_price,
        max_delivery_days: query.max_delivery_days,
        ..Filter::default()
    };
    Ok(Json(
        page_of(&state, &filter, sort, query.limit, query.cursor.as_deref()).await?,
    ))
}

fn default_top() -> i64 {
    10
}

/// `GET /v1/gigs/top`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TopQuery {
    /// A category's slug; all categories without it.
    #[param(value_type = Option<CategorySlug>)]
    category: Option<String>,
    /// How many, 1 to 50.
    #[serde(default = "default_top")]
    #[param(minimum = 1, maximum = 50, default = 10)]
    limit: i64,
}

error_responses!(
    /// A query refused.
    ListErrors { 400 => ["bad_request"], 422 => ["validation_failed"] }
);

/// The best rated active gigs, by the Bayesian average of their reviews: each gig's reviews
/// plus a prior of ten 4-star reviews, so one 5-star review (4.09) does not outrank two hundred
/// 4.9s (4.86). Gigs without reviews are left out.
#[utoipa::path(get, path = "/v1/gigs/top", tag = "gigs", params(TopQuery),
    responses((status = 200, description = "Best rated first", body = GigList), ListErrors))]
#[tracing::instrument(skip_all)]
pub async fn top(
    State(state): State<AppState>,
    Query(query): Query<TopQuery>,
) -> Result<Json<GigList>, ApiError> {
    let mut errors = FieldErrors::new();
    check_category(&mut errors, query.category.as_deref());
    check_limit(&mut errors, query.limit, 50);
    finish(errors)?;
    let rows: Vec<GigRow> = sqlx::query_as(&format!(
        "SELECT {GIG_COLUMNS} FROM gigs g JOIN sellers s ON s.user_id = g.seller_user_id \
         WHERE {LIVE} AND g.rating_count > 0 AND ($1::text IS NULL OR g.category = $1) \
         ORDER BY g.rating_score DESC, g.rating_count DESC, g.id DESC LIMIT $2"
    ))
    .bind(query.category)
    .bind(query.limit)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(GigList {
        items: rows.into_iter().map(GigView::from).collect(),
    }))
}

fn default_similar() -> i64 {
    6
}

/// `GET /v1/gigs/{id}/similar`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// How many, 1 to 20.
    #[serde(default = "default_similar")]
    #[param(minimum = 1, maximum = 20, default = 6)]
    limit: i64,
}

error_responses!(
    /// No such gig, or a query refused.
    SimilarErrors { 400 => ["bad_request"], 404 => ["not_found"], 422 => ["validation_failed"] }
);

/// Active gigs of the same category closest to this one's title, best match first.
#[utoipa::path(get, path = "/v1/gigs/{id}/similar", tag = "gigs",
    params(("id" = Id, Path, description = "The gig's id"), SimilarQuery),
    responses((status = 200, description = "Gigs like it", body = GigList), SimilarErrors))]
#[tracing::instrument(skip_all, fields(gig_id = %id))]
pub async fn similar(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SimilarQuery>,
) -> Result<Json<GigList>, ApiError> {
    let mut errors = FieldErrors::new();
    check_limit(&mut errors, query.limit, 20);
    finish(errors)?;
    let id = gig_id(&id)?;
    let exists: Option<(Uuid,)> = sqlx::query_as(&format!(
        "SELECT g.id FROM gigs g WHERE g.id = $1 AND {LIVE}"
    ))
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    if exists.is_none() {
        return Err(no_such_gig());
    }
    // Any of this gig's title words (already stemmed, so the `simple` configuration keeps
    // them as they are) ranks the others.
    let rows: Vec<GigRow> = sqlx::query_as(&format!(
        "WITH me AS (SELECT id, category, \
             (SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) \
              FROM unnest(to_tsvector('english', title))) AS words \
           FROM gigs WHERE id = $1) \
         SELECT {GIG_COLUMNS} FROM me, gigs g JOIN sellers s ON s.user_id = g.seller_user_id \
         WHERE {LIVE} AND g.category = me.category AND g.id <> me.id \
         ORDER BY COALESCE(ts_rank_cd(g.search, me.words), 0) DESC, g.rating_score DESC, g.id DESC \
         LIMIT $2"
    ))
    .bind(id)
    .bind(query.limit)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(GigList {
        items: rows.into_iter().map(GigView::from).collect(),
    }))
}

/// `GET /v1/sellers/{id}/gigs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SellerGigsQuery {
    /// `false` for the paused gigs, which only their seller sees (anyone else gets none).
    #[serde(default = "active_default")]
    #[param(default = true)]
    active: bool,
    /// Gigs per page, 1 to 100.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: i64,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>)]
    cursor: Option<String>,
}

fn active_default() -> bool {
    true
}

#[derive(Debug, FromRow)]
struct SellerAccount {
    user_id: Uuid,
}

error_responses!(
    /// No such seller, or a query refused.
    SellerGigsErrors { 400 => ["bad_request", "invalid_cursor"], 404 => ["not_found"], 422 => ["validation_failed"] }
);

/// A seller's gigs, newest first; the paused ones only to the seller.
#[utoipa::path(get, path = "/v1/sellers/{id}/gigs", tag = "gigs", security((), ("session" = [])),
    params(("id" = Id, Path, description = "The seller profile's id"), SellerGigsQuery),
    responses((status = 200, description = "A page of the seller's gigs", body = GigPage), SellerGigsErrors))]
#[tracing::instrument(skip_all, fields(seller_id = %id))]
pub async fn of_seller(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
    Query(query): Query<SellerGigsQuery>,
) -> Result<Json<GigPage>, ApiError> {
    let mut errors = FieldErrors::new();
    check_limit(&mut errors, query.limit, 100);
    finish(errors)?;
    let no_such_seller = || ApiError::not_found("no such seller");
    let seller_id = Uuid::parse_str(&id).map_err(|_| no_such_seller())?;
    let seller: SellerAccount = sqlx::query_as("SELECT user_id FROM sellers WHERE seller_id = $1")
        .bind(seller_id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(no_such_seller)?;
    let own = caller.is_some_and(|c| c.user_id == seller.user_id);
    if !query.active && !own {
        return Ok(Json(GigPage {
            items: Vec::new(),
            next_cursor: None,
            matched: None,
        }));
    }
    let filter = Filter {
        seller_user_id: Some(seller.user_id),
        paused: !query.active,
        ..Filter::default()
    };
    Ok(Json(
        page_of(
            &state,
            &filter,
            Sort::Newest,
            query.limit,
            query.cursor.as_deref(),
        )
        .await?,
    ))
}

/// The categories and sub-categories gigs are filed under, with how many active gigs each has.
#[utoipa::path(get, path = "/v1/categories", tag = "gigs",
    responses((status = 200, description = "The taxonomy", body = Categories)))]
#[tracing::instrument(skip_all)]
pub async fn categories(State(state): State<AppState>) -> Result<Json<Categories>, ApiError> {
    let counts: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT g.category, count(*) FROM gigs g JOIN sellers s ON s.user_id = g.seller_user_id \
         WHERE {LIVE} GROUP BY g.category"
    ))
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(views::categories(&counts)))
}
