//! End-to-end tests: the platform's components running together.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod journeys;
mod platform;
