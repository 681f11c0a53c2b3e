//! The notifications service against real RabbitMQ, Redis and an SMTP sink.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod emails;
mod helpers;
