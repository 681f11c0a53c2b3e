//! The chat service against real MongoDB-wire server, RabbitMQ, Redis and object storage.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod conversations;
mod helpers;
mod messages;
mod offers;
mod realtime;
