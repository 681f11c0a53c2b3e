//! The typed variables of every template: a request whose `vars` lack a field, or hold one of
//! the wrong type, never renders.

use serde::{Deserialize, Serialize};

/// An amount in minor units of a currency, formatted by the `money` filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents).
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
}

/// A link the email points to; only `https://` and `http://` links are accepted, so a
/// producer's mistake cannot put a `javascript:` link in front of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Link(String);

impl TryFrom<String> for Link {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = (value.starts_with("https://") || value.starts_with("http://"))
            && value.len() <= 2048
            && !value.chars().any(char::is_whitespace);
        if ok {
            Ok(Self(value))
        } else {
            Err(format!("not an http(s) link: {value:?}"))
        }
    }
}

/// A star rating, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8")]
pub struct Rating(u8);

impl TryFrom<u8> for Rating {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        if (1..=5).contains(&value) {
            Ok(Self(value))
        } else {
            Err(format!("rating {value} is not 1 to 5"))
        }
    }
}

/// `verify_email`: confirm the address after sign-up or on request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyEmail {
    pub username: String,
    pub verify_url: Link,
    pub expires_in_hours: u32,
}

/// `sign_in_code`: the one-time code for a sign-in from a new device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInCode {
    pub username: String,
    pub code: String,
    pub expires_in_minutes: u32,
}

/// `forgot_password`: the reset link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForgotPassword {
    pub username: String,
    pub reset_url: Link,
    pub expires_in_minutes: u32,
}

/// `password_changed`: confirmation after a reset or change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub username: String,
    pub support_url: Link,
}

/// `new_message`: a message arrived while the recipient was offline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewMessage {
    pub recipient_username: String,
    pub sender_username: String,
    pub message_preview: String,
    pub conversation_url: Link,
}

/// `offer_received`: a seller sent the buyer a custom offer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfferReceived {
    pub buyer_username: String,
    pub seller_username: String,
    pub gig_title: String,
    pub description: String,
    pub price: Money,
    pub delivery_days: u32,
    pub offer_url: Link,
}

/// `order_placed`: to the seller, a buyer ordered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderPlaced {
    pub seller_username: String,
    pub buyer_username: String,
    pub gig_title: String,
    pub order_id: String,
    pub price: Money,
    pub due_date: String,
    pub order_url: Link,
}

/// `order_receipt`: to the buyer, what they paid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderReceipt {
    pub buyer_username: String,
    pub seller_username: String,
    pub gig_title: String,
    pub order_id: String,
    pub price: Money,
    pub service_fee: Money,
    pub total: Money,
    pub order_url: Link,
}

/// `order_delivered`: to the buyer, the seller delivered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderDelivered {
    pub buyer_username: String,
    pub seller_username: String,
    pub gig_title: String,
    pub order_url: Link,
}

/// `extension_requested`: to the buyer, the seller asks for more time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtensionRequested {
    pub buyer_username: String,
    pub seller_username: String,
    pub gig_title: String,
    pub days: u32,
    pub reason: String,
    pub order_url: Link,
}

/// `extension_resolved`: to the seller, the buyer approved or rejected the extension.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtensionResolved {
    pub seller_username: String,
    pub buyer_username: String,
    pub gig_title: String,
    pub approved: bool,
    pub due_date: String,
    pub order_url: Link,
}

/// `order_completed`: to the seller, the buyer accepted the delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderCompleted {
    pub seller_username: String,
    pub buyer_username: String,
    pub gig_title: String,
    pub earnings: Money,
    pub order_url: Link,
}

/// `order_cancelled`: to the party that did not cancel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderCancelled {
    pub recipient_username: String,
    pub cancelled_by_username: String,
    pub gig_title: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub order_url: Link,
}

/// `review_received`: someone reviewed the recipient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewReceived {
    pub recipient_username: String,
    pub reviewer_username: String,
    pub gig_title: String,
    pub rating: Rating,
    pub review_url: Link,
}
