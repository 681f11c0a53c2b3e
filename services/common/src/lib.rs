//! `mercato-common`: the runtime every Mercato service and the gateway share.
//!
//! A component built on it gets, without writing them again: configuration from flags and
//! environment variables, JSON logs and Prometheus metrics, an HTTP server with health and
//! readiness probes and graceful shutdown, the one JSON error shape of the platform, and the
//! gateway tokens that carry a caller's identity from the gateway to a service.
//!
//! # Layout
//!
//! - [`clock`]: the system clock, or one a test moves.
//! - [`config`]: the settings every component shares, flattened into each component's own config.
//! - [`telemetry`]: logging and the Prometheus recorder.
//! - [`context`]: the request id of the request being handled.
//! - [`demo`]: the demo accounts every local seed creates.
//! - [`extract`]: the JSON body and query extractors, whose rejections use the common error shape.
//! - [`error`]: [`error::ApiError`], the common error body, and how rejections and database
//!   errors map to it.
//! - [`ratings`]: ratings as answers show them.
//! - [`realtime`]: what services and gateways say to each other in real time; the services'
//!   Socket.IO hub for gateways (feature `realtime`).
//! - [`openapi`]: the schemas and error responses every service's OpenAPI part shares.
//! - `pages` (feature `postgres`): keyset pages over `(created_at, id)` with opaque cursors.
//! - `events` (feature `events`): the event bus: catalog, outbox, relay, consumer, inbox.
//! - [`server`]: the HTTP server builder: probes, metrics, request ids, graceful shutdown.
//! - [`service`]: start-up of a service behind the gateway (token layer, signals).
//! - [`validation`]: collecting a request's field errors for one 422.
//! - `storage` (feature `storage`): object storage over S3: presigned uploads and reads.
//! - [`token`]: Ed25519 gateway tokens: keys, minting, verification, axum extractors and layer.
//! - `testing` (feature `test-support`): spawning components on port 0 and isolating test runs.
#![warn(missing_docs)]

/// Every component allocates through mimalloc: a request allocates and frees many small
/// buffers (headers, JSON, driver rows), which it serves with a fraction of the system
/// allocator's work and less contention between worker threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod clock;
pub mod config;
pub mod context;
pub mod demo;
pub mod error;
#[cfg(feature = "events")]
pub mod events;
pub mod extract;
pub mod openapi;
#[cfg(feature = "postgres")]
pub mod pages;
pub mod ratings;
pub mod realtime;
pub mod server;
#[cfg(feature = "events")]
pub mod service;
#[cfg(feature = "storage")]
pub mod storage;
pub mod telemetry;
pub mod token;
pub mod validation;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;
