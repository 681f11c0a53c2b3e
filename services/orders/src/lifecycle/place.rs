//! Placing an order: the terms come from what orders knows (the gig's snapshot from `gig.*`
//! events, or the accepted offer's from `chat.offer_accepted.v1`), never from the client. The
//! order starts as `pending_payment`; nobody is told anything until the provider confirms the
//! payment ([`super::confirm_payment`]).

use chrono::{DateTime, Utc};
use http::StatusCode;
use mercato_common::error::{ApiError, OrConflict};
use mercato_common::events::catalog::Money;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::Status;

/// What the buyer orders: a gig, or a custom offer they accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordered {
    /// A gig at its listed price.
    Gig(Uuid),
    /// An accepted custom offer at its price.
    Offer(Uuid),
}

/// The terms of an order, as orders knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub gig_id: Uuid,
    pub offer_id: Option<Uuid>,
    pub seller_user_id: Uuid,
    pub title: String,
    pub offer_description: Option<String>,
    pub price: Money,
    pub delivery_days: i32,
}

#[derive(sqlx::FromRow)]
struct GigTerms {
    seller_user_id: Uuid,
    title: String,
    price_amount: i64,
    price_currency: String,
    delivery_days: i32,
    active: bool,
    deleted: bool,
}

#[derive(sqlx::FromRow)]
struct OfferTerms {
    gig_id: Uuid,
    buyer_user_id: Uuid,
    seller_user_id: Uuid,
    description: String,
    price_amount: i64,
    price_currency: String,
    delivery_days: i32,
}

fn no_such_gig() -> ApiError {
    ApiError::not_found("no such gig")
}

/// The terms `buyer` would order `what` at.
///
/// # Errors
///
/// 404 for a gig or offer orders does not know (or an offer made to someone else), 409
/// `gig_unavailable` for a paused or deleted gig, 403 `own_gig` for the buyer's own gig.
pub async fn terms(pool: &PgPool, buyer: Uuid, what: Ordered) -> Result<Terms, ApiError> {
    let (gig_id, offer) = match what {
        Ordered::Gig(id) => (id, None),
        Ordered::Offer(id) => {
            let offer = sqlx::query_as::<_, OfferTerms>(
                "SELECT gig_id, buyer_user_id, seller_user_id, description, price_amount, \
                 price_currency, delivery_days FROM offers WHERE offer_id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
            .filter(|o| o.buyer_user_id == buyer)
            .ok_or_else(|| ApiError::not_found("no accepted offer with this id for you"))?;
            (offer.gig_id, Some((id, offer)))
        }
    };
    let gig: GigTerms = sqlx::query_as(
        "SELECT seller_user_id, title, price_amount, price_currency, delivery_days, active, deleted \
         FROM gigs WHERE gig_id = $1",
    )
    .bind(gig_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(no_such_gig)?;
    if gig.deleted {
        return Err(match offer {
            Some(_) => ApiError::conflict("gig_unavailable", "the offer's gig was deleted"),
            None => no_such_gig(),
        });
    }
    if !gig.active {
        return Err(ApiError::conflict(
            "gig_unavailable",
            "the seller paused this gig; it cannot be ordered now",
        ));
    }
    if gig.seller_user_id == buyer {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "own_gig",
            "you cannot order your own gig",
        ));
    }
    Ok(match offer {
        Some((offer_id, offer)) => Terms {
            gig_id,
            offer_id: Some(offer_id),
            seller_user_id: offer.seller_user_id,
            title: gig.title,
            offer_description: Some(offer.description),
            price: Money {
                amount: offer.price_amount,
                currency: offer.price_currency,
            },
            delivery_days: offer.delivery_days,
        },
        None => Terms {
            gig_id,
            offer_id: None,
            seller_user_id: gig.seller_user_id,
            title: gig.title,
            offer_description: None,
            price: Money {
                amount: gig.price_amount,
                currency: gig.price_currency,
            },
            delivery_days: gig.delivery_days,
        },
    })
}

/// A new order to write.
#[derive(Debug)]
pub struct NewOrder<'a> {
    pub id: Uuid,
    pub buyer_user_id: Uuid,
    pub terms: &'a Terms,
    pub requirements: &'a str,
    pub fee: i64,
    pub idempotency_key: &'a str,
    pub request_digest: &'a str,
    pub payment_provider: &'static str,
    pub max_revisions: u32,
    pub at: DateTime<Utc>,
}

/// Writes `order` as `pending_payment` with its first history entry. Returns `false` when the
/// buyer already placed an order with the same idempotency key (a concurrent retry won).
///
/// # Errors
///
/// 409 `offer_already_ordered` for an offer with a live order; a database error.
pub async fn insert(conn: &mut PgConnection, order: &NewOrder<'_>) -> Result<bool, ApiError> {
    let terms = order.terms;
    let inserted = sqlx::query(
        "INSERT INTO orders (id, buyer_user_id, seller_user_id, gig_id, offer_id, title, \
         offer_description, requirements, price_amount, fee_amount, currency, delivery_days, \
         status, max_revisions, idempotency_key, request_digest, payment_provider, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (buyer_user_id, idempotency_key) DO NOTHING",
    )
    .bind(order.id)
    .bind(order.buyer_user_id)
    .bind(terms.seller_user_id)
    .bind(terms.gig_id)
    .bind(terms.offer_id)
    .bind(&terms.title)
    .bind(terms.offer_description.as_deref())
    .bind(order.requirements)
    .bind(terms.price.amount)
    .bind(order.fee)
    .bind(&terms.price.currency)
    .bind(terms.delivery_days)
    .bind(Status::PendingPayment.as_str())
    .bind(i32::try_from(order.max_revisions).unwrap_or(i32::MAX))
    .bind(order.idempotency_key)
    .bind(order.request_digest)
    .bind(order.payment_provider)
    .bind(order.at)
    .execute(&mut *conn)
    .await
    .or_conflict(|_| {
        ApiError::conflict(
            "offer_already_ordered",
            "this offer already has an order; open it from your orders",
        )
    })?
    .rows_affected()
        == 1;
    if inserted {
        sqlx::query(
            "INSERT INTO order_history (order_id, action, from_status, to_status, actor, at) \
             VALUES ($1, 'place', NULL, $2, $3, $4)",
        )
        .bind(order.id)
        .bind(Status::PendingPayment.as_str())
        .bind(order.buyer_user_id)
        .bind(order.at)
        .execute(conn)
        .await?;
    }
    Ok(inserted)
}
