//! What orders learns from other services' events: people (names and addresses for emails),
//! gigs (the price an order pays), custom offers buyers accepted (their terms), and reviews
//! (attached to the order they are about). Each effect commits with its inbox entry, so a
//! redelivered event changes nothing.

use mercato_common::events::catalog::{
    GigCreated, GigDeleted, GigUpdated, Money, OfferAccepted, ReviewCreated, ReviewDirection,
    UserRegistered,
};
use mercato_common::events::postgres::{self, apply_once};
use mercato_common::events::{Envelope, Event, EventHandler, HandlerError};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::NAME;

/// Applies the events of the catalog that orders consumes.
#[derive(Debug, Clone)]
pub struct DirectoryHandler {
    pool: PgPool,
}

impl DirectoryHandler {
    /// A handler writing to `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A gig's terms as either gig event carries them.
struct GigSnapshot {
    gig_id: Uuid,
    seller_user_id: Uuid,
    title: String,
    price: Money,
    delivery_days: u32,
    active: bool,
}

/// A gig's snapshot from either gig event (both carry the same fields).
macro_rules! snapshot {
    ($g:expr) => {
        GigSnapshot {
            gig_id: $g.gig_id,
            seller_user_id: $g.seller_user_id,
            title: $g.title,
            price: $g.price,
            delivery_days: $g.delivery_days,
            active: $g.active,
        }
    };
}

/// What one event changes, and when the event happened.
struct Change {
    effect: Effect,
    at: chrono::DateTime<chrono::Utc>,
}

/// What one event changes.
enum Effect {
    Person(UserRegistered),
    Gig(GigSnapshot),
    GigGone(GigDeleted),
    Offer(OfferAccepted),
    Review(ReviewCreated),
}

impl Effect {
    fn of(envelope: &Envelope) -> Result<Option<Self>, HandlerError> {
        Ok(Some(match envelope.event_type.as_str() {
            UserRegistered::TYPE => Self::Person(envelope.decode()?),
            GigCreated::TYPE => Self::Gig(snapshot!(envelope.decode::<GigCreated>()?)),
            GigUpdated::TYPE => Self::Gig(snapshot!(envelope.decode::<GigUpdated>()?)),
            GigDeleted::TYPE => Self::GigGone(envelope.decode()?),
            OfferAccepted::TYPE => {
                let offer: OfferAccepted = envelope.decode()?;
                if offer.price.amount <= 0 || offer.delivery_days == 0 {
                    return Err(HandlerError::Reject(format!(
                        "offer {} has no price or no delivery time",
                        offer.offer_id
                    )));
                }
                Self::Offer(offer)
            }
            ReviewCreated::TYPE => Self::Review(envelope.decode()?),
            _ => return Ok(None),
        }))
    }
}

impl postgres::Effect for Change {
    async fn apply(self, conn: &mut PgConnection) -> sqlx::Result<()> {
        let at = self.at;
        match self.effect {
            Effect::Person(p) => {
                sqlx::query(
                    "INSERT INTO people (user_id, username, email) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id) DO UPDATE SET username = $2, email = $3",
                )
                .bind(p.user_id)
                .bind(p.username)
                .bind(p.email)
                .execute(conn)
                .await?;
            }
            Effect::Gig(g) => {
                // Each event carries the whole snapshot: the one that happened last wins,
                // whatever order they arrive in, and a deleted gig stays deleted.
                sqlx::query(
                    "INSERT INTO gigs (gig_id, seller_user_id, title, price_amount, price_currency, \
                     delivery_days, active, snapshot_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (gig_id) DO UPDATE SET seller_user_id = $2, title = $3, \
                     price_amount = $4, price_currency = $5, delivery_days = $6, active = $7, \
                     snapshot_at = $8 WHERE gigs.snapshot_at <= $8 AND NOT gigs.deleted",
                )
                .bind(g.gig_id)
                .bind(g.seller_user_id)
                .bind(g.title)
                .bind(g.price.amount)
                .bind(g.price.currency)
                .bind(i32::try_from(g.delivery_days).unwrap_or(i32::MAX))
                .bind(g.active)
                .bind(at)
                .execute(conn)
                .await?;
            }
            Effect::GigGone(g) => {
                // A deletion overtaking the creation still leaves a deleted row behind.
                sqlx::query(
                    "INSERT INTO gigs (gig_id, seller_user_id, title, price_amount, price_currency, \
                     delivery_days, active, deleted, snapshot_at) \
                     VALUES ($1, $2, '', 0, 'USD', 1, FALSE, TRUE, $3) \
                     ON CONFLICT (gig_id) DO UPDATE SET active = FALSE, deleted = TRUE, snapshot_at = $3",
                )
                .bind(g.gig_id)
                .bind(g.seller_user_id)
                .bind(at)
                .execute(conn)
                .await?;
            }
            Effect::Offer(o) => {
                sqlx::query(
                    "INSERT INTO offers (offer_id, conversation_id, gig_id, buyer_user_id, seller_user_id, \
                     description, price_amount, price_currency, delivery_days, accepted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (offer_id) DO NOTHING",
                )
                .bind(o.offer_id)
                .bind(o.conversation_id)
                .bind(o.gig_id)
                .bind(o.buyer_user_id)
                .bind(o.seller_user_id)
                .bind(o.description)
                .bind(o.price.amount)
                .bind(o.price.currency)
                .bind(i32::try_from(o.delivery_days).unwrap_or(i32::MAX))
                .bind(o.accepted_at)
                .execute(conn)
                .await?;
            }
            Effect::Review(r) => {
                let column = match r.direction {
                    ReviewDirection::BuyerToSeller => "buyer_review_id",
                    ReviewDirection::SellerToBuyer => "seller_review_id",
                };
                sqlx::query(&format!(
                    "UPDATE orders SET {column} = $2 WHERE id = $1 AND {column} IS NULL"
                ))
                .bind(r.order_id)
                .bind(r.review_id)
                .execute(conn)
                .await?;
            }
        }
        Ok(())
    }
}

impl EventHandler for DirectoryHandler {
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let Some(effect) = Effect::of(envelope)? else {
            return Ok(());
        };
        let change = Change {
            effect,
            at: envelope.occurred_at,
        };
        apply_once(&self.pool, NAME, envelope, change).await
    }
}
