//! The operator's example `MarketplaceService`s stay in step with the event catalog: each
//! component's queue is bound to exactly the event types it consumes, and it declares the
//! events exchange exactly when it publishes. Read as plain YAML, so the operator and the
//! services share no code.

use std::collections::BTreeSet;
use std::path::Path;

use mercato_common::events::catalog::{consumed_by, published_by};
use serde_json::Value;

const COMPONENTS: [&str; 7] = [
    "notifications",
    "auth",
    "users",
    "gigs",
    "chat",
    "orders",
    "reviews",
];

fn example(component: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for entry in std::fs::read_dir(&dir).expect("examples/ exists") {
        let path = entry.expect("readable entry").path();
        let text = std::fs::read_to_string(&path).expect("readable example");
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("valid YAML");
        if let Some(doc) = docs
            .into_iter()
            .find(|d| d["kind"] == "MarketplaceService" && d["metadata"]["name"] == component)
        {
            return doc;
        }
    }
    panic!("no example MarketplaceService for {component}");
}

#[test]
fn example_queues_bind_exactly_what_each_service_consumes() {
    for component in COMPONENTS {
        let spec = &example(component)["spec"];
        let expected: BTreeSet<String> = consumed_by(component)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let consumes = spec["messaging"]["consumes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let bound: BTreeSet<String> = consumes
            .iter()
            .flat_map(|c| c["bindings"].as_array().cloned().unwrap_or_default())
            .filter_map(|b| b["routingKey"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(bound, expected, "{component}'s bindings");
        if !expected.is_empty() {
            assert_eq!(consumes.len(), 1, "{component} consumes one queue");
            assert_eq!(
                consumes[0]["queue"],
                format!("mercato.{component}"),
                "{component}'s queue name is the one the service uses"
            );
            let exchanges: BTreeSet<&str> = consumes[0]["bindings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b["exchange"].as_str())
                .collect();
            assert_eq!(exchanges, BTreeSet::from(["mercato.events"]), "{component}");
        }
    }
}

#[test]
fn example_publishers_declare_the_events_exchange() {
    for component in COMPONENTS {
        let spec = &example(component)["spec"];
        let publishes: Vec<&str> = spec["messaging"]["publishes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["exchange"].as_str())
            .collect();
        let expected: Vec<&str> = if published_by(component).is_empty() {
            Vec::new()
        } else {
            vec!["mercato.events"]
        };
        assert_eq!(publishes, expected, "{component}'s published exchanges");
    }
}
