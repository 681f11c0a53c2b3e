//! Either party cancels an order in progress `{reason?}`, with a refund through the provider:
//! everything the buyer paid (price and fee) when nothing was delivered yet; the price alone
//! once the seller has delivered at least once (the order is back in progress for a revision).
//! A delivered order waiting for the buyer cannot be cancelled (complete it or ask for a
//! revision); a completed, cancelled or unpaid one neither. The other party is told.

use mercato_common::error::ApiError;
use mercato_common::events::catalog::OrderCancelled;
use mercato_common::events::emails;
use mercato_common::validation::Checker;
use serde::Deserialize;
use uuid::Uuid;

use super::{Actor, Rule, Status, Step, Who};

/// Either party, while the work is in progress.
pub const RULE: Rule = Rule {
    action: "cancel",
    describes: "cancel the order",
    from: &[Status::InProgress],
    by: &[Who::Buyer, Who::Seller],
};

/// Why.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why, up to 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

impl CancelRequest {
    /// Checks the fields.
    ///
    /// # Errors
    ///
    /// 422 with every problem.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut checker = Checker::default();
        if let Some(reason) = &self.reason {
            checker.text("reason", reason, 0, 500);
        }
        checker.finish().map_err(ApiError::validation)
    }
}

/// Takes the step.
///
/// # Errors
///
/// The rule's errors; a database error.
pub async fn run(step: &mut Step<'_>, request: &CancelRequest) -> Result<(), ApiError> {
    RULE.check(step.order, step.actor)?;
    let order = step.order;
    let Actor::Party(by, by_user) = step.actor else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "a cancellation without a party"
        )));
    };
    let refund = if order.delivered_at.is_none() {
        order.total()
    } else {
        order.price()
    };
    let refund_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO refunds (id, order_id, amount, currency, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $5)",
    )
    .bind(refund_id)
    .bind(order.id)
    .bind(refund.amount)
    .bind(&refund.currency)
    .bind(step.at)
    .execute(&mut *step.conn)
    .await?;
    sqlx::query("UPDATE orders SET cancelled_at = $2 WHERE id = $1")
        .bind(order.id)
        .bind(step.at)
        .execute(&mut *step.conn)
        .await?;
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    step.withdraw_open_extension().await?;
    step.move_to(&RULE, Status::Cancelled, reason).await?;
    step.publish(&OrderCancelled {
        order_id: order.id,
        gig_id: order.gig_id,
        buyer_user_id: order.buyer_user_id,
        seller_user_id: order.seller_user_id,
        cancelled_by: by_user,
        reason: reason.map(str::to_owned),
        refund: refund.clone(),
    })
    .await?;
    let other = by.other();
    let canceller = step.person(by).username.clone();
    step.alert(
        other,
        "order_cancelled",
        format!("{canceller} cancelled \"{}\"", order.title),
    )
    .await?;
    let vars = emails::OrderCancelled {
        recipient_username: step.person(other).username.clone(),
        cancelled_by_username: canceller,
        gig_title: order.title.clone(),
        reason: reason.map(str::to_owned),
        order_url: step.policy.order_url(order.id),
    };
    step.email(other, &vars).await?;
    step.refund(refund_id);
    Ok(())
}
