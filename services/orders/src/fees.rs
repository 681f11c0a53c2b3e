//! The service fee a buyer pays on top of the price, computed on the server in integer cents.
//!
//! The rule (every part configurable): `fee = round(price × rate) + small_order_fee` where the
//! small-order fee applies only when the price is under `small_order_below`. The rate is in
//! basis points (550 = 5.5%) and the product is rounded half up to the cent: 5.5% of 10.10 is
//! 0.5555, so 0.56. With the defaults an order of 25.00 pays 1.38 + 2.00 = 3.38, one of 50.00
//! pays 2.75.

use mercato_common::events::catalog::Money;

/// How the fee is computed.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct FeePolicy {
    /// The fee's rate in basis points of the price (550 = 5.5%).
    #[arg(long, env = "ORDER_FEE_BASIS_POINTS", default_value_t = 550)]
    pub basis_points: u32,
    /// The flat fee added to small orders, in cents.
    #[arg(long, env = "ORDER_SMALL_ORDER_FEE_CENTS", default_value_t = 200)]
    pub small_order_fee: i64,
    /// Orders priced under this many cents are small.
    #[arg(long, env = "ORDER_SMALL_ORDER_BELOW_CENTS", default_value_t = 5_000)]
    pub small_order_below: i64,
}

impl Default for FeePolicy {
    fn default() -> Self {
        Self {
            basis_points: 550,
            small_order_fee: 200,
            small_order_below: 5_000,
        }
    }
}

impl FeePolicy {
    /// The fee on `price` cents (a price is positive and at most 10,000.00 by the gigs' and
    /// offers' rules; the arithmetic is exact far beyond that, to about 9 × 10^14 cents).
    pub fn fee(&self, price: i64) -> i64 {
        let price = price.max(0);
        let scaled = i128::from(price) * i128::from(self.basis_points);
        // Half up: add half the divisor before the integer division.
        let rate_part = i64::try_from((scaled + 5_000) / 10_000).unwrap_or(i64::MAX);
        let small = if price < self.small_order_below {
            self.small_order_fee
        } else {
            0
        };
        rate_part.saturating_add(small)
    }

    /// The fee on `price`, in its currency.
    pub fn fee_of(&self, price: &Money) -> Money {
        Money {
            amount: self.fee(price.amount),
            currency: price.currency.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn documented_examples() {
        let policy = FeePolicy::default();
        assert_eq!(policy.fee(2_500), 138 + 200);
        assert_eq!(policy.fee(5_000), 275);
        assert_eq!(policy.fee(4_999), 275 + 200);
        assert_eq!(policy.fee(1_010), 56 + 200);
        assert_eq!(policy.fee(500), 28 + 200);
        assert_eq!(policy.fee(1_000_000), 55_000);
        // 5.5% of 0.09 is 0.495: half a cent or less rounds as the rule says.
        assert_eq!(policy.fee(9), 200);
        assert_eq!(policy.fee(10), 1 + 200);
    }

    proptest! {
        #[test]
        fn the_fee_is_the_rate_rounded_half_up_plus_the_small_order_fee(
            price in 1i64..=100_000_000,
            basis_points in 0u32..=3_000,
            small_order_fee in 0i64..=1_000,
            small_order_below in 0i64..=100_000,
        ) {
            let policy = FeePolicy { basis_points, small_order_fee, small_order_below };
            let fee = policy.fee(price);
            let small = if price < small_order_below { small_order_fee } else { 0 };
            let rate_part = fee - small;
            // Within half a cent of the exact product; exactly half a cent rounds up.
            let exact = i128::from(price) * i128::from(basis_points);
            let error = i128::from(rate_part) * 10_000 - exact;
            prop_assert!(error > -5_000 && error <= 5_000, "price {price}: {rate_part} off by {error}/10000");
            prop_assert!(fee >= 0);
        }

        #[test]
        fn a_dearer_order_never_pays_a_smaller_rate_part(price in 1i64..=10_000_000, more in 0i64..=10_000) {
            let policy = FeePolicy { small_order_fee: 0, ..FeePolicy::default() };
            prop_assert!(policy.fee(price + more) >= policy.fee(price));
        }

        #[test]
        fn crossing_the_threshold_drops_exactly_the_flat_fee(below in 2i64..=1_000_000) {
            let policy = FeePolicy { small_order_below: below, ..FeePolicy::default() };
            let flat_free = FeePolicy { small_order_fee: 0, ..policy.clone() };
            prop_assert_eq!(policy.fee(below - 1), flat_free.fee(below - 1) + 200);
            prop_assert_eq!(policy.fee(below), flat_free.fee(below));
        }
    }
}
