//! The gigs service against real PostgreSQL and RabbitMQ.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod covers;
mod events;
mod helpers;
mod manage;
mod search;
