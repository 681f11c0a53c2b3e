//! The auth service against real MariaDB and RabbitMQ.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod accounts;
mod helpers;
mod logs;
mod passwords;
mod sessions;
mod signin;
