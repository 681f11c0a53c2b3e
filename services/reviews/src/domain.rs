//! A review as a party writes it, and its rules.

use mercato_common::error::ApiError;
use mercato_common::validation::Checker;
use serde::Deserialize;
use uuid::Uuid;

/// The shortest review text, in characters.
pub const MIN_TEXT: usize = 10;
/// The longest review text, in characters.
pub const MAX_TEXT: usize = 1_000;

/// A review of the other party of a completed order.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    /// The completed order.
    #[schema(value_type = mercato_common::openapi::Id)]
    pub order_id: Uuid,
    /// 1 to 5 stars.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i32,
    /// What it was like, 10 to 1,000 characters.
    #[schema(min_length = 10, max_length = 1000)]
    pub text: String,
}

impl NewReview {
    /// Checks the fields.
    ///
    /// # Errors
    ///
    /// 422 with every problem.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut checker = Checker::default();
        checker.check(
            (1..=5).contains(&self.rating),
            "rating",
            "must be 1 to 5 stars",
        );
        checker.text("text", &self.text, MIN_TEXT, MAX_TEXT);
        checker.finish().map_err(ApiError::validation)
    }
}
