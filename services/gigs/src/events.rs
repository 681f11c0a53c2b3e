//! The events gigs consumes: sellers (the snapshot every gig shows) and reviews (the gig's and
//! the seller's ratings). Each effect commits with its inbox entry, so a redelivery is a no-op.

use mercato_common::events::catalog::{
    ReviewCreated, ReviewDirection, SellerCreated, SellerUpdated,
};
use mercato_common::events::postgres::{self, apply_once};
use mercato_common::events::{Envelope, Event, EventHandler, HandlerError};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::NAME;

/// Applies the events of the catalog that gigs consumes.
#[derive(Debug, Clone)]
pub struct GigsHandler {
    pool: PgPool,
}

impl GigsHandler {
    /// A handler writing to `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A seller's snapshot, from either seller event.
struct Snapshot {
    seller_id: Uuid,
    user_id: Uuid,
    username: String,
    full_name: String,
    profile_picture_url: Option<String>,
    country: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
}

/// The snapshot a seller event carries (both seller events carry the same fields), dated by
/// the event.
macro_rules! snapshot {
    ($event:expr, $envelope:expr) => {
        Snapshot {
            seller_id: $event.seller_id,
            user_id: $event.user_id,
            username: $event.username,
            full_name: $event.full_name,
            profile_picture_url: $event.profile_picture_url,
            country: $event.country,
            at: $envelope.occurred_at,
        }
    };
}

/// What one event changes.
enum Effect {
    Seller(Snapshot),
    Review(ReviewCreated),
}

impl Effect {
    fn of(envelope: &Envelope) -> Result<Option<Self>, HandlerError> {
        Ok(match envelope.event_type.as_str() {
            SellerCreated::TYPE => {
                let e: SellerCreated = envelope.decode()?;
                Some(Self::Seller(snapshot!(e, envelope)))
            }
            SellerUpdated::TYPE => {
                let e: SellerUpdated = envelope.decode()?;
                Some(Self::Seller(snapshot!(e, envelope)))
            }
            ReviewCreated::TYPE => {
                let review: ReviewCreated = envelope.decode()?;
                if !(1..=5).contains(&review.rating) {
                    return Err(HandlerError::Reject(format!(
                        "rating {} is not 1 to 5",
                        review.rating
                    )));
                }
                // A seller's review of a buyer rates neither a gig nor a seller.
                (review.direction == ReviewDirection::BuyerToSeller).then_some(Self::Review(review))
            }
            _ => None,
        })
    }
}

impl postgres::Effect for Effect {
    async fn apply(self, conn: &mut PgConnection) -> sqlx::Result<()> {
        match self {
            Self::Seller(s) => {
                // Both events carry the whole snapshot: the one that happened last wins,
                // whatever order they arrive in.
                sqlx::query(
                    "INSERT INTO sellers (user_id, seller_id, username, full_name, profile_picture_url, country, snapshot_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (user_id) DO UPDATE SET seller_id = $2, username = $3, full_name = $4, \
                     profile_picture_url = $5, country = $6, snapshot_at = $7 \
                     WHERE sellers.snapshot_at <= $7",
                )
                .bind(s.user_id)
                .bind(s.seller_id)
                .bind(s.username)
                .bind(s.full_name)
                .bind(s.profile_picture_url)
                .bind(s.country)
                .bind(s.at)
                .execute(conn)
                .await?;
            }
            Self::Review(review) => {
                let star = format!("stars_{}", review.rating);
                sqlx::query(&format!(
                    "UPDATE gigs SET rating_count = rating_count + 1, rating_sum = rating_sum + $2, \
                     {star} = {star} + 1 WHERE id = $1"
                ))
                .bind(review.gig_id)
                .bind(i64::from(review.rating))
                .execute(&mut *conn)
                .await?;
                sqlx::query(
                    "UPDATE sellers SET rating_count = rating_count + 1, rating_sum = rating_sum + $2 \
                     WHERE user_id = $1",
                )
                .bind(review.reviewee_user_id)
                .bind(i64::from(review.rating))
                .execute(conn)
                .await?;
            }
        }
        Ok(())
    }
}

impl EventHandler for GigsHandler {
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        match Effect::of(envelope)? {
            Some(effect) => apply_once(&self.pool, NAME, envelope, effect).await,
            None => Ok(()),
        }
    }
}
