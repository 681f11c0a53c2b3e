//! What the deployment tests share: the platform's monitoring objects read as data
//! ([`monitoring`]) and the components' container images run with podman ([`containers`]).
//!
//! The operator's tests and the end-to-end tests both use it, so the operator's crate stays
//! free of the services' dependencies and the services' of kube.

pub mod containers;
pub mod monitoring;

use std::path::PathBuf;

pub use containers::{Component, Container, components, image};
pub use monitoring::{
    Query, alert_rules, dashboard_queries, exported_names, is_operator_metric, metric_names,
    monitoring_dir, unexported,
};

/// The repository's root.
pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
