//! The emails services may ask for: one typed variables struct per template, shared by the
//! services that request an email and the notifications service that renders it.
//!
//! A service builds the struct and [`EmailRequested::new`] turns it into the request:
//!
//! ```
//! use mercato_common::events::catalog::EmailRequested;
//! use mercato_common::events::emails::{Link, VerifyEmail};
//! let vars = VerifyEmail {
//!     username: "alice".into(),
//!     verify_url: Link::new("https://mercato.example/verify-email?token=t").unwrap(),
//!     expires_in_hours: 24,
//! };
//! let request = EmailRequested::new("alice@example.test", &vars);
//! assert_eq!(request.template, "verify_email");
//! ```
//!
//! so a missing or mistyped variable does not compile:
//!
//! ```compile_fail
//! use mercato_common::events::catalog::EmailRequested;
//! use mercato_common::events::emails::VerifyEmail;
//! // `verify_url` is missing: this does not compile.
//! let vars = VerifyEmail { username: "alice".into(), expires_in_hours: 24 };
//! let request = EmailRequested::new("alice@example.test", &vars);
//! ```
//!
//! Notifications reads the variables back into the same struct before rendering, so a request
//! from anywhere else that does not fit is refused as a whole, never half-filled.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::catalog::{EmailRequested, Money};

/// The variables of one email template.
pub trait EmailTemplate: Serialize + DeserializeOwned {
    /// The template's id (`verify_email`), named in [`EmailRequested::template`].
    const TEMPLATE: &'static str;
}

impl EmailRequested {
    /// A request for the email `T` to `to`, in English.
    pub fn new<T: EmailTemplate>(to: impl Into<String>, vars: &T) -> Self {
        let vars = match serde_json::to_value(vars) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        Self {
            to: to.into(),
            template: T::TEMPLATE.to_owned(),
            locale: "en".to_owned(),
            vars,
        }
    }

    /// The variables read back as the template `T`'s.
    ///
    /// # Errors
    ///
    /// A variable is missing, mistyped or invalid (a link that is not http(s), a rating out
    /// of range).
    pub fn vars_as<T: EmailTemplate>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(serde_json::Value::Object(self.vars.clone()))
    }
}

/// A link the email points to; only `https://` and `http://` links are accepted, so a
/// producer's mistake cannot put a `javascript:` link in front of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Link(String);

impl Link {
    /// `url` as a link.
    ///
    /// # Errors
    ///
    /// It is not an http(s) URL of at most 2048 characters without whitespace.
    pub fn new(url: impl Into<String>) -> Result<Self, InvalidVariable> {
        let url = url.into();
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && url.len() <= 2048
            && !url.chars().any(char::is_whitespace);
        if ok {
            Ok(Self(url))
        } else {
            Err(InvalidVariable(format!("not an http(s) link: {url:?}")))
        }
    }

    /// The link.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Link {
    type Error = InvalidVariable;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

/// A variable value that no email may carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidVariable(String);

/// A star rating, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8")]
pub struct Rating(u8);

impl TryFrom<u8> for Rating {
    type Error = InvalidVariable;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        if (1..=5).contains(&value) {
            Ok(Self(value))
        } else {
            Err(InvalidVariable(format!("rating {value} is not 1 to 5")))
        }
    }
}

/// `verify_email`: confirm the address after sign-up or on request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyEmail {
    /// The recipient's username.
    pub username: String,
    /// The link that verifies the address.
    pub verify_url: Link,
    /// Hours the link works.
    pub expires_in_hours: u32,
}

impl EmailTemplate for VerifyEmail {
    const TEMPLATE: &'static str = "verify_email";
}

/// `sign_in_code`: the one-time code for a sign-in from a new device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInCode {
    /// The recipient's username.
    pub username: String,
    /// The six-digit one-time code.
    pub code: String,
    /// Minutes the link or code works.
    pub expires_in_minutes: u32,
}

impl EmailTemplate for SignInCode {
    const TEMPLATE: &'static str = "sign_in_code";
}

/// `forgot_password`: the reset link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForgotPassword {
    /// The recipient's username.
    pub username: String,
    /// The link that resets the password.
    pub reset_url: Link,
    /// Minutes the link or code works.
    pub expires_in_minutes: u32,
}

impl EmailTemplate for ForgotPassword {
    const TEMPLATE: &'static str = "forgot_password";
}

/// `password_changed`: confirmation after a reset or change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChanged {
    /// The recipient's username.
    pub username: String,
    /// Where to report an unwanted change.
    pub support_url: Link,
}

impl EmailTemplate for PasswordChanged {
    const TEMPLATE: &'static str = "password_changed";
}

/// `new_message`: a message arrived while the recipient was offline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewMessage {
    /// The recipient's username.
    pub recipient_username: String,
    /// Who wrote.
    pub sender_username: String,
    /// The start of the message.
    pub message_preview: String,
    /// The conversation's page.
    pub conversation_url: Link,
}

impl EmailTemplate for NewMessage {
    const TEMPLATE: &'static str = "new_message";
}

/// `offer_received`: a seller sent the buyer a custom offer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfferReceived {
    /// The buyer's username.
    pub buyer_username: String,
    /// The seller's username.
    pub seller_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// What the offer includes.
    pub description: String,
    /// The price.
    pub price: Money,
    /// Days to deliver.
    pub delivery_days: u32,
    /// The offer's page.
    pub offer_url: Link,
}

impl EmailTemplate for OfferReceived {
    const TEMPLATE: &'static str = "offer_received";
}

/// `order_placed`: to the seller, a buyer ordered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderPlaced {
    /// The seller's username.
    pub seller_username: String,
    /// The buyer's username.
    pub buyer_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// The order's id.
    pub order_id: String,
    /// The price.
    pub price: Money,
    /// The due date (YYYY-MM-DD).
    pub due_date: String,
    /// The order's page.
    pub order_url: Link,
}

impl EmailTemplate for OrderPlaced {
    const TEMPLATE: &'static str = "order_placed";
}

/// `order_receipt`: to the buyer, what they paid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderReceipt {
    /// The buyer's username.
    pub buyer_username: String,
    /// The seller's username.
    pub seller_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// The order's id.
    pub order_id: String,
    /// The price.
    pub price: Money,
    /// The platform's fee.
    pub service_fee: Money,
    /// Price plus fee.
    pub total: Money,
    /// The order's page.
    pub order_url: Link,
}

impl EmailTemplate for OrderReceipt {
    const TEMPLATE: &'static str = "order_receipt";
}

/// `order_delivered`: to the buyer, the seller delivered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderDelivered {
    /// The buyer's username.
    pub buyer_username: String,
    /// The seller's username.
    pub seller_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// The order's page.
    pub order_url: Link,
}

impl EmailTemplate for OrderDelivered {
    const TEMPLATE: &'static str = "order_delivered";
}

/// `extension_requested`: to the buyer, the seller asks for more time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtensionRequested {
    /// The buyer's username.
    pub buyer_username: String,
    /// The seller's username.
    pub seller_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// Extra days asked for.
    pub days: u32,
    /// Why, in the sender's words.
    pub reason: String,
    /// The order's page.
    pub order_url: Link,
}

impl EmailTemplate for ExtensionRequested {
    const TEMPLATE: &'static str = "extension_requested";
}

/// `extension_resolved`: to the seller, the buyer approved or rejected the extension.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtensionResolved {
    /// The seller's username.
    pub seller_username: String,
    /// The buyer's username.
    pub buyer_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// Whether the buyer approved.
    pub approved: bool,
    /// The due date (YYYY-MM-DD).
    pub due_date: String,
    /// The order's page.
    pub order_url: Link,
}

impl EmailTemplate for ExtensionResolved {
    const TEMPLATE: &'static str = "extension_resolved";
}

/// `order_completed`: to the seller, the buyer accepted the delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderCompleted {
    /// The seller's username.
    pub seller_username: String,
    /// The buyer's username.
    pub buyer_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// What the seller earned.
    pub earnings: Money,
    /// The order's page.
    pub order_url: Link,
}

impl EmailTemplate for OrderCompleted {
    const TEMPLATE: &'static str = "order_completed";
}

/// `order_cancelled`: to the party that did not cancel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderCancelled {
    /// The recipient's username.
    pub recipient_username: String,
    /// Who cancelled.
    pub cancelled_by_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// Why, in the sender's words.
    #[serde(default)]
    pub reason: Option<String>,
    /// The order's page.
    pub order_url: Link,
}

impl EmailTemplate for OrderCancelled {
    const TEMPLATE: &'static str = "order_cancelled";
}

/// `review_received`: someone reviewed the recipient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewReceived {
    /// The recipient's username.
    pub recipient_username: String,
    /// Who wrote the review.
    pub reviewer_username: String,
    /// The gig's title.
    pub gig_title: String,
    /// Stars, 1 to 5.
    pub rating: Rating,
    /// The review's page.
    pub review_url: Link,
}

impl EmailTemplate for ReviewReceived {
    const TEMPLATE: &'static str = "review_received";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_carries_the_template_id_and_reads_back_into_its_struct() {
        let vars = VerifyEmail {
            username: "alice".into(),
            verify_url: Link::new("https://mercato.example/verify-email?token=t").unwrap(),
            expires_in_hours: 24,
        };

        let request = EmailRequested::new("alice@example.test", &vars);

        assert_eq!(request.template, "verify_email");
        assert_eq!(request.vars["expires_in_hours"], 24);
        let back: VerifyEmail = request.vars_as().unwrap();
        assert_eq!(back.verify_url, vars.verify_url);
    }

    #[test]
    fn links_and_ratings_are_checked_when_read() {
        assert!(Link::new("javascript:alert(1)").is_err());
        assert!(Rating::try_from(6).is_err());
        let mut request = EmailRequested::new(
            "a@example.test",
            &PasswordChanged {
                username: "a".into(),
                support_url: Link::new("https://mercato.example/support").unwrap(),
            },
        );
        request.vars.insert("support_url".into(), "ftp://x".into());
        assert!(request.vars_as::<PasswordChanged>().is_err());
    }
}
