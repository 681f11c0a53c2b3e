//! The v1 event payloads, each tied to its type in the catalog.
//!
//! [`CATALOG`] (from `mercato-topology`, shared with the operator) says which service publishes
//! and which consumes each event type; queue bindings ([`consumed_by`]) and the operator's
//! examples are derived from it. Add an optional field to a payload freely; change one
//! incompatibly only as a new `v2` type.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::envelope::Event;

/// An amount of money in minor units (cents) of a currency; never floating point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// Minor units, e.g. 2500 for 25.00.
    pub amount: i64,
    /// ISO 4217 code, e.g. `USD`.
    #[schema(pattern = "^[A-Z]{3}$", min_length = 3, max_length = 3)]
    pub currency: String,
}

pub use mercato_topology::catalog::{
    CATALOG, CatalogEntry, SERVICES, consumed_by, entry, published_by, types,
};

macro_rules! event_types {
    ($($payload:ident => $type:ident,)*) => {
        $(impl Event for $payload {
            const TYPE: &'static str = types::$type;
        })*
    };
}

event_types! {
    UserRegistered => USER_REGISTERED,
    UserEmailVerified => USER_EMAIL_VERIFIED,
    EmailRequested => EMAIL_REQUESTED,
    SellerCreated => SELLER_CREATED,
    SellerUpdated => SELLER_UPDATED,
    GigCreated => GIG_CREATED,
    GigUpdated => GIG_UPDATED,
    GigDeleted => GIG_DELETED,
    OfferSent => OFFER_SENT,
    OfferAccepted => OFFER_ACCEPTED,
    OfferDeclined => OFFER_DECLINED,
    OrderPlaced => ORDER_PLACED,
    OrderExtensionRequested => ORDER_EXTENSION_REQUESTED,
    OrderExtensionResolved => ORDER_EXTENSION_RESOLVED,
    OrderDelivered => ORDER_DELIVERED,
    OrderCompleted => ORDER_COMPLETED,
    OrderCancelled => ORDER_CANCELLED,
    ReviewCreated => REVIEW_CREATED,
}

/// A new account exists (auth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRegistered {
    /// The account's id.
    pub user_id: Uuid,
    /// Its username.
    pub username: String,
    /// Its normalised email address.
    pub email: String,
    /// ISO 3166 alpha-2 country code.
    pub country: String,
    /// Profile picture URL, if given.
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    /// Whether the email was already verified.
    #[serde(default)]
    pub email_verified: bool,
    /// When the account was created.
    pub registered_at: DateTime<Utc>,
}

/// An account verified its email address (auth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEmailVerified {
    /// The account's id.
    pub user_id: Uuid,
    /// When it was verified.
    pub verified_at: DateTime<Utc>,
}

/// Send an email (only the notifications service consumes these, so links with secrets in
/// them reach no other queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailRequested {
    /// The recipient's address.
    pub to: String,
    /// The template id, e.g. `verify_email`.
    pub template: String,
    /// BCP 47 language tag, e.g. `en`.
    #[serde(default = "default_locale")]
    pub locale: String,
    /// The template's variables.
    pub vars: serde_json::Map<String, serde_json::Value>,
}

fn default_locale() -> String {
    "en".to_owned()
}

/// A user became a seller (users).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerCreated {
    /// The seller profile's id.
    pub seller_id: Uuid,
    /// The account behind it.
    pub user_id: Uuid,
    /// The account's username.
    pub username: String,
    /// Full name shown on gigs.
    pub full_name: String,
    /// Profile picture URL, if any.
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    /// ISO 3166 alpha-2 country code.
    #[serde(default)]
    pub country: Option<String>,
}

/// A seller edited their profile (users); carries the fields other services snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerUpdated {
    /// The seller profile's id.
    pub seller_id: Uuid,
    /// The account behind it.
    pub user_id: Uuid,
    /// The account's username.
    pub username: String,
    /// Full name shown on gigs.
    pub full_name: String,
    /// Profile picture URL, if any.
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    /// ISO 3166 alpha-2 country code.
    #[serde(default)]
    pub country: Option<String>,
}

/// A gig was listed (gigs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GigCreated {
    /// The gig's id.
    pub gig_id: Uuid,
    /// Its seller profile.
    pub seller_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// Title.
    pub title: String,
    /// Category.
    pub category: String,
    /// Price of the basic package.
    pub price: Money,
    /// Days to deliver.
    pub delivery_days: u32,
    /// Whether buyers can order it.
    pub active: bool,
}

/// A gig changed (gigs); the whole snapshot, so consumers can replace theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GigUpdated {
    /// The gig's id.
    pub gig_id: Uuid,
    /// Its seller profile.
    pub seller_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// Title.
    pub title: String,
    /// Category.
    pub category: String,
    /// Price of the basic package.
    pub price: Money,
    /// Days to deliver.
    pub delivery_days: u32,
    /// Whether buyers can order it.
    pub active: bool,
}

/// A gig was deleted (gigs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GigDeleted {
    /// The gig's id.
    pub gig_id: Uuid,
    /// Its seller profile.
    pub seller_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
}

/// A seller sent a buyer a custom offer in a conversation (chat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferSent {
    /// The offer's id.
    pub offer_id: Uuid,
    /// The conversation it was sent in.
    pub conversation_id: Uuid,
    /// The gig it is based on.
    pub gig_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// What the seller offers.
    pub description: String,
    /// The offered price.
    pub price: Money,
    /// Days to deliver.
    pub delivery_days: u32,
    /// Until when the buyer can accept it.
    pub expires_at: DateTime<Utc>,
}

/// The buyer accepted a custom offer (chat): the whole offer, so orders can place an order from
/// it at exactly this price without asking chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferAccepted {
    /// The offer's id.
    pub offer_id: Uuid,
    /// The conversation it was sent in.
    pub conversation_id: Uuid,
    /// The gig it is based on.
    pub gig_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// What the seller offers.
    pub description: String,
    /// The offered price.
    pub price: Money,
    /// Days to deliver.
    pub delivery_days: u32,
    /// When the buyer accepted.
    pub accepted_at: DateTime<Utc>,
}

/// A custom offer can no longer be accepted (chat): the buyer declined it, or the seller
/// withdrew it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferDeclined {
    /// The offer's id.
    pub offer_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// `true` when the seller withdrew it, `false` when the buyer declined it.
    #[serde(default)]
    pub withdrawn: bool,
}

/// A buyer placed an order (orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlaced {
    /// The order's id.
    pub order_id: Uuid,
    /// The gig ordered.
    pub gig_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// What the buyer pays for the work (without the service fee).
    pub price: Money,
    /// When the work is due.
    pub due_at: DateTime<Utc>,
}

/// The seller asked for more time (orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderExtensionRequested {
    /// The order's id.
    pub order_id: Uuid,
    /// The request's id.
    pub extension_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// Extra days asked for.
    pub days: u32,
    /// Why.
    pub reason: String,
}

/// The buyer approved or rejected an extension (orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderExtensionResolved {
    /// The order's id.
    pub order_id: Uuid,
    /// The request's id.
    pub extension_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// Whether it was approved.
    pub approved: bool,
    /// The due date after the decision.
    pub due_at: DateTime<Utc>,
}

/// The seller delivered work (orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDelivered {
    /// The order's id.
    pub order_id: Uuid,
    /// The delivery's id.
    pub delivery_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// When.
    pub delivered_at: DateTime<Utc>,
}

/// The buyer accepted the delivery; the seller earns the price (orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCompleted {
    /// The order's id.
    pub order_id: Uuid,
    /// The gig ordered.
    pub gig_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// What the seller earns.
    pub earnings: Money,
    /// When the work was delivered.
    pub delivered_at: DateTime<Utc>,
    /// When the order completed.
    pub completed_at: DateTime<Utc>,
    /// The gig's title when ordered (for the reviews' emails).
    #[serde(default)]
    pub gig_title: Option<String>,
}

/// The order was cancelled (orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelled {
    /// The order's id.
    pub order_id: Uuid,
    /// The gig ordered.
    pub gig_id: Uuid,
    /// The buyer's account.
    pub buyer_user_id: Uuid,
    /// The seller's account.
    pub seller_user_id: Uuid,
    /// The account that cancelled.
    pub cancelled_by: Uuid,
    /// Why, if given.
    #[serde(default)]
    pub reason: Option<String>,
    /// The refund to the buyer.
    pub refund: Money,
}

/// Who reviewed whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDirection {
    /// The buyer rated the seller (and the gig).
    BuyerToSeller,
    /// The seller rated the buyer.
    SellerToBuyer,
}

/// A party of a completed order left a review (reviews).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCreated {
    /// The review's id.
    pub review_id: Uuid,
    /// The completed order it is about.
    pub order_id: Uuid,
    /// The gig ordered.
    pub gig_id: Uuid,
    /// The reviewer's account.
    pub reviewer_user_id: Uuid,
    /// The reviewed account.
    pub reviewee_user_id: Uuid,
    /// Direction.
    pub direction: ReviewDirection,
    /// 1 to 5 stars.
    pub rating: u8,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Envelope;

    #[test]
    fn consumers_ignore_unknown_fields_and_accept_missing_optional_ones() {
        let json = serde_json::json!({
            "id": uuid::Uuid::now_v7(), "type": "user.email_verified.v1",
            "occurred_at": "2026-11-27T10:00:00Z", "producer": "auth",
            "payload": {"user_id": uuid::Uuid::now_v7(), "verified_at": "2026-11-27T10:00:00Z", "added_later": 1},
            "also_added_later": true
        });
        let envelope = Envelope::from_bytes(json.to_string().as_bytes()).unwrap();

        assert_eq!(envelope.correlation_id, None);
        assert!(envelope.decode::<UserEmailVerified>().is_ok());
        assert!(envelope.decode::<UserRegistered>().is_err());
    }

    #[test]
    fn an_envelope_round_trips_and_names_its_event_type() {
        let event = EmailRequested {
            to: "a@example.com".into(),
            template: "verify_email".into(),
            locale: "en".into(),
            vars: serde_json::Map::new(),
        };
        let envelope = Envelope::new("auth", Some("req-1"), &event);

        let back = Envelope::from_bytes(&envelope.to_bytes()).unwrap();

        assert_eq!(back, envelope);
        assert_eq!(back.event_type, EmailRequested::TYPE);
        assert_eq!(EmailRequested::TYPE, "email.requested.v1");
        assert_eq!(back.decode::<EmailRequested>().unwrap(), event);
        assert_eq!(envelope.id.get_version_num(), 7);
    }
}
