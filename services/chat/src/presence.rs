//! Presence: when a gateway reports that a user came online or went offline, chat tells that
//! user's conversation partners, and nobody else.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use mercato_common::realtime::PresenceChange;
use mercato_common::realtime::hub::{Hub, PresenceHandler};
use mongodb::bson::doc;
use uuid::Uuid;

use crate::store::Store;

/// The most partners one change is sent to (the most recent conversations first).
const MAX_PARTNERS: i64 = 1_000;

/// The handler the hub calls for each presence change.
pub fn handler(store: Store, hub: std::sync::Arc<std::sync::OnceLock<Hub>>) -> PresenceHandler {
    std::sync::Arc::new(move |change: PresenceChange| {
        let store = store.clone();
        let hub = hub.clone();
        Box::pin(async move {
            let Some(hub) = hub.get() else {
                return;
            };
            match partners_of(&store, change.user_id).await {
                Ok(partners) if !partners.is_empty() => {
                    hub.deliver(&partners, "presence", &change).await;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "cannot find whom to tell of a presence change")
                }
            }
        })
    })
}

/// The users `user_id` has a conversation with.
async fn partners_of(store: &Store, user_id: Uuid) -> mongodb::error::Result<Vec<Uuid>> {
    let me = user_id.to_string();
    let conversations: Vec<crate::store::ConversationDoc> = store
        .conversations()
        .find(doc! {"participants": &me})
        .sort(doc! {"last_activity_at": -1})
        .limit(MAX_PARTNERS)
        .await?
        .try_collect()
        .await?;
    let partners: BTreeSet<Uuid> = conversations
        .iter()
        .filter_map(|c| Uuid::parse_str(c.partner_of(&me)).ok())
        .collect();
    Ok(partners.into_iter().collect())
}
