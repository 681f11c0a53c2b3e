//! The seller asks for more time `{days, reason}` on an order in progress. One request is open
//! at a time; the due date moves only when the buyer approves ([`super::resolve_extension`]).
//! A request still open when the seller delivers, or the order is cancelled, is withdrawn.

use mercato_common::error::ApiError;
use mercato_common::events::catalog::OrderExtensionRequested;
use mercato_common::events::emails;
use mercato_common::validation::Checker;
use serde::Deserialize;
use uuid::Uuid;

use super::{Party, Rule, Status, Step, Who};

/// The most days one request may ask for.
pub const MAX_DAYS: i32 = 30;

/// Only the seller, while working.
pub const RULE: Rule = Rule {
    action: "request_extension",
    describes: "ask for an extension",
    from: &[Status::InProgress],
    by: &[Who::Seller],
};

/// A request for more time.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    /// Extra days, 1 to 30.
    #[schema(minimum = 1, maximum = 30)]
    pub days: i32,
    /// Why, 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl ExtensionRequest {
    /// Checks the fields.
    ///
    /// # Errors
    ///
    /// 422 with every problem.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut checker = Checker::default();
        checker.check(
            (1..=MAX_DAYS).contains(&self.days),
            "days",
            format!("must be 1 to {MAX_DAYS}"),
        );
        checker.text("reason", &self.reason, 1, 500);
        checker.finish().map_err(ApiError::validation)
    }
}

/// Takes the step; returns the request's id.
///
/// # Errors
///
/// The rule's errors, 409 `extension_pending` while another request is open; a database error.
pub async fn run(step: &mut Step<'_>, request: &ExtensionRequest) -> Result<Uuid, ApiError> {
    RULE.check(step.order, step.actor)?;
    let order = step.order;
    let id = Uuid::now_v7();
    let reason = request.reason.trim();
    let inserted = sqlx::query(
        "INSERT INTO extensions (id, order_id, days, reason, status, requested_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(order.id)
    .bind(request.days)
    .bind(reason)
    .bind(step.at)
    .execute(&mut *step.conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(ApiError::conflict(
            "extension_pending",
            "an extension request is already waiting for the buyer",
        ));
    }
    step.history(RULE.action, Some(order.status), order.status, Some(reason))
        .await?;
    step.publish(&OrderExtensionRequested {
        order_id: order.id,
        extension_id: id,
        buyer_user_id: order.buyer_user_id,
        seller_user_id: order.seller_user_id,
        days: u32::try_from(request.days).unwrap_or(0),
        reason: reason.to_owned(),
    })
    .await?;
    let seller = step.person(Party::Seller).username.clone();
    step.alert(
        Party::Buyer,
        "extension_requested",
        format!(
            "{seller} asks for {} more day(s) on \"{}\"",
            request.days, order.title
        ),
    )
    .await?;
    let vars = emails::ExtensionRequested {
        buyer_username: step.person(Party::Buyer).username.clone(),
        seller_username: seller,
        gig_title: order.title.clone(),
        days: u32::try_from(request.days).unwrap_or(0),
        reason: reason.to_owned(),
        order_url: step.policy.order_url(order.id),
    };
    step.email(Party::Buyer, &vars).await?;
    Ok(id)
}
