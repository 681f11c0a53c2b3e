//! Finding gigs: full-text search over the weighted vector with `websearch_to_tsquery` (quotes
//! and minus work), a trigram fallback when the words match nothing, filters, five sorts, and
//! keyset pagination whose opaque cursor holds the last item's sort key and id, so pages
//! neither repeat nor skip gigs while others are added.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::store::{GIG_COLUMNS, GigRow};
use crate::views::{GigPage, GigView, Matched};

/// How much of a word two spellings must share (pg_trgm's `word_similarity`) for a misspelt
/// search to find a gig: "logo desing" finds "minimalist logo design" at about 0.42.
const FUZZY_THRESHOLD: &str = "0.3";

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (needs `q`).
    Relevance,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Best rated first (the Bayesian average, see `GET /gigs/top`).
    Rating,
    /// Newest first.
    Newest,
}

/// What a list holds.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Words to find.
    pub q: Option<String>,
    /// A category's slug.
    pub category: Option<String>,
    /// Lowest price in cents.
    pub min_price: Option<i64>,
    /// Highest price in cents.
    pub max_price: Option<i64>,
    /// Longest delivery.
    pub max_delivery_days: Option<i32>,
    /// One seller's gigs only (by account).
    pub seller_user_id: Option<Uuid>,
    /// Paused gigs instead of active ones (a seller's own list).
    pub paused: bool,
}

/// Where the previous page ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Position {
    /// The sort it belongs to.
    s: Sort,
    /// How the words matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<Matched>,
    /// A floating-point sort key (rank, similarity, rating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<f64>,
    /// An integer sort key (price, creation in microseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<i64>,
    /// The last item's id.
    id: Uuid,
}

/// A cursor that is not one of ours, or belongs to another sort.
#[derive(Debug, thiserror::Error)]
#[error("the cursor is invalid for this list; start again without it")]
pub struct InvalidCursor;

fn decode(cursor: &str, sort: Sort) -> Result<Position, InvalidCursor> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| InvalidCursor)?;
    let position: Position = serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)?;
    let keyed = match position.s {
        Sort::Relevance | Sort::Rating => position.f.is_some(),
        Sort::PriceAsc | Sort::PriceDesc | Sort::Newest => position.i.is_some(),
    };
    if position.s != sort || !keyed {
        return Err(InvalidCursor);
    }
    Ok(position)
}

fn encode(position: &Position) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

/// One page of gigs matching `filter` in `sort` order, after `cursor`.
///
/// # Errors
///
/// An invalid cursor, or a database error.
pub async fn page(
    pool: &PgPool,
    filter: &Filter,
    sort: Sort,
    limit: i64,
    cursor: Option<&str>,
) -> Result<Result<GigPage, InvalidCursor>, sqlx::Error> {
    let after = match cursor.map(|c| decode(c, sort)).transpose() {
        Ok(after) => after,
        Err(invalid) => return Ok(Err(invalid)),
    };
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mode = match (&after, q) {
        (Some(after), Some(_)) => Some(after.m.unwrap_or(Matched::Words)),
        (None, Some(_)) => Some(Matched::Words),
        (_, None) => None,
    };
    let mut found = run(pool, filter, q, mode, sort, limit, after.as_ref()).await?;
    let mut matched = mode;
    if found.0.is_empty() && after.is_none() && mode == Some(Matched::Words) {
        found = run(pool, filter, q, Some(Matched::Fuzzy), sort, limit, None).await?;
        matched = Some(Matched::Fuzzy);
    }
    let (rows, next) = found;
    Ok(Ok(GigPage {
        items: rows.into_iter().map(GigView::from).collect(),
        next_cursor: next.map(|mut position| {
            position.m = matched;
            encode(&position)
        }),
        matched,
    }))
}

/// The rank expression of a match mode.
fn push_rank(query: &mut QueryBuilder<'_, Postgres>, q: Option<&str>, mode: Option<Matched>) {
    match (mode, q) {
        (Some(Matched::Words), Some(q)) => {
            query.push("ts_rank_cd(g.search, websearch_to_tsquery('english', ");
            query.push_bind(q.to_owned());
            query.push("))::float8");
        }
        (Some(Matched::Fuzzy), Some(q)) => {
            query.push("word_similarity(");
            query.push_bind(q.to_owned());
            query.push(", g.fuzzy)::float8");
        }
        _ => {
            query.push("0::float8");
        }
    }
}

/// The sort key expression of `sort`, and whether it descends.
fn push_key(
    query: &mut QueryBuilder<'_, Postgres>,
    sort: Sort,
    q: Option<&str>,
    mode: Option<Matched>,
) -> bool {
    match sort {
        Sort::Relevance => {
            push_rank(query, q, mode);
            true
        }
        Sort::PriceAsc => {
            query.push("g.price_amount");
            false
        }
        Sort::PriceDesc => {
            query.push("g.price_amount");
            true
        }
        Sort::Rating => {
            query.push("g.rating_score");
            true
        }
        Sort::Newest => {
            query.push("g.created_at");
            true
        }
    }
}

type Found = (Vec<GigRow>, Option<Position>);

async fn run(
    pool: &PgPool,
    filter: &Filter,
    q: Option<&str>,
    mode: Option<Matched>,
    sort: Sort,
    limit: i64,
    after: Option<&Position>,
) -> sqlx::Result<Found> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT ");
    query.push(GIG_COLUMNS).push(", ");
    let descending = push_key(&mut query, sort, q, mode);
    query.push(
        " AS sort_key FROM gigs g JOIN sellers s ON s.user_id = g.seller_user_id \
         WHERE g.deleted_at IS NULL AND g.active = ",
    );
    query.push_bind(!filter.paused);
    match (mode, q) {
        (Some(Matched::Words), Some(q)) => {
            query.push(" AND g.search @@ websearch_to_tsquery('english', ");
            query.push_bind(q.to_owned());
            query.push(")");
        }
        (Some(Matched::Fuzzy), Some(q)) => {
            query.push(" AND ");
            query.push_bind(q.to_owned());
            query.push(" <% g.fuzzy");
        }
        _ => {}
    }
    if let Some(category) = &filter.category {
        query.push(" AND g.category = ").push_bind(category.clone());
    }
    if let Some(min) = filter.min_price {
        query.push(" AND g.price_amount >= ").push_bind(min);
    }
    if let Some(max) = filter.max_price {
        query.push(" AND g.price_amount <= ").push_bind(max);
    }
    if let Some(days) = filter.max_delivery_days {
        query.push(" AND g.delivery_days <= ").push_bind(days);
    }
    if let Some(seller) = filter.seller_user_id {
        query.push(" AND g.seller_user_id = ").push_bind(seller);
    }
    let (before, direction) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = after {
        query.push(" AND (");
        push_key(&mut query, sort, q, mode);
        query.push(", g.id) ").push(before).push(" (");
        match (sort, after.f, after.i) {
            (Sort::Newest, _, i) => query.push_bind(
                chrono::DateTime::from_timestamp_micros(i.unwrap_or_default()).unwrap_or_default(),
            ),
            (_, Some(f), _) => query.push_bind(f),
            (_, None, i) => query.push_bind(i.unwrap_or_default()),
        };
        query.push(", ").push_bind(after.id).push(")");
    }
    query
        .push(" ORDER BY sort_key ")
        .push(direction)
        .push(", g.id ")
        .push(direction)
        .push(" LIMIT ")
        .push_bind(limit + 1);

    let mut tx = pool.begin().await?;
    if mode == Some(Matched::Fuzzy) {
        sqlx::query("SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)")
            .bind(FUZZY_THRESHOLD)
            .execute(&mut *tx)
            .await?;
    }
    let rows: Vec<PgRow> = query.build().fetch_all(&mut *tx).await?;
    tx.commit().await?;

    let more = usize::try_from(limit).is_ok_and(|limit| rows.len() > limit);
    let mut gigs = Vec::with_capacity(rows.len());
    let mut last = None;
    for row in rows.iter().take(usize::try_from(limit).unwrap_or(0)) {
        gigs.push(GigRow::from_row(row)?);
        last = Some(row);
    }
    let next = match (more, last) {
        (true, Some(row)) => {
            let id: Uuid = row.try_get("id")?;
            let (f, i) = match sort {
                Sort::Relevance | Sort::Rating => (Some(row.try_get::<f64, _>("sort_key")?), None),
                Sort::PriceAsc | Sort::PriceDesc => {
                    (None, Some(row.try_get::<i64, _>("sort_key")?))
                }
                Sort::Newest => (
                    None,
                    Some(
                        row.try_get::<chrono::DateTime<chrono::Utc>, _>("sort_key")?
                            .timestamp_micros(),
                    ),
                ),
            };
            Some(Position {
                s: sort,
                m: mode,
                f,
                i,
                id,
            })
        }
        _ => None,
    };
    Ok((gigs, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_belongs_to_its_sort() {
        let position = Position {
            s: Sort::Rating,
            m: None,
            // 17 significant digits: a float4 rank widened to a double, as the cursor holds it.
            f: Some(f64::from(0.1_f32)),
            i: None,
            id: Uuid::now_v7(),
        };
        let cursor = encode(&position);

        let back = decode(&cursor, Sort::Rating).unwrap();
        assert_eq!(back.f, position.f, "a float key comes back exactly");
        assert!(decode(&cursor, Sort::Newest).is_err());
        assert!(decode("not a cursor", Sort::Rating).is_err());
        let keyless = encode(&Position {
            f: None,
            ..position
        });
        assert!(decode(&keyless, Sort::Rating).is_err());
    }
}
