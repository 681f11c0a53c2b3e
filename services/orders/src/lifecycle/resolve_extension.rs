//! The buyer approves or rejects the seller's open extension request. Approval moves the due
//! date by the days asked for; rejection leaves it. Either way `order.extension_resolved.v1`
//! goes out and the seller is told.

use mercato_common::error::ApiError;
use mercato_common::events::catalog::OrderExtensionResolved;
use mercato_common::events::emails;
use uuid::Uuid;

use super::{Party, Rule, Status, Step, Who};

/// Approving: only the buyer, while the seller works.
pub const APPROVE: Rule = Rule {
    action: "approve_extension",
    describes: "approve an extension",
    from: &[Status::InProgress],
    by: &[Who::Buyer],
};

/// Rejecting: the same.
pub const REJECT: Rule = Rule {
    action: "reject_extension",
    describes: "reject an extension",
    from: &[Status::InProgress],
    by: &[Who::Buyer],
};

/// Takes the step on request `extension_id`.
///
/// # Errors
///
/// The rule's errors; 404 for a request of another order, 409 `extension_resolved` for one
/// already answered; a database error.
pub async fn run(step: &mut Step<'_>, extension_id: Uuid, approve: bool) -> Result<(), ApiError> {
    let rule = if approve { APPROVE } else { REJECT };
    rule.check(step.order, step.actor)?;
    let order = step.order;
    let found: Option<(i32, String)> = sqlx::query_as(
        "SELECT days, status FROM extensions WHERE id = $1 AND order_id = $2 FOR UPDATE",
    )
    .bind(extension_id)
    .bind(order.id)
    .fetch_optional(&mut *step.conn)
    .await?;
    let Some((days, status)) = found else {
        return Err(ApiError::not_found(
            "no such extension request on this order",
        ));
    };
    if status != "pending" {
        return Err(ApiError::conflict(
            "extension_resolved",
            format!("this extension request was already {status}"),
        ));
    }
    let due_at = match (approve, order.due_at) {
        (true, Some(due)) => due + chrono::Duration::days(i64::from(days)),
        (_, due) => due.unwrap_or(step.at),
    };
    sqlx::query("UPDATE extensions SET status = $2, resolved_at = $3 WHERE id = $1")
        .bind(extension_id)
        .bind(if approve { "approved" } else { "rejected" })
        .bind(step.at)
        .execute(&mut *step.conn)
        .await?;
    if approve {
        sqlx::query("UPDATE orders SET due_at = $2 WHERE id = $1")
            .bind(order.id)
            .bind(due_at)
            .execute(&mut *step.conn)
            .await?;
    }
    step.history(rule.action, Some(order.status), order.status, None)
        .await?;
    step.publish(&OrderExtensionResolved {
        order_id: order.id,
        extension_id,
        buyer_user_id: order.buyer_user_id,
        seller_user_id: order.seller_user_id,
        approved: approve,
        due_at,
    })
    .await?;
    let buyer = step.person(Party::Buyer).username.clone();
    let answer = if approve { "approved" } else { "rejected" };
    step.alert(
        Party::Seller,
        "extension_resolved",
        format!(
            "{buyer} {answer} your extension on \"{}\"; it is due {}",
            order.title,
            due_at.format("%Y-%m-%d")
        ),
    )
    .await?;
    let vars = emails::ExtensionResolved {
        seller_username: step.person(Party::Seller).username.clone(),
        buyer_username: buyer,
        gig_title: order.title.clone(),
        approved: approve,
        due_date: due_at.format("%Y-%m-%d").to_string(),
        order_url: step.policy.order_url(order.id),
    };
    step.email(Party::Seller, &vars).await?;
    Ok(())
}
