//! The gigs tables: writing gigs with their events, reading them with their seller's
//! snapshot, and the seller and rating snapshots the consumed events keep.

use chrono::{DateTime, Utc};
use mercato_common::events::catalog::{GigCreated, GigDeleted, GigUpdated, Money};
use mercato_common::events::postgres::publish;
use sqlx::{FromRow, PgConnection, PgPool};
use uuid::Uuid;

use crate::NAME;
use crate::domain::{Cover, GigFields};
use crate::taxonomy;

/// A gig joined with its seller, as every read selects it.
#[derive(Debug, Clone, FromRow)]
pub struct GigRow {
    pub id: Uuid,
    pub seller_user_id: Uuid,
    pub title: String,
    pub description: String,
    pub category: String,
    pub sub_categories: Vec<String>,
    pub tags: Vec<String>,
    pub price_amount: i64,
    pub price_currency: String,
    pub delivery_days: i32,
    pub cover_image: Option<String>,
    pub cover_image_url: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rating_count: i64,
    pub rating_sum: i64,
    pub stars_1: i64,
    pub stars_2: i64,
    pub stars_3: i64,
    pub stars_4: i64,
    pub stars_5: i64,
    pub rating_score: f64,
    pub seller_id: Uuid,
    pub seller_username: String,
    pub seller_full_name: String,
    pub seller_picture: Option<String>,
    pub seller_country: Option<String>,
    pub seller_rating_count: i64,
    pub seller_rating_sum: i64,
}

/// The columns of [`GigRow`], for `FROM gigs g JOIN sellers s ON s.user_id = g.seller_user_id`.
pub const GIG_COLUMNS: &str = "g.id, g.seller_user_id, g.title, g.description, g.category, \
    g.sub_categories, g.tags, g.price_amount, g.price_currency, g.delivery_days, g.cover_image, g.cover_image_url, \
    g.active, g.created_at, g.updated_at, g.rating_count, g.rating_sum, g.stars_1, g.stars_2, \
    g.stars_3, g.stars_4, g.stars_5, g.rating_score, s.seller_id, s.username AS seller_username, \
    s.full_name AS seller_full_name, s.profile_picture_url AS seller_picture, \
    s.country AS seller_country, s.rating_count AS seller_rating_count, \
    s.rating_sum AS seller_rating_sum";

/// Gigs every reader may see: live, active, of a seller gigs knows.
pub const LIVE: &str = "g.deleted_at IS NULL AND g.active";

impl GigRow {
    /// The fields an edit starts from.
    pub fn fields(&self) -> GigFields {
        GigFields {
            title: self.title.clone(),
            description: self.description.clone(),
            category: taxonomy::category(&self.category).unwrap_or(&taxonomy::CATEGORIES[0]),
            sub_categories: self.sub_categories.clone(),
            tags: self.tags.clone(),
            price: self.price(),
            delivery_days: self.delivery_days,
            // A cover shows by its URL; an edit keeps it as it is.
            cover: self.cover_image_url.clone().map(|url| Cover {
                key: self.cover_image.clone().unwrap_or_else(|| url.clone()),
                url,
            }),
        }
    }

    /// The price.
    pub fn price(&self) -> Money {
        Money {
            amount: self.price_amount,
            currency: self.price_currency.clone(),
        }
    }

    fn created_event(&self) -> GigCreated {
        GigCreated {
            gig_id: self.id,
            seller_id: self.seller_id,
            seller_user_id: self.seller_user_id,
            title: self.title.clone(),
            category: self.category.clone(),
            price: self.price(),
            delivery_days: u32::try_from(self.delivery_days).unwrap_or_default(),
            active: self.active,
        }
    }

    fn updated_event(&self) -> GigUpdated {
        let GigCreated {
            gig_id,
            seller_id,
            seller_user_id,
            title,
            category,
            price,
            delivery_days,
            active,
        } = self.created_event();
        GigUpdated {
            gig_id,
            seller_id,
            seller_user_id,
            title,
            category,
            price,
            delivery_days,
            active,
        }
    }
}

/// A seller as gigs knows it, from `seller.*` events.
#[derive(Debug, Clone, FromRow)]
pub struct SellerRow {
    pub user_id: Uuid,
    pub seller_id: Uuid,
}

/// The seller behind the account `user_id`, if gigs has heard of it.
///
/// # Errors
///
/// A database error.
pub async fn seller_of(pool: &PgPool, user_id: Uuid) -> sqlx::Result<Option<SellerRow>> {
    sqlx::query_as("SELECT user_id, seller_id FROM sellers WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await
}

/// Which of `keys` a gig uses as its cover (the uploads clean-up keeps them).
///
/// # Errors
///
/// A database error.
pub async fn covers_in_use(
    pool: &PgPool,
    keys: Vec<String>,
) -> anyhow::Result<std::collections::HashSet<String>> {
    let used: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT cover_image FROM gigs WHERE cover_image = ANY($1)")
            .bind(&keys)
            .fetch_all(pool)
            .await?;
    Ok(used.into_iter().collect())
}

/// The live gig `id` (active or paused) with its seller.
///
/// # Errors
///
/// A database error.
pub async fn gig(conn: &mut PgConnection, id: Uuid, lock: bool) -> sqlx::Result<Option<GigRow>> {
    let lock = if lock { " FOR UPDATE OF g" } else { "" };
    sqlx::query_as(&format!(
        "SELECT {GIG_COLUMNS} FROM gigs g JOIN sellers s ON s.user_id = g.seller_user_id \
         WHERE g.id = $1 AND g.deleted_at IS NULL{lock}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds `$1` (the id) to `$12` (the cover's URL): the gig's id and its fields, in the order
/// both the insert and the update name them.
fn bind_fields<'q>(query: PgQuery<'q>, id: Uuid, fields: &'q GigFields) -> PgQuery<'q> {
    query
        .bind(id)
        .bind(&fields.title)
        .bind(&fields.description)
        .bind(fields.category.slug)
        .bind(&fields.sub_categories)
        .bind(fields.category.words(&fields.sub_categories))
        .bind(&fields.tags)
        .bind(fields.price.amount)
        .bind(&fields.price.currency)
        .bind(fields.delivery_days)
        .bind(fields.cover.as_ref().map(|c| &c.key))
        .bind(fields.cover.as_ref().map(|c| &c.url))
}

/// Inserts a gig and its `gig.created.v1` in the caller's transaction.
///
/// # Errors
///
/// A database error.
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    seller_user_id: Uuid,
    fields: &GigFields,
    created_at: DateTime<Utc>,
) -> sqlx::Result<GigRow> {
    bind_fields(
        sqlx::query(
            "INSERT INTO gigs (id, title, description, category, sub_categories, category_words, \
             tags, price_amount, price_currency, delivery_days, cover_image, cover_image_url, \
             seller_user_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
        ),
        id,
        fields,
    )
    .bind(seller_user_id)
    .bind(created_at)
    .execute(&mut *conn)
    .await?;
    let row = gig(conn, id, false)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    publish(conn, NAME, &row.created_event()).await?;
    Ok(row)
}

/// Replaces the fields of the gig `id` and publishes `gig.updated.v1`, in the caller's
/// transaction.
///
/// # Errors
///
/// A database error.
pub async fn update(conn: &mut PgConnection, id: Uuid, fields: &GigFields) -> sqlx::Result<GigRow> {
    bind_fields(
        sqlx::query(
            "UPDATE gigs SET title = $2, description = $3, category = $4, sub_categories = $5, \
             category_words = $6, tags = $7, price_amount = $8, price_currency = $9, \
             delivery_days = $10, cover_image = $11, cover_image_url = $12, updated_at = now() \
             WHERE id = $1",
        ),
        id,
        fields,
    )
    .execute(&mut *conn)
    .await?;
    updated(conn, id).await
}

/// Pauses or activates the gig `id` and publishes `gig.updated.v1`, in the caller's
/// transaction.
///
/// # Errors
///
/// A database error.
pub async fn set_active(conn: &mut PgConnection, id: Uuid, active: bool) -> sqlx::Result<GigRow> {
    sqlx::query("UPDATE gigs SET active = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(&mut *conn)
        .await?;
    updated(conn, id).await
}

async fn updated(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<GigRow> {
    let row = gig(conn, id, false)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    publish(conn, NAME, &row.updated_event()).await?;
    Ok(row)
}

/// Hides the gig `id` from every read (the row stays for the orders in flight) and publishes
/// `gig.deleted.v1`, in the caller's transaction.
///
/// # Errors
///
/// A database error.
pub async fn delete(conn: &mut PgConnection, row: &GigRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE gigs SET deleted_at = now(), updated_at = now() WHERE id = $1")
        .bind(row.id)
        .execute(&mut *conn)
        .await?;
    publish(
        conn,
        NAME,
        &GigDeleted {
            gig_id: row.id,
            seller_id: row.seller_id,
            seller_user_id: row.seller_user_id,
        },
    )
    .await
}
