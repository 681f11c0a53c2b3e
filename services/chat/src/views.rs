//! What chat answers and pushes: conversations, messages, offers and read marks as clients see
//! them, built from the stored documents and the directory.

use std::collections::HashMap;

use mercato_common::events::catalog::Money;
use mercato_common::openapi::{Id, Timestamp};
use mongodb::bson::DateTime;
use serde::Serialize;

use crate::store::{
    AttachmentDoc, ConversationDoc, GigDoc, MessageDoc, OfferDoc, OfferStatus, PersonDoc,
};

/// RFC 3339 text of a stored time.
pub fn rfc3339(at: DateTime) -> String {
    at.try_to_rfc3339_string().unwrap_or_default()
}

/// A user as chat shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonSummary {
    #[schema(value_type = Id)]
    pub user_id: String,
    pub username: String,
    /// The seller's full name, or the username.
    pub display_name: String,
    pub picture_url: Option<String>,
}

impl PersonSummary {
    /// `id` as the directory knows them (a bare id when it does not yet).
    pub fn of(id: &str, people: &HashMap<String, PersonDoc>) -> Self {
        let person = people.get(id);
        let username = person.and_then(|p| p.username.clone()).unwrap_or_default();
        Self {
            user_id: id.to_owned(),
            display_name: person
                .and_then(|p| p.display_name.clone())
                .unwrap_or_else(|| username.clone()),
            username,
            picture_url: person.and_then(|p| p.picture_url.clone()),
        }
    }
}

/// The gig a conversation or an offer is about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GigRef {
    #[schema(value_type = Id)]
    pub id: String,
    pub title: String,
}

/// The last message of a conversation, for the inbox.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LastMessageView {
    pub seq: i64,
    #[schema(value_type = Id)]
    pub sender_id: String,
    /// The start of its text, or what it carries.
    pub preview: String,
    #[schema(value_type = Timestamp)]
    pub sent_at: String,
}

/// A conversation, as one of its two participants sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConversationView {
    #[schema(value_type = Id)]
    pub id: String,
    /// The other participant.
    pub partner: PersonSummary,
    /// The gig it is about.
    pub gig: Option<GigRef>,
    pub last_message: Option<LastMessageView>,
    /// The number of the last message (0 before the first).
    pub last_seq: i64,
    /// The partner's messages the caller has not read.
    #[schema(minimum = 0)]
    pub unread_count: i64,
    /// Up to which message the caller has read.
    pub read_up_to: i64,
    /// Up to which message the partner has read.
    pub partner_read_up_to: i64,
    #[schema(value_type = Timestamp)]
    pub created_at: String,
    #[schema(value_type = Timestamp)]
    pub last_activity_at: String,
}

impl ConversationView {
    /// `conversation` as `viewer` sees it.
    pub fn of(
        conversation: &ConversationDoc,
        viewer: &str,
        people: &HashMap<String, PersonDoc>,
        gigs: &HashMap<String, GigDoc>,
    ) -> Self {
        let partner = conversation.partner_of(viewer);
        Self {
            id: conversation.id.clone(),
            partner: PersonSummary::of(partner, people),
            gig: conversation.gig_id.as_ref().map(|id| GigRef {
                id: id.clone(),
                title: gigs.get(id).map(|g| g.title.clone()).unwrap_or_default(),
            }),
            last_message: conversation
                .last_message
                .as_ref()
                .map(|last| LastMessageView {
                    seq: last.seq,
                    sender_id: last.sender_id.clone(),
                    preview: last.preview.clone(),
                    sent_at: rfc3339(last.sent_at),
                }),
            last_seq: conversation.last_seq,
            unread_count: conversation.unread.get(viewer).copied().unwrap_or(0),
            read_up_to: conversation.read_up_to.get(viewer).copied().unwrap_or(0),
            partner_read_up_to: conversation.read_up_to.get(partner).copied().unwrap_or(0),
            created_at: rfc3339(conversation.created_at),
            last_activity_at: rfc3339(conversation.last_activity_at),
        }
    }
}

/// A page of the inbox, newest activity first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub items: Vec<ConversationView>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[schema(value_type = Option<mercato_common::openapi::Cursor>)]
    pub next_cursor: Option<String>,
}

/// A file sent in a conversation, with a link that reads it for a while.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub key: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    /// A presigned link to download it, valid until `url_expires_at`.
    pub url: String,
    #[schema(value_type = Timestamp)]
    pub url_expires_at: String,
}

impl AttachmentView {
    /// `attachment` with the download link `url`.
    pub fn of(attachment: &AttachmentDoc, url: String, expires_at: String) -> Self {
        Self {
            key: attachment.key.clone(),
            name: attachment.name.clone(),
            size: attachment.size,
            content_type: attachment.content_type.clone(),
            url,
            url_expires_at: expires_at,
        }
    }
}

/// A custom offer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    #[schema(value_type = Id)]
    pub id: String,
    #[schema(value_type = Id)]
    pub conversation_id: String,
    pub gig: GigRef,
    #[schema(value_type = Id)]
    pub seller_id: String,
    #[schema(value_type = Id)]
    pub buyer_id: String,
    pub description: String,
    pub price: Money,
    pub delivery_days: i32,
    #[schema(value_type = Timestamp)]
    pub expires_at: String,
    /// `expired` when it passed its expiry while pending.
    pub status: OfferStatus,
    #[schema(value_type = Timestamp)]
    pub created_at: String,
    #[schema(value_type = Timestamp)]
    pub updated_at: String,
}

impl OfferView {
    /// `offer` as of now.
    pub fn of(offer: &OfferDoc) -> Self {
        Self {
            id: offer.id.clone(),
            conversation_id: offer.conversation_id.clone(),
            gig: GigRef {
                id: offer.gig_id.clone(),
                title: offer.gig_title.clone(),
            },
            seller_id: offer.seller_id.clone(),
            buyer_id: offer.buyer_id.clone(),
            description: offer.description.clone(),
            price: Money {
                amount: offer.price,
                currency: offer.currency.clone(),
            },
            delivery_days: offer.delivery_days,
            expires_at: rfc3339(offer.expires_at),
            status: offer.status_at(DateTime::now()),
            created_at: rfc3339(offer.created_at),
            updated_at: rfc3339(offer.updated_at),
        }
    }
}

/// A message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    #[schema(value_type = Id)]
    pub id: String,
    #[schema(value_type = Id)]
    pub conversation_id: String,
    /// Its number in the conversation, from 1, in the order they were sent.
    pub seq: i64,
    #[schema(value_type = Id)]
    pub sender_id: String,
    pub body: String,
    pub attachment: Option<AttachmentView>,
    pub offer: Option<OfferView>,
    #[schema(value_type = Timestamp)]
    pub sent_at: String,
}

impl MessageView {
    /// `message` with its attachment's view and its offer.
    pub fn of(
        message: &MessageDoc,
        attachment: Option<AttachmentView>,
        offer: Option<&OfferDoc>,
    ) -> Self {
        Self {
            id: message.id.clone(),
            conversation_id: message.conversation_id.clone(),
            seq: message.seq,
            sender_id: message.sender_id.clone(),
            body: message.body.clone(),
            attachment,
            offer: offer.map(OfferView::of),
            sent_at: rfc3339(message.sent_at),
        }
    }
}

/// Messages of a conversation, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessagePage {
    pub items: Vec<MessageView>,
    /// Whether there are more in the direction asked (older with `before`, newer with `after`).
    pub has_more: bool,
}

/// Where a participant's reading stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReadMark {
    #[schema(value_type = Id)]
    pub conversation_id: String,
    #[schema(value_type = Id)]
    pub reader_id: String,
    pub read_up_to: i64,
    /// The reader's unread count now.
    #[schema(minimum = 0)]
    pub unread_count: i64,
}

/// `message:updated`: a read mark moved, or an offer changed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MessageUpdate {
    /// The reader read up to a message.
    Read(ReadMark),
    /// An offer was accepted, declined or withdrawn.
    Offer {
        conversation_id: String,
        offer: Box<OfferView>,
    },
}
