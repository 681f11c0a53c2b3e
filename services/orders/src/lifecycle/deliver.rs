//! The seller delivers the work `{message, attachments}`. The order is `delivered`; unless the
//! buyer completes it or asks for a revision, it completes by itself after the policy's days.

use mercato_common::error::ApiError;
use mercato_common::events::catalog::OrderDelivered;
use mercato_common::events::emails;
use mercato_common::validation::Checker;
use serde::Deserialize;
use uuid::Uuid;

use super::{Party, Rule, Status, Step, Who};
use crate::store::DeliveredFile;

/// The most files one delivery carries.
pub const MAX_FILES: usize = 10;

/// Only the seller, while working.
pub const RULE: Rule = Rule {
    action: "deliver",
    describes: "deliver the work",
    from: &[Status::InProgress],
    by: &[Who::Seller],
};

/// A delivery.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// What the seller says about the work, 1 to 5,000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub message: String,
    /// Up to 10 files uploaded through `POST /uploads/delivery`.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachments: Vec<AttachmentRef>,
}

/// A file to deliver: the key of an upload, and the name the buyer sees.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DeliveryFileRef)]
pub struct AttachmentRef {
    /// The `key` of the upload.
    #[schema(min_length = 1, max_length = 512)]
    pub key: String,
    /// The file's name, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

impl DeliveryRequest {
    /// Checks the fields (the files themselves are checked against the storage).
    ///
    /// # Errors
    ///
    /// 422 with every problem.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut checker = Checker::default();
        checker.text("message", &self.message, 1, 5000);
        checker.count("attachments", &self.attachments, 0, MAX_FILES);
        for (i, file) in self.attachments.iter().enumerate() {
            checker.text(&format!("attachments[{i}].name"), &file.name, 1, 200);
        }
        checker.finish().map_err(ApiError::validation)
    }
}

/// Takes the step with the checked `files`; returns the delivery's id.
///
/// # Errors
///
/// The rule's errors; a database error.
pub async fn run(
    step: &mut Step<'_>,
    message: &str,
    files: Vec<DeliveredFile>,
) -> Result<Uuid, ApiError> {
    RULE.check(step.order, step.actor)?;
    let order = step.order;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO deliveries (id, order_id, message, attachments, delivered_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(order.id)
    .bind(message.trim())
    .bind(sqlx::types::Json(&files))
    .bind(step.at)
    .execute(&mut *step.conn)
    .await?;
    let auto_complete_at =
        step.at + chrono::Duration::days(i64::from(step.policy.auto_complete_days));
    sqlx::query("UPDATE orders SET delivered_at = $2, auto_complete_at = $3 WHERE id = $1")
        .bind(order.id)
        .bind(step.at)
        .bind(auto_complete_at)
        .execute(&mut *step.conn)
        .await?;
    step.withdraw_open_extension().await?;
    step.move_to(&RULE, Status::Delivered, None).await?;
    step.publish(&OrderDelivered {
        order_id: order.id,
        delivery_id: id,
        buyer_user_id: order.buyer_user_id,
        seller_user_id: order.seller_user_id,
        delivered_at: step.at,
    })
    .await?;
    let seller = step.person(Party::Seller).username.clone();
    step.alert(
        Party::Buyer,
        "order_delivered",
        format!(
            "{seller} delivered \"{}\"; complete it or ask for a revision by {}",
            order.title,
            auto_complete_at.format("%Y-%m-%d")
        ),
    )
    .await?;
    let vars = emails::OrderDelivered {
        buyer_username: step.person(Party::Buyer).username.clone(),
        seller_username: seller,
        gig_title: order.title.clone(),
        order_url: step.policy.order_url(order.id),
    };
    step.email(Party::Buyer, &vars).await?;
    Ok(id)
}
