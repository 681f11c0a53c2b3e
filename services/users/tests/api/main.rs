//! The users service against real MongoDB-wire server and RabbitMQ.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod buyers;
mod counters;
mod helpers;
mod keys;
mod sellers;
mod uploads;
