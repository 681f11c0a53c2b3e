//! What clients send to chat, and its limits: a conversation to open, a message (text, a file,
//! a custom offer), a read mark.

use chrono::{DateTime, Duration, Utc};
use mercato_common::error::{ApiError, FieldErrors};
use mercato_common::openapi::{Id, Timestamp};
use mercato_common::validation::Checker;
use serde::Deserialize;

/// The longest message text, in characters.
pub const MAX_BODY_CHARS: usize = 5_000;
/// The longest offer description, in characters.
pub const MAX_OFFER_DESCRIPTION_CHARS: usize = 1_500;
/// The lowest and highest offer price, in cents (5.00 to 10,000.00, as gigs).
pub const OFFER_PRICE_CENTS: std::ops::RangeInclusive<i64> = 500..=1_000_000;
/// The shortest and longest delivery an offer may promise, in days.
pub const OFFER_DELIVERY_DAYS: std::ops::RangeInclusive<i32> = 1..=90;
/// How far ahead an offer may expire, at most.
pub const MAX_OFFER_LIFETIME_DAYS: i64 = 30;
/// How long the inbox preview of a message is, in characters.
pub const PREVIEW_CHARS: usize = 140;

/// `POST /conversations`: who to talk to, about which gig.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenConversation {
    /// The other participant's username.
    #[schema(min_length = 1, max_length = 64)]
    pub with_username: String,
    /// The gig it is about.
    #[schema(value_type = Option<Id>)]
    pub gig_id: Option<String>,
}

/// A file uploaded with `POST /uploads/attachment`, to send.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// The upload's `key`.
    #[schema(min_length = 1, max_length = 512)]
    pub key: String,
    /// The name to show (the upload's file name by default).
    #[schema(min_length = 1, max_length = 255)]
    pub name: Option<String>,
}

/// A custom offer from the seller of a gig.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOffer {
    /// The gig it is based on; the conversation's gig by default. The sender must be its seller.
    #[schema(value_type = Option<Id>)]
    pub gig_id: Option<String>,
    /// What the seller will do.
    #[schema(min_length = 1, max_length = 1500)]
    pub description: String,
    /// The price in cents, 500 to 1,000,000, in the gig's currency.
    #[schema(minimum = 500, maximum = 1_000_000)]
    pub price: i64,
    /// Days to deliver, 1 to 90.
    #[schema(minimum = 1, maximum = 90)]
    pub delivery_days: i32,
    /// Until when the buyer can accept it: in the future, at most 30 days ahead.
    #[schema(value_type = Timestamp)]
    pub expires_at: DateTime<Utc>,
}

/// `POST /conversations/{id}/messages`: text, a file, an offer, or text with one of them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// The text, up to 5,000 characters; may be empty with an attachment or an offer.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub body: String,
    pub attachment: Option<AttachmentRef>,
    pub offer: Option<NewOffer>,
}

impl NewMessage {
    /// Checks the fields' limits, as of `now`.
    ///
    /// # Errors
    ///
    /// A 422 naming each field that is out of bounds.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ApiError> {
        let mut checker = Checker::default();
        checker.check(
            self.body.chars().count() <= MAX_BODY_CHARS,
            "body",
            format!("must be at most {MAX_BODY_CHARS} characters"),
        );
        checker.check(
            !self.body.trim().is_empty() || self.attachment.is_some() || self.offer.is_some(),
            "body",
            "must not be empty without an attachment or an offer",
        );
        checker.check(
            !(self.attachment.is_some() && self.offer.is_some()),
            "offer",
            "cannot be sent with an attachment",
        );
        if let Some(attachment) = &self.attachment
            && let Some(name) = &attachment.name
        {
            checker.text("attachment.name", name, 1, 255);
        }
        if let Some(offer) = &self.offer {
            checker.text(
                "offer.description",
                &offer.description,
                1,
                MAX_OFFER_DESCRIPTION_CHARS,
            );
            checker.check(
                OFFER_PRICE_CENTS.contains(&offer.price),
                "offer.price",
                "must be 500 to 1000000 cents",
            );
            checker.check(
                OFFER_DELIVERY_DAYS.contains(&offer.delivery_days),
                "offer.delivery_days",
                "must be 1 to 90 days",
            );
            checker.check(
                offer.expires_at > now
                    && offer.expires_at <= now + Duration::days(MAX_OFFER_LIFETIME_DAYS),
                "offer.expires_at",
                format!("must be in the future, at most {MAX_OFFER_LIFETIME_DAYS} days ahead"),
            );
        }
        checker.finish().map_err(ApiError::validation)
    }

    /// What the inbox shows of it.
    pub fn preview(&self, attachment_name: Option<&str>) -> String {
        let text: String = self.body.trim().chars().take(PREVIEW_CHARS).collect();
        match (&self.offer, attachment_name) {
            (Some(offer), _) if text.is_empty() => format!(
                "[offer] {}",
                offer
                    .description
                    .chars()
                    .take(PREVIEW_CHARS)
                    .collect::<String>()
            ),
            (None, Some(name)) if text.is_empty() => format!("[attachment] {name}"),
            _ => text,
        }
    }
}

/// `POST /conversations/{id}/read`: everything up to a message is read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// The `seq` of the last message read (at least 1, at most the conversation's last).
    #[schema(minimum = 1)]
    pub up_to_seq: i64,
}

/// A path or body id, or the 404 `what` gets when it is not one (an id that cannot exist).
///
/// # Errors
///
/// Not a UUID.
pub fn parse_id(id: &str, what: &'static str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(id).map_err(|_| ApiError::not_found(format!("no such {what}")))
}

/// A 422 on one field.
pub fn invalid(field: &str, message: &str) -> ApiError {
    let mut fields = FieldErrors::new();
    fields.insert(field.to_owned(), vec![message.to_owned()]);
    ApiError::validation(fields)
}
