//! The events the users service consumes, and their effects.
//!
//! Each event's effect and its inbox entry commit in one MongoDB transaction. Effects only
//! `$inc`, `$max` or `$set` values the event itself carries, so applying them in any order
//! gives the same totals, and the inbox makes a redelivery a no-op.

use mercato_common::events::catalog::{
    GigCreated, GigDeleted, OrderCancelled, OrderCompleted, OrderDelivered, OrderPlaced,
    ReviewCreated, ReviewDirection, UserEmailVerified, UserRegistered,
};
use mercato_common::events::mongo::apply_once;
use mercato_common::events::{Envelope, Event, EventHandler, HandlerError};
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use crate::NAME;
use crate::store::Store;

/// Applies the events of the catalog that users consumes.
#[derive(Debug, Clone)]
pub struct UsersHandler {
    store: Store,
}

impl UsersHandler {
    /// A handler writing to `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// A currency code safe to use in a field path.
fn currency_key(code: &str) -> Result<String, HandlerError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(format!("earnings.{code}"))
    } else {
        Err(HandlerError::Reject(format!("invalid currency {code:?}")))
    }
}

const STARS: [&str; 5] = ["one", "two", "three", "four", "five"];

impl EventHandler for UsersHandler {
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        // Decode first: a malformed event is rejected before any transaction starts.
        let effect = Effect::of(envelope)?;
        let store = &self.store;
        apply_once(
            &store.client,
            &store.db,
            NAME,
            envelope,
            &InStore { store, effect },
        )
        .await
    }
}

/// An event's change to the users store.
struct InStore<'a> {
    store: &'a Store,
    effect: Effect,
}

impl mercato_common::events::mongo::Effect for InStore<'_> {
    fn apply<'s>(
        &'s self,
        session: &'s mut ClientSession,
    ) -> impl Future<Output = mongodb::error::Result<()>> + Send + 's {
        self.effect.apply(self.store, session)
    }
}

/// What one event changes.
enum Effect {
    Registered(UserRegistered),
    Verified(UserEmailVerified),
    /// `(user id, update)` pairs for the stats collection.
    Stats(Vec<(String, Document)>),
    /// An event users is bound to but that changes nothing here.
    Nothing,
}

impl Effect {
    fn of(envelope: &Envelope) -> Result<Self, HandlerError> {
        Ok(match envelope.event_type.as_str() {
            UserRegistered::TYPE => Self::Registered(envelope.decode()?),
            UserEmailVerified::TYPE => Self::Verified(envelope.decode()?),
            GigCreated::TYPE => {
                let gig: GigCreated = envelope.decode()?;
                Self::Stats(vec![(
                    gig.seller_user_id.to_string(),
                    doc! {"$inc": {"total_gigs": 1}},
                )])
            }
            GigDeleted::TYPE => {
                let gig: GigDeleted = envelope.decode()?;
                Self::Stats(vec![(
                    gig.seller_user_id.to_string(),
                    doc! {"$inc": {"total_gigs": -1}},
                )])
            }
            OrderPlaced::TYPE => {
                let order: OrderPlaced = envelope.decode()?;
                Self::Stats(vec![
                    (
                        order.seller_user_id.to_string(),
                        doc! {"$inc": {"ongoing_jobs": 1}},
                    ),
                    (
                        order.buyer_user_id.to_string(),
                        doc! {"$inc": {format!("purchased.{}", order.gig_id): 1}},
                    ),
                ])
            }
            OrderDelivered::TYPE => {
                let order: OrderDelivered = envelope.decode()?;
                Self::Stats(vec![(
                    order.seller_user_id.to_string(),
                    doc! {"$max": {"recent_delivery": order.delivered_at.to_rfc3339()}},
                )])
            }
            OrderCompleted::TYPE => {
                let order: OrderCompleted = envelope.decode()?;
                let earnings = currency_key(&order.earnings.currency)?;
                Self::Stats(vec![(
                    order.seller_user_id.to_string(),
                    doc! {
                        "$inc": {"ongoing_jobs": -1, "completed_jobs": 1, earnings: order.earnings.amount},
                        "$max": {"recent_delivery": order.delivered_at.to_rfc3339()},
                    },
                )])
            }
            OrderCancelled::TYPE => {
                let order: OrderCancelled = envelope.decode()?;
                Self::Stats(vec![
                    (
                        order.seller_user_id.to_string(),
                        doc! {"$inc": {"ongoing_jobs": -1, "cancelled_jobs": 1}},
                    ),
                    (
                        order.buyer_user_id.to_string(),
                        doc! {"$inc": {format!("purchased.{}", order.gig_id): -1}},
                    ),
                ])
            }
            ReviewCreated::TYPE => {
                let review: ReviewCreated = envelope.decode()?;
                if !(1..=5).contains(&review.rating) {
                    return Err(HandlerError::Reject(format!(
                        "rating {} is not 1 to 5",
                        review.rating
                    )));
                }
                match review.direction {
                    ReviewDirection::BuyerToSeller => {
                        let star = format!("stars.{}", STARS[usize::from(review.rating - 1)]);
                        Self::Stats(vec![(
                            review.reviewee_user_id.to_string(),
                            doc! {"$inc": {"rating_count": 1, "rating_sum": i64::from(review.rating), star: 1}},
                        )])
                    }
                    ReviewDirection::SellerToBuyer => {
                        let star = format!("buyer_stars.{}", STARS[usize::from(review.rating - 1)]);
                        Self::Stats(vec![(
                            review.reviewee_user_id.to_string(),
                            doc! {"$inc": {"buyer_rating_count": 1, "buyer_rating_sum": i64::from(review.rating), star: 1}},
                        )])
                    }
                }
            }
            _ => Self::Nothing,
        })
    }

    #[tracing::instrument(skip_all, err)]
    async fn apply(
        &self,
        store: &Store,
        session: &mut ClientSession,
    ) -> mongodb::error::Result<()> {
        match self {
            Self::Registered(user) => {
                let mut set = doc! {
                    "username": &user.username,
                    "username_lower": user.username.to_lowercase(),
                    "email": &user.email,
                    "country": &user.country,
                    "profile_picture_url": user.profile_picture_url.as_deref(),
                    "registered_at": user.registered_at.to_rfc3339(),
                };
                let mut update = doc! {};
                if user.email_verified {
                    set.insert("email_verified", true);
                } else {
                    // Never undo a verification that arrived first.
                    update.insert("$setOnInsert", doc! {"email_verified": false});
                }
                update.insert("$set", set);
                store
                    .buyers()
                    .update_one(doc! {"_id": user.user_id.to_string()}, update)
                    .upsert(true)
                    .session(&mut *session)
                    .await?;
            }
            Self::Verified(verified) => {
                store
                    .buyers()
                    .update_one(
                        doc! {"_id": verified.user_id.to_string()},
                        doc! {"$set": {"email_verified": true}},
                    )
                    .upsert(true)
                    .session(&mut *session)
                    .await?;
            }
            Self::Stats(updates) => {
                for (user_id, update) in updates {
                    store.bump(session, user_id, update.clone()).await?;
                }
            }
            Self::Nothing => {}
        }
        Ok(())
    }
}
