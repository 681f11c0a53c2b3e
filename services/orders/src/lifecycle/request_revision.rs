//! The buyer sends a delivery back for a revision `{message}`: the order is in progress again
//! and will not complete by itself until the next delivery. A buyer gets the policy's number of
//! revisions per order (2 by default); past that, completing or cancelling is what is left.

use mercato_common::error::ApiError;
use mercato_common::validation::Checker;
use serde::Deserialize;

use super::{Party, Rule, Status, Step, Who};

/// Only the buyer, after a delivery.
pub const RULE: Rule = Rule {
    action: "request_revision",
    describes: "ask for a revision",
    from: &[Status::Delivered],
    by: &[Who::Buyer],
};

/// What to change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionRequest {
    /// What the seller should change, 1 to 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub message: String,
}

impl RevisionRequest {
    /// Checks the fields.
    ///
    /// # Errors
    ///
    /// 422 with every problem.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut checker = Checker::default();
        checker.text("message", &self.message, 1, 2000);
        checker.finish().map_err(ApiError::validation)
    }
}

/// Takes the step.
///
/// # Errors
///
/// The rule's errors, 409 `revisions_exhausted` past the limit; a database error.
pub async fn run(step: &mut Step<'_>, request: &RevisionRequest) -> Result<(), ApiError> {
    RULE.check(step.order, step.actor)?;
    let order = step.order;
    if order.revisions_used >= order.max_revisions {
        return Err(ApiError::conflict(
            "revisions_exhausted",
            format!(
                "this order's {} revision(s) are used; complete it",
                order.max_revisions
            ),
        ));
    }
    sqlx::query(
        "UPDATE orders SET revisions_used = revisions_used + 1, auto_complete_at = NULL WHERE id = $1",
    )
    .bind(order.id)
    .execute(&mut *step.conn)
    .await?;
    let message = request.message.trim();
    step.move_to(&RULE, Status::InProgress, Some(message))
        .await?;
    let buyer = step.person(Party::Buyer).username.clone();
    step.alert(
        Party::Seller,
        "revision_requested",
        format!(
            "{buyer} asks for a revision of \"{}\": {message}",
            order.title
        ),
    )
    .await?;
    Ok(())
}
