//! The order rows and the reads around them. Only the buyer and the seller of an order see it,
//! and the seller only once it is paid (an unpaid order is the buyer's checkout, not yet work):
//! to anyone else it does not exist.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use mercato_common::error::ApiError;
use mercato_common::events::catalog::Money;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::lifecycle::{Party, Status};

/// The columns of [`OrderRow`], for every query that reads one.
pub const ORDER_COLUMNS: &str = "id, buyer_user_id, seller_user_id, gig_id, offer_id, title, \
    offer_description, requirements, price_amount, fee_amount, currency, delivery_days, status, \
    revisions_used, max_revisions, idempotency_key, request_digest, payment_provider, payment_ref, \
    client_secret, payment_error, refunded_amount, due_at, auto_complete_at, created_at, paid_at, \
    delivered_at, completed_at, cancelled_at, buyer_review_id, seller_review_id";

/// One order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: Uuid,
    pub buyer_user_id: Uuid,
    pub seller_user_id: Uuid,
    pub gig_id: Uuid,
    pub offer_id: Option<Uuid>,
    pub title: String,
    pub offer_description: Option<String>,
    pub requirements: String,
    pub price_amount: i64,
    pub fee_amount: i64,
    pub currency: String,
    pub delivery_days: i32,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub revisions_used: i32,
    pub max_revisions: i32,
    pub idempotency_key: String,
    pub request_digest: String,
    pub payment_provider: String,
    pub payment_ref: Option<String>,
    pub client_secret: Option<String>,
    pub payment_error: Option<String>,
    pub refunded_amount: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub auto_complete_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub buyer_review_id: Option<Uuid>,
    pub seller_review_id: Option<Uuid>,
}

impl OrderRow {
    /// The price, in the order's currency.
    pub fn price(&self) -> Money {
        self.money(self.price_amount)
    }

    /// The service fee.
    pub fn fee(&self) -> Money {
        self.money(self.fee_amount)
    }

    /// What the buyer pays: price plus fee.
    pub fn total(&self) -> Money {
        self.money(self.price_amount + self.fee_amount)
    }

    /// `amount` cents in the order's currency.
    pub fn money(&self, amount: i64) -> Money {
        Money {
            amount,
            currency: self.currency.clone(),
        }
    }

    /// Which party `user` is, if the order is visible to them at all.
    pub fn party_of(&self, user: Uuid) -> Option<Party> {
        if user == self.buyer_user_id {
            Some(Party::Buyer)
        } else if user == self.seller_user_id && self.status.seller_sees() {
            Some(Party::Seller)
        } else {
            None
        }
    }

    /// The account of `party`.
    pub fn user_of(&self, party: Party) -> Uuid {
        match party {
            Party::Buyer => self.buyer_user_id,
            Party::Seller => self.seller_user_id,
        }
    }
}

/// The answer for an order that does not exist or that the caller may not see.
pub fn no_such_order() -> ApiError {
    ApiError::not_found("no such order")
}

/// The order `id`, locked for a change.
///
/// # Errors
///
/// A database error.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<OrderRow>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The order `id` locked for a change by `user`, with the party they are.
///
/// # Errors
///
/// 404 when there is no such order or `user` may not see it; a database error.
pub async fn lock_for(
    conn: &mut PgConnection,
    id: Uuid,
    user: Uuid,
) -> Result<(OrderRow, Party), ApiError> {
    let order = lock(conn, id).await?.ok_or_else(no_such_order)?;
    let party = order.party_of(user).ok_or_else(no_such_order)?;
    Ok((order, party))
}

/// The order `id` as `user` may see it, with the party they are.
///
/// # Errors
///
/// 404 when there is no such order or `user` may not see it; a database error.
pub async fn read_for(pool: &PgPool, id: Uuid, user: Uuid) -> Result<(OrderRow, Party), ApiError> {
    let order: OrderRow =
        sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(no_such_order)?;
    let party = order.party_of(user).ok_or_else(no_such_order)?;
    Ok((order, party))
}

/// The buyer's order placed with `key`, if any.
///
/// # Errors
///
/// A database error.
pub async fn by_key(pool: &PgPool, buyer: Uuid, key: &str) -> sqlx::Result<Option<OrderRow>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE buyer_user_id = $1 AND idempotency_key = $2"
    ))
    .bind(buyer)
    .bind(key)
    .fetch_optional(pool)
    .await
}

/// One entry of an order's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: Option<Uuid>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// A seller's request for more time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExtensionRow {
    pub id: Uuid,
    pub order_id: Uuid,
    pub days: i32,
    pub reason: String,
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A file delivered with the work.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeliveredFile {
    pub key: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// Work the seller delivered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub message: String,
    pub attachments: sqlx::types::Json<Vec<DeliveredFile>>,
    pub delivered_at: DateTime<Utc>,
}

/// An order's history, extensions and deliveries, oldest first.
#[derive(Debug, Default)]
pub struct Details {
    pub history: Vec<HistoryRow>,
    pub extensions: Vec<ExtensionRow>,
    pub deliveries: Vec<DeliveryRow>,
}

/// The details of order `id`.
///
/// # Errors
///
/// A database error.
pub async fn details(pool: &PgPool, id: Uuid) -> sqlx::Result<Details> {
    let history = sqlx::query_as(
        "SELECT action, from_status, to_status, actor, note, at FROM order_history \
         WHERE order_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let extensions = sqlx::query_as(
        "SELECT id, order_id, days, reason, status, requested_at, resolved_at FROM extensions \
         WHERE order_id = $1 ORDER BY requested_at, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let deliveries = sqlx::query_as(
        "SELECT id, message, attachments, delivered_at FROM deliveries \
         WHERE order_id = $1 ORDER BY delivered_at, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Details {
        history,
        extensions,
        deliveries,
    })
}

/// Usernames of `users` that orders knows.
///
/// # Errors
///
/// A database error.
pub async fn usernames(
    pool: &PgPool,
    users: &[Uuid],
) -> sqlx::Result<std::collections::HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT user_id, username FROM people WHERE user_id = ANY($1)")
            .bind(users)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// The keys among `keys` that a delivery still refers to (for the storage's sweep).
///
/// # Errors
///
/// A database error.
pub async fn deliveries_in_use(
    pool: &PgPool,
    keys: Vec<String>,
) -> anyhow::Result<HashSet<String>> {
    let used: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT file ->> 'key' FROM deliveries, jsonb_array_elements(attachments) AS file \
         WHERE file ->> 'key' = ANY($1)",
    )
    .bind(&keys)
    .fetch_all(pool)
    .await?;
    Ok(used.into_iter().collect())
}
