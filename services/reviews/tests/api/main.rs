//! The reviews service against real PostgreSQL and RabbitMQ.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod create;
mod helpers;
mod lists;
