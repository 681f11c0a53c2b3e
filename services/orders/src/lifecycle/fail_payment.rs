//! The provider declined or failed the payment: the order ends as `payment_failed` with the
//! provider's reason, and the buyer is told. Nothing was placed, so nothing is announced; the
//! buyer places a new order (a new idempotency key) to try again.

use super::{Party, Rule, Status, Step, Who};

/// Only the service, on the provider's word.
pub const RULE: Rule = Rule {
    action: "fail_payment",
    describes: "fail the payment",
    from: &[Status::PendingPayment],
    by: &[Who::System],
};

/// Takes the step; `reason` is the provider's.
///
/// # Errors
///
/// The rule's errors; a database error.
pub async fn run(step: &mut Step<'_>, reason: &str) -> Result<(), mercato_common::error::ApiError> {
    RULE.check(step.order, step.actor)?;
    let reason: String = reason.chars().take(300).collect();
    sqlx::query("UPDATE orders SET payment_error = $2 WHERE id = $1")
        .bind(step.order.id)
        .bind(&reason)
        .execute(&mut *step.conn)
        .await?;
    step.move_to(&RULE, Status::PaymentFailed, Some(&reason))
        .await?;
    step.alert(
        Party::Buyer,
        "payment_failed",
        format!(
            "Your payment for \"{}\" did not go through: {reason}",
            step.order.title
        ),
    )
    .await?;
    Ok(())
}
