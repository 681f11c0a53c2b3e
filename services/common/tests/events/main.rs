//! The event bus against the real local RabbitMQ, PostgreSQL, MariaDB and MongoDB-wire server.
//! Every test has its own exchange, queues and database.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod broker_restart;
mod consumer;
mod mongo;
mod mysql;
mod postgres;
mod support;
