//! Where chat keeps its data (MongoDB).
//!
//! - `conversations`: one per pair of users and gig (`pair_key` is unique, so concurrent
//!   creations make one), with the per-participant read marks, unread counts and the time of
//!   the last "you have a new message" email, and `last_seq`, the number of the last message.
//! - `messages`: numbered per conversation (`seq`, unique with the conversation). A send takes
//!   the next number by incrementing `last_seq` inside its transaction; two sends to one
//!   conversation conflict on that document and run one after the other, so numbers are given
//!   in commit order and a page read with `after=` never misses a message committed later.
//! - `offers`: custom offers, each also a message of its conversation.
//! - `people` and `gigs`: chat's own directory, fed by `user.*`, `seller.*` and `gig.*` events,
//!   so it shows names and checks offers without calling another service.

use std::collections::HashMap;

use mongodb::bson::{DateTime, doc};
use mongodb::options::IndexOptions;
use mongodb::{Client, ClientSession, Collection, Database, IndexModel};
use serde::{Deserialize, Serialize};

/// The user ids among `ids` (stored ids are UUID text; anything else is left out).
pub fn user_ids<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<uuid::Uuid> {
    ids.into_iter()
        .filter_map(|id| uuid::Uuid::parse_str(id).ok())
        .collect()
}

/// A conversation, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConversationDoc {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// `<lower user id>:<higher user id>:<gig id or ->`: unique.
    pub pair_key: String,
    /// The two user ids, lower first.
    pub participants: Vec<String>,
    /// The gig it is about, if any.
    #[serde(default)]
    pub gig_id: Option<String>,
    /// When it was opened.
    pub created_at: DateTime,
    /// When it was opened or last written in: the inbox's order.
    pub last_activity_at: DateTime,
    /// The `seq` of its last message (0 before the first).
    #[serde(default)]
    pub last_seq: i64,
    /// Its last message, for the inbox.
    #[serde(default)]
    pub last_message: Option<LastMessage>,
    /// Per user id: how many of the partner's messages they have not read.
    #[serde(default)]
    pub unread: HashMap<String, i64>,
    /// Per user id: the `seq` up to which they have read.
    #[serde(default)]
    pub read_up_to: HashMap<String, i64>,
    /// Per user id: when they were last emailed about a message here.
    #[serde(default)]
    pub emailed_at: HashMap<String, DateTime>,
}

impl ConversationDoc {
    /// The participant who is not `user_id`.
    pub fn partner_of(&self, user_id: &str) -> &str {
        self.participants
            .iter()
            .find(|p| p.as_str() != user_id)
            .map_or("", String::as_str)
    }
}

/// The inbox's summary of a conversation's last message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastMessage {
    /// Its number.
    pub seq: i64,
    /// Who sent it.
    pub sender_id: String,
    /// The start of its text, or what it carries (`[attachment] name`, `[offer] ...`).
    pub preview: String,
    /// When.
    pub sent_at: DateTime,
}

/// A message, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageDoc {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// Its number in the conversation, from 1.
    pub seq: i64,
    /// Who sent it.
    pub sender_id: String,
    /// Its text (may be empty when it carries an attachment or an offer).
    pub body: String,
    /// A file sent with it.
    #[serde(default)]
    pub attachment: Option<AttachmentDoc>,
    /// The custom offer it carries.
    #[serde(default)]
    pub offer_id: Option<String>,
    /// When it was sent.
    pub sent_at: DateTime,
}

/// A file sent in a conversation: the object's key and what the storage says of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachmentDoc {
    /// The object's key (private bucket).
    pub key: String,
    /// The file name shown.
    pub name: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its content type.
    pub content_type: String,
}

/// Where a custom offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// The buyer may accept or decline it until it expires; the seller may withdraw it.
    Pending,
    /// The buyer accepted it: an order can be placed from it.
    Accepted,
    /// The buyer declined it.
    Declined,
    /// The seller withdrew it.
    Withdrawn,
    /// It passed its expiry while pending (shown, never stored).
    Expired,
}

impl OfferStatus {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
        }
    }
}

/// A custom offer, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfferDoc {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// The message that carries it.
    pub message_seq: i64,
    /// The gig it is based on.
    pub gig_id: String,
    /// The gig's title when the offer was made.
    pub gig_title: String,
    /// The seller who made it.
    pub seller_id: String,
    /// The buyer it was made to.
    pub buyer_id: String,
    /// What the seller offers.
    pub description: String,
    /// The price in cents.
    pub price: i64,
    /// The price's currency.
    pub currency: String,
    /// Days to deliver.
    pub delivery_days: i32,
    /// Until when the buyer can accept it.
    pub expires_at: DateTime,
    /// Where it stands (never `expired`: that is read off `expires_at`).
    pub status: OfferStatus,
    /// When it was made.
    pub created_at: DateTime,
    /// When its status last changed.
    pub updated_at: DateTime,
}

impl OfferDoc {
    /// Its status as of `now`: a pending offer past its expiry is expired.
    pub fn status_at(&self, now: DateTime) -> OfferStatus {
        if self.status == OfferStatus::Pending && self.expires_at <= now {
            OfferStatus::Expired
        } else {
            self.status
        }
    }
}

/// A user, as chat knows them from events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PersonDoc {
    /// The user id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Username.
    #[serde(default)]
    pub username: Option<String>,
    /// Lower-cased username, for lookups.
    #[serde(default)]
    pub username_lower: Option<String>,
    /// The name shown: the seller's full name once they are a seller.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Picture.
    #[serde(default)]
    pub picture_url: Option<String>,
    /// Where emails go (never shown).
    #[serde(default)]
    pub email: Option<String>,
}

/// A gig, as chat knows it from events: enough to check and describe an offer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GigDoc {
    /// The gig id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its seller's account.
    pub seller_user_id: String,
    /// Title.
    pub title: String,
    /// The price's currency.
    pub currency: String,
    /// Whether buyers can order it.
    pub active: bool,
    /// Whether it was deleted.
    #[serde(default)]
    pub deleted: bool,
}

/// The service's collections.
#[derive(Debug, Clone)]
pub struct Store {
    /// The client, for sessions.
    pub client: Client,
    /// The database.
    pub db: Database,
}

impl Store {
    /// The store in `db`.
    pub fn new(client: Client, db: Database) -> Self {
        Self { client, db }
    }

    /// Conversations.
    pub fn conversations(&self) -> Collection<ConversationDoc> {
        self.db.collection("conversations")
    }

    /// Messages.
    pub fn messages(&self) -> Collection<MessageDoc> {
        self.db.collection("messages")
    }

    /// Custom offers.
    pub fn offers(&self) -> Collection<OfferDoc> {
        self.db.collection("offers")
    }

    /// The directory of users.
    pub fn people(&self) -> Collection<PersonDoc> {
        self.db.collection("people")
    }

    /// The directory of gigs.
    pub fn gigs(&self) -> Collection<GigDoc> {
        self.db.collection("gigs")
    }

    /// Creates the service's own indexes (idempotent).
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let unique = || IndexOptions::builder().unique(true).build();
        self.conversations()
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"pair_key": 1})
                    .options(unique())
                    .build(),
            )
            .await?;
        self.conversations()
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"participants": 1, "last_activity_at": -1, "_id": -1})
                    .build(),
            )
            .await?;
        self.messages()
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"conversation_id": 1, "seq": 1})
                    .options(unique())
                    .build(),
            )
            .await?;
        self.people()
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"username_lower": 1})
                    .build(),
            )
            .await?;
        Ok(())
    }

    /// Starts a session with a transaction.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn begin(&self) -> mongodb::error::Result<ClientSession> {
        let mut session = self.client.start_session().await?;
        session.start_transaction().await?;
        Ok(session)
    }

    /// Which of `keys` a message carries (the uploads clean-up keeps them).
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn attachments_in_use(
        &self,
        keys: Vec<String>,
    ) -> anyhow::Result<std::collections::HashSet<String>> {
        use futures_util::TryStreamExt;
        let used: Vec<MessageDoc> = self
            .messages()
            .find(doc! {"attachment.key": {"$in": keys}})
            .await?
            .try_collect()
            .await?;
        Ok(used
            .into_iter()
            .filter_map(|message| message.attachment.map(|a| a.key))
            .collect())
    }

    /// The people with these ids that chat knows, by id.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn people_by_id(
        &self,
        ids: Vec<String>,
    ) -> mongodb::error::Result<HashMap<String, PersonDoc>> {
        use futures_util::TryStreamExt;
        let people: Vec<PersonDoc> = self
            .people()
            .find(doc! {"_id": {"$in": ids}})
            .await?
            .try_collect()
            .await?;
        Ok(people.into_iter().map(|p| (p.id.clone(), p)).collect())
    }
}
