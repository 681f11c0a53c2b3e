//! The orders service against real PostgreSQL, RabbitMQ, Redis and object storage.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod alerts;
mod deadlines;
mod helpers;
mod lifecycle;
mod parties;
mod payments;
mod place;
mod stripe;
