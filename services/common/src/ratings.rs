//! Ratings as every answer shows them (a seller's, a gig's): how many reviews, their mean, and
//! how many gave each number of stars.

use serde::Serialize;

/// Ratings of one seller or gig.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ratings {
    /// Reviews counted.
    #[schema(minimum = 0)]
    pub count: i64,
    /// Mean rating to one decimal, 0 without reviews.
    #[schema(minimum = 0, maximum = 5)]
    pub average: f64,
    /// Reviews per number of stars.
    pub stars: StarCounts,
}

/// How many reviews gave each number of stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StarCounts {
    /// One-star reviews.
    pub one: i64,
    /// Two-star reviews.
    pub two: i64,
    /// Three-star reviews.
    pub three: i64,
    /// Four-star reviews.
    pub four: i64,
    /// Five-star reviews.
    pub five: i64,
}

/// The mean of `sum` over `count` reviews, to one decimal; 0 without reviews.
pub fn average(count: i64, sum: i64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "rating sums stay far below 2^52"
    )]
    if count > 0 {
        ((sum as f64 / count as f64) * 10.0).round() / 10.0
    } else {
        0.0
    }
}

impl Ratings {
    /// Ratings from their totals and the count per star (one to five).
    pub fn new(count: i64, sum: i64, stars: [i64; 5]) -> Self {
        let [one, two, three, four, five] = stars;
        Self {
            count: count.max(0),
            average: average(count, sum),
            stars: StarCounts {
                one,
                two,
                three,
                four,
                five,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_has_one_decimal_and_no_reviews_average_zero() {
        assert!((average(3, 13) - 4.3).abs() < f64::EPSILON);
        assert!(average(0, 0).abs() < f64::EPSILON);
        assert_eq!(Ratings::new(2, 9, [0, 0, 0, 1, 1]).stars.five, 1);
    }
}
