//! What reviews learns from other services' events: people (names, addresses, pictures),
//! seller profiles (the id a seller's page names), and completed orders, the only source of
//! who may review whom. Each effect commits with its inbox entry, so a redelivered event
//! changes nothing.

use mercato_common::events::catalog::{
    OrderCompleted, SellerCreated, SellerUpdated, UserRegistered,
};
use mercato_common::events::postgres::{self, apply_once};
use mercato_common::events::{Envelope, Event, EventHandler, HandlerError};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::NAME;

/// Applies the events of the catalog that reviews consumes.
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

/// A seller profile as either seller event carries it.
struct SellerProfile {
    seller_id: Uuid,
    user_id: Uuid,
    picture_url: Option<String>,
}

/// A seller's profile from either seller event (both carry the same fields).
macro_rules! profile {
    ($s:expr) => {
        SellerProfile {
            seller_id: $s.seller_id,
            user_id: $s.user_id,
            picture_url: $s.profile_picture_url,
        }
    };
}

/// What one event changes.
enum Effect {
    Person(UserRegistered),
    Seller(SellerProfile, chrono::DateTime<chrono::Utc>),
    Completed(OrderCompleted),
}

impl Effect {
    fn of(envelope: &Envelope) -> Result<Option<Self>, HandlerError> {
        Ok(Some(match envelope.event_type.as_str() {
            UserRegistered::TYPE => Self::Person(envelope.decode()?),
            SellerCreated::TYPE => Self::Seller(
                profile!(envelope.decode::<SellerCreated>()?),
                envelope.occurred_at,
            ),
            SellerUpdated::TYPE => Self::Seller(
                profile!(envelope.decode::<SellerUpdated>()?),
                envelope.occurred_at,
            ),
            OrderCompleted::TYPE => Self::Completed(envelope.decode()?),
            _ => return Ok(None),
        }))
    }
}

impl postgres::Effect for Effect {
    async fn apply(self, conn: &mut PgConnection) -> sqlx::Result<()> {
        match self {
            Self::Person(p) => {
                sqlx::query(
                    "INSERT INTO people (user_id, username, email, picture_url) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_id) DO UPDATE SET username = $2, email = $3, picture_url = $4",
                )
                .bind(p.user_id)
                .bind(p.username)
                .bind(p.email)
                .bind(p.profile_picture_url)
                .execute(conn)
                .await?;
            }
            Self::Seller(s, at) => {
                sqlx::query(
                    "INSERT INTO sellers (seller_id, user_id, picture_url, snapshot_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (seller_id) DO UPDATE \
                     SET picture_url = $3, snapshot_at = $4 WHERE sellers.snapshot_at <= $4",
                )
                .bind(s.seller_id)
                .bind(s.user_id)
                .bind(s.picture_url)
                .bind(at)
                .execute(conn)
                .await?;
            }
            Self::Completed(o) => {
                sqlx::query(
                    "INSERT INTO completed_orders (order_id, gig_id, gig_title, buyer_user_id, \
                     seller_user_id, completed_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (order_id) DO NOTHING",
                )
                .bind(o.order_id)
                .bind(o.gig_id)
                .bind(o.gig_title)
                .bind(o.buyer_user_id)
                .bind(o.seller_user_id)
                .bind(o.completed_at)
                .execute(conn)
                .await?;
            }
        }
        Ok(())
    }
}

impl EventHandler for DirectoryHandler {
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        match Effect::of(envelope)? {
            Some(effect) => apply_once(&self.pool, NAME, envelope, effect).await,
            None => Ok(()),
        }
    }
}
