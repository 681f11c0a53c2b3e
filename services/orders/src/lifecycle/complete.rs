//! The order completes: the buyer accepts the delivery, or the service completes a delivery
//! nobody answered within the policy's days ([`crate::jobs`]). `order.completed.v1` carries the
//! seller's earnings (the price; the fee is the platform's) and the seller is told.

use mercato_common::error::ApiError;
use mercato_common::events::catalog::OrderCompleted;
use mercato_common::events::emails;

use super::{Actor, Party, Rule, Status, Step, Who};

/// The buyer, or the service once the delivery went unanswered.
pub const RULE: Rule = Rule {
    action: "complete",
    describes: "complete the order",
    from: &[Status::Delivered],
    by: &[Who::Buyer, Who::System],
};

/// Takes the step.
///
/// # Errors
///
/// The rule's errors; a database error.
pub async fn run(step: &mut Step<'_>) -> Result<(), ApiError> {
    RULE.check(step.order, step.actor)?;
    let order = step.order;
    sqlx::query("UPDATE orders SET completed_at = $2, auto_complete_at = NULL WHERE id = $1")
        .bind(order.id)
        .bind(step.at)
        .execute(&mut *step.conn)
        .await?;
    let automatic = step.actor == Actor::System;
    step.move_to(
        &RULE,
        Status::Completed,
        automatic.then_some("completed automatically: the delivery went unanswered"),
    )
    .await?;
    step.publish(&OrderCompleted {
        order_id: order.id,
        gig_id: order.gig_id,
        buyer_user_id: order.buyer_user_id,
        seller_user_id: order.seller_user_id,
        earnings: order.price(),
        delivered_at: order.delivered_at.unwrap_or(step.at),
        completed_at: step.at,
        gig_title: Some(order.title.clone()),
    })
    .await?;
    let buyer = step.person(Party::Buyer).username.clone();
    if automatic {
        step.alert(
            Party::Buyer,
            "order_completed",
            format!(
                "\"{}\" completed automatically; you can now leave a review",
                order.title
            ),
        )
        .await?;
    }
    step.alert(
        Party::Seller,
        "order_completed",
        if automatic {
            format!(
                "\"{}\" completed automatically; you earned your price",
                order.title
            )
        } else {
            format!("{buyer} accepted your delivery of \"{}\"", order.title)
        },
    )
    .await?;
    let vars = emails::OrderCompleted {
        seller_username: step.person(Party::Seller).username.clone(),
        buyer_username: buyer,
        gig_title: order.title.clone(),
        earnings: order.price(),
        order_url: step.policy.order_url(order.id),
    };
    step.email(Party::Seller, &vars).await?;
    Ok(())
}
