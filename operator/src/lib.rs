//! mercato-operator: reconciles one `MarketplaceService` per Mercato component into the
//! Kubernetes objects it needs.
//!
//! # Layout
//! - [`api`]: the CRD's types, CEL rules and status conditions, plus foreign CR types.
//! - [`render`]: pure functions from a `MarketplaceService` (and resolved inputs) to objects.
//! - [`reconcile`]: one reconcile: resolve, apply, prune, release exchanges, report status.
//! - [`controller`]: the watches, the controller loop and the `/metrics` endpoint.
//! - [`endpoints`]: endpoints of AWS-managed databases (RDS, ElastiCache).
//! - [`leader`]: leader election among replicas.
//! - [`preview`]: `render FILE...` for GitOps previews and golden tests.

pub mod api;
pub mod controller;
pub mod endpoints;
pub mod leader;
pub mod preview;
pub mod reconcile;
pub mod render;
