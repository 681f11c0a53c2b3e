//! The provider confirmed the payment: the order is placed for real. The seller gets to work
//! (`in_progress`, due in the order's delivery days from now) and `order.placed.v1` goes out;
//! the seller gets an alert and the new-order email, the buyer the receipt.

use mercato_common::events::catalog::OrderPlaced;
use mercato_common::events::emails;

use super::{Party, Rule, Status, Step, Who};

/// Only the service, on the provider's word.
pub const RULE: Rule = Rule {
    action: "confirm_payment",
    describes: "confirm the payment",
    from: &[Status::PendingPayment],
    by: &[Who::System],
};

/// Takes the step.
///
/// # Errors
///
/// The rule's errors; a database error.
pub async fn run(step: &mut Step<'_>) -> Result<(), mercato_common::error::ApiError> {
    RULE.check(step.order, step.actor)?;
    let order = step.order;
    let due_at = step.at + chrono::Duration::days(i64::from(order.delivery_days));
    sqlx::query("UPDATE orders SET paid_at = $2, due_at = $3, payment_error = NULL WHERE id = $1")
        .bind(order.id)
        .bind(step.at)
        .bind(due_at)
        .execute(&mut *step.conn)
        .await?;
    step.move_to(&RULE, Status::InProgress, None).await?;
    step.publish(&OrderPlaced {
        order_id: order.id,
        gig_id: order.gig_id,
        buyer_user_id: order.buyer_user_id,
        seller_user_id: order.seller_user_id,
        price: order.price(),
        due_at,
    })
    .await?;
    let buyer = step.person(Party::Buyer).username.clone();
    let seller = step.person(Party::Seller).username.clone();
    let order_url = step.policy.order_url(order.id);
    step.alert(
        Party::Seller,
        "order_placed",
        format!(
            "{buyer} ordered \"{}\"; it is due {}",
            order.title,
            due_at.format("%Y-%m-%d")
        ),
    )
    .await?;
    step.alert(
        Party::Buyer,
        "payment_confirmed",
        format!(
            "Your payment for \"{}\" went through; {seller} is on it",
            order.title
        ),
    )
    .await?;
    step.email(
        Party::Seller,
        &emails::OrderPlaced {
            seller_username: seller.clone(),
            buyer_username: buyer.clone(),
            gig_title: order.title.clone(),
            order_id: order.id.to_string(),
            price: order.price(),
            due_date: due_at.format("%Y-%m-%d").to_string(),
            order_url: order_url.clone(),
        },
    )
    .await?;
    step.email(
        Party::Buyer,
        &emails::OrderReceipt {
            buyer_username: buyer,
            seller_username: seller,
            gig_title: order.title.clone(),
            order_id: order.id.to_string(),
            price: order.price(),
            service_fee: order.fee(),
            total: order.total(),
            order_url,
        },
    )
    .await?;
    Ok(())
}
