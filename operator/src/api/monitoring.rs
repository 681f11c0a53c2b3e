//! The spec's `monitoring` section: whether the operator renders a Prometheus Operator
//! `ServiceMonitor` for the component, and how Prometheus scrapes it.

use std::collections::BTreeMap;

use kube::KubeSchema;
use serde::{Deserialize, Serialize};

use super::spec::string_map_schema;

/// Prometheus scraping of the component's `/metrics`.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Monitoring {
    /// Render a `ServiceMonitor`; left out, the operator's `SERVICE_MONITORS` setting decides
    /// (`false` here keeps one out even when that setting is on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_monitor: Option<bool>,
    /// Time between scrapes, as a Prometheus duration (`30s`, `1m`).
    #[serde(default = "default_scrape_interval")]
    #[schemars(length(min = 2, max = 16), regex(pattern = r"^[1-9][0-9]*(ms|s|m|h)$"))]
    pub interval: String,
    /// Labels the `ServiceMonitor` carries besides the operator's own, for a Prometheus that
    /// selects monitors by label (kube-prometheus-stack: `release: <its release name>`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "labels_schema")]
    pub labels: BTreeMap<String, String>,
}

impl Default for Monitoring {
    fn default() -> Self {
        Self {
            service_monitor: None,
            interval: default_scrape_interval(),
            labels: BTreeMap::new(),
        }
    }
}

/// The scrape interval when the spec names none.
pub fn default_scrape_interval() -> String {
    "30s".into()
}

fn labels_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    // A label value is at most 63 characters.
    string_map_schema(generator, 16, 63)
}
