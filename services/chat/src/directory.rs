//! Chat's directory of users and gigs, kept from events: who a username is, the name and
//! picture to show beside their messages, where to email them, and which gigs are whose.
//!
//! Each event's effect and its inbox entry commit in one transaction, so a redelivery changes
//! nothing. Effects `$set` what the event carries: a seller's name wins over the username
//! whatever order the events come in, and a deleted gig stays deleted.

use mercato_common::events::catalog::{
    GigCreated, GigDeleted, GigUpdated, SellerCreated, SellerUpdated, UserRegistered,
};
use mercato_common::events::mongo::apply_once;
use mercato_common::events::{Envelope, Event, EventHandler, HandlerError};
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use crate::NAME;
use crate::store::Store;

/// Applies the events chat consumes to its directory.
#[derive(Debug, Clone)]
pub struct DirectoryHandler {
    store: Store,
}

impl DirectoryHandler {
    /// A handler writing to `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// One upsert: the collection, the document's id, the update.
struct Change {
    collection: &'static str,
    id: String,
    update: Document,
}

fn seller(user_id: uuid::Uuid, username: &str, full_name: &str, picture: Option<&str>) -> Change {
    Change {
        collection: "people",
        id: user_id.to_string(),
        update: doc! {"$set": {
            "username": username,
            "username_lower": username.to_lowercase(),
            "display_name": full_name,
            "picture_url": picture,
        }},
    }
}

fn gig(id: uuid::Uuid, seller: uuid::Uuid, title: &str, currency: &str, active: bool) -> Change {
    Change {
        collection: "gigs",
        id: id.to_string(),
        update: doc! {
            "$set": {"seller_user_id": seller.to_string(), "title": title, "currency": currency, "active": active},
            "$setOnInsert": {"deleted": false},
        },
    }
}

impl Change {
    fn of(envelope: &Envelope) -> Result<Option<Self>, HandlerError> {
        Ok(Some(match envelope.event_type.as_str() {
            UserRegistered::TYPE => {
                let user: UserRegistered = envelope.decode()?;
                Self {
                    collection: "people",
                    id: user.user_id.to_string(),
                    update: doc! {
                        "$set": {
                            "username": &user.username,
                            "username_lower": user.username.to_lowercase(),
                            "email": &user.email,
                        },
                        // A seller's name and picture, if their event came first, stay.
                        "$setOnInsert": {
                            "display_name": &user.username,
                            "picture_url": user.profile_picture_url.as_deref(),
                        },
                    },
                }
            }
            SellerCreated::TYPE => {
                let s: SellerCreated = envelope.decode()?;
                seller(
                    s.user_id,
                    &s.username,
                    &s.full_name,
                    s.profile_picture_url.as_deref(),
                )
            }
            SellerUpdated::TYPE => {
                let s: SellerUpdated = envelope.decode()?;
                seller(
                    s.user_id,
                    &s.username,
                    &s.full_name,
                    s.profile_picture_url.as_deref(),
                )
            }
            GigCreated::TYPE => {
                let g: GigCreated = envelope.decode()?;
                gig(
                    g.gig_id,
                    g.seller_user_id,
                    &g.title,
                    &g.price.currency,
                    g.active,
                )
            }
            GigUpdated::TYPE => {
                let g: GigUpdated = envelope.decode()?;
                gig(
                    g.gig_id,
                    g.seller_user_id,
                    &g.title,
                    &g.price.currency,
                    g.active,
                )
            }
            GigDeleted::TYPE => {
                let g: GigDeleted = envelope.decode()?;
                Self {
                    collection: "gigs",
                    id: g.gig_id.to_string(),
                    update: doc! {
                        "$set": {"deleted": true, "active": false},
                        "$setOnInsert": {
                            "seller_user_id": g.seller_user_id.to_string(),
                            "title": "",
                            "currency": "USD",
                        },
                    },
                }
            }
            _ => return Ok(None),
        }))
    }
}

impl EventHandler for DirectoryHandler {
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        // Decode first: a malformed event is rejected before any transaction starts.
        let Some(change) = Change::of(envelope)? else {
            return Ok(());
        };
        let store = &self.store;
        let is_gig_snapshot =
            envelope.event_type == GigCreated::TYPE || envelope.event_type == GigUpdated::TYPE;
        apply_once(
            &store.client,
            &store.db,
            NAME,
            envelope,
            &Upsert {
                store,
                change,
                spare_deleted: is_gig_snapshot,
            },
        )
        .await
    }
}

/// One change, written to the directory.
struct Upsert<'a> {
    store: &'a Store,
    change: Change,
    /// Leave a deleted document alone (a late gig snapshot never revives a deleted gig).
    spare_deleted: bool,
}

impl mercato_common::events::mongo::Effect for Upsert<'_> {
    async fn apply(&self, session: &mut ClientSession) -> mongodb::error::Result<()> {
        let collection = self.store.db.collection::<Document>(self.change.collection);
        let id = &self.change.id;
        if self.spare_deleted
            && collection
                .find_one(doc! {"_id": id, "deleted": true})
                .session(&mut *session)
                .await?
                .is_some()
        {
            return Ok(());
        }
        collection
            .update_one(doc! {"_id": id}, self.change.update.clone())
            .upsert(true)
            .session(&mut *session)
            .await?;
        Ok(())
    }
}
