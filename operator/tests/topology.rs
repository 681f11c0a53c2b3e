//! The operator declares exactly the topology each service would declare itself: for every
//! service of the event catalog, its example `MarketplaceService` is rendered, the service's
//! topology settings are read back from the environment the operator gives its Deployment (as
//! the service reads them), and the queues, their arguments and their bindings the operator
//! renders equal those the service derives from those settings and the catalog.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use kube::ResourceExt;
use mercato_operator::preview::parse;
use mercato_operator::render::{Inputs, Settings, render};
use mercato_topology::catalog::{SERVICES, consumed_by};
use mercato_topology::{ArgValue, Declaration, TopologySettings};
use serde_json::{Value, json};

/// Every example `MarketplaceService` by name.
fn examples() -> BTreeMap<String, mercato_operator::api::MarketplaceService> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("examples/ exists") {
        let path = entry.expect("readable entry").path();
        let text = std::fs::read_to_string(&path).expect("readable example");
        for ms in parse(&text).expect("valid example") {
            found.insert(ms.name_any(), ms);
        }
    }
    found
}

/// (queue name, type, arguments) as the Topology Operator objects carry them.
type QueueView = (String, String, BTreeMap<String, Value>);

/// What the service declares for `settings`, in the same form.
fn declared_by_service(
    settings: &TopologySettings,
    service: &str,
) -> (Vec<QueueView>, BTreeSet<(String, String, String)>) {
    let declaration = Declaration::of(settings, service, &consumed_by(service));
    let queues = declaration
        .queues
        .iter()
        .map(|q| {
            let arguments = q
                .arguments
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        ArgValue::Text(t) => json!(t),
                        ArgValue::Int32(n) => json!(n),
                        ArgValue::Int64(n) => json!(n),
                    };
                    ((*k).to_owned(), v)
                })
                .collect();
            (q.name.clone(), q.queue_type.as_str().to_owned(), arguments)
        })
        .collect();
    let bindings = declaration
        .bindings
        .iter()
        .map(|b| {
            (
                b.source.clone(),
                b.destination.clone(),
                b.routing_key.clone(),
            )
        })
        .collect();
    (queues, bindings)
}

/// The plain environment variables of `ms`'s rendered Deployment.
fn deployment_env(objects: &[Value]) -> Vec<(String, String)> {
    let deployment = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment");
    deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_owned(),
                e["value"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Asserts that what the operator renders for `ms` is what the service `ms` runs would
/// declare itself, reading its settings from the environment the operator gives it.
fn assert_same_topology(ms: &mercato_operator::api::MarketplaceService) {
    let service = ms.name_any();
    let objects: Vec<Value> = render(ms, &Inputs::assumed(ms), &Settings::default())
        .owned
        .iter()
        .map(|o| serde_json::to_value(o).expect("JSON"))
        .collect();
    let env = deployment_env(&objects);
    let settings = TopologySettings::from_vars(env.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        .unwrap_or_else(|e| panic!("{service} would refuse its environment: {e}"));

    let mut rendered_queues: Vec<QueueView> = objects
        .iter()
        .filter(|o| o["kind"] == "Queue")
        .map(|q| {
            let spec = &q["spec"];
            let arguments = spec["arguments"]
                .as_object()
                .map(|a| a.clone().into_iter().collect())
                .unwrap_or_default();
            (
                spec["name"].as_str().expect("name").to_owned(),
                spec["type"].as_str().expect("type").to_owned(),
                arguments,
            )
        })
        .collect();
    let rendered_bindings: BTreeSet<(String, String, String)> = objects
        .iter()
        .filter(|o| o["kind"] == "Binding")
        .map(|b| {
            let spec = &b["spec"];
            let text = |k: &str| spec[k].as_str().unwrap_or_default().to_owned();
            (text("source"), text("destination"), text("routingKey"))
        })
        .collect();
    let (mut expected_queues, expected_bindings) = declared_by_service(&settings, &service);
    rendered_queues.sort_by(|a, b| a.0.cmp(&b.0));
    expected_queues.sort_by(|a, b| a.0.cmp(&b.0));

    assert_eq!(rendered_queues, expected_queues, "{service}'s queues");
    assert_eq!(rendered_bindings, expected_bindings, "{service}'s bindings");
}

#[test]
fn every_service_gets_from_the_operator_the_topology_it_would_declare_itself() {
    let examples = examples();
    for service in SERVICES {
        let ms = examples
            .get(service)
            .unwrap_or_else(|| panic!("no example MarketplaceService for {service}"));
        assert_same_topology(ms);
    }
}

#[test]
fn settings_away_from_the_defaults_reach_the_service_too() {
    let users = examples()["users"].clone();
    let mut quorum = users.clone();
    let consume = &mut quorum.spec.messaging.as_mut().expect("messaging").consumes[0];
    consume.retry.delays_ms = vec![250, 4_000];
    consume.retry.delivery_limit = 7;
    consume.dead_letter.exchange = "shop.dead".into();
    let mut classic = users;
    classic.spec.messaging.as_mut().expect("messaging").consumes[0].kind =
        mercato_operator::api::QueueType::Classic;

    assert_same_topology(&quorum);
    assert_same_topology(&classic);
}

#[test]
fn a_changed_dead_letter_queue_or_queue_name_reaches_the_service() {
    let mut ms = examples()["users"].clone();
    let consume = &mut ms.spec.messaging.as_mut().expect("messaging").consumes[0];
    consume.queue = "shop.people".into();
    consume.dead_letter.queue = Some("shop.people.graveyard".into());
    let objects: Vec<Value> = render(&ms, &Inputs::assumed(&ms), &Settings::default())
        .owned
        .iter()
        .map(|o| serde_json::to_value(o).expect("JSON"))
        .collect();
    let env = deployment_env(&objects);

    let settings = TopologySettings::from_vars(env.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        .expect("valid");

    assert_eq!(settings.work_queue("users"), "shop.people");
    assert_eq!(settings.dead_letter_queue("users"), "shop.people.graveyard");
}
