//! The management-API topology backend against the local RabbitMQ (management plugin on
//! 15672, enabled by `scripts/deps.sh`): declared, updated, refused and cleaned up for real.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::fake::Cluster;
use super::{MSVC, NS, RABBIT, component, condition, run, secret};

const API: &str = "http://127.0.0.1:15672/api";

/// Names under `test.` (swept by `scripts/clean-test-broker.py` if a run is interrupted).
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("test.msvc-{}-{nanos}", std::process::id())
}

fn api_secret(cluster: &Cluster, password: &str) {
    // Kubernetes keeps Secret data base64-encoded.
    let b64 = |s: &str| STANDARD.encode(s);
    cluster.put(
        &format!("{NS}/secrets/broker-api"),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "broker-api", "namespace": "shop"},
               "data": {"url": b64("http://127.0.0.1:15672"), "username": b64("guest"), "password": b64(password)}}),
    );
}

/// A cluster with the Secrets a component needs, the management API's password being `password`.
fn broker_cluster(password: &str) -> Cluster {
    let cluster = Cluster::default();
    secret(&cluster, "users-amqp", &["url"]);
    secret(&cluster, "mercato-token-keys", &["jwks.json"]);
    api_secret(&cluster, password);
    cluster
}

fn spec(prefix: &str, keys: &[&str], delivery_limit: u32, policy: &str) -> Value {
    json!({
        "image": "registry.example.com/users:1",
        "messaging": {
            "broker": {"managementSecret": "broker-api"},
            "credentials": {"name": "users-amqp", "key": "url"},
            "publishes": [{"exchange": format!("{prefix}.events")}],
            "consumes": [{
                "queue": format!("{prefix}.users"),
                "bindings": keys.iter().map(|k| json!({"exchange": format!("{prefix}.events"), "routingKey": k})).collect::<Vec<_>>(),
                "retry": {"delaysMs": [100, 200], "deliveryLimit": delivery_limit},
                "deadLetter": {"exchange": format!("{prefix}.dlx")},
                "deletionPolicy": policy
            }]
        },
        "tokenPolicy": {"audience": "users"}
    })
}

async fn get(path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{API}{path}"))
        .basic_auth("guest", Some("guest"))
        .send()
        .await
        .expect("the management API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn delete(path: &str) {
    let _ = reqwest::Client::new()
        .delete(format!("{API}{path}"))
        .basic_auth("guest", Some("guest"))
        .send()
        .await;
}

async fn routing_keys(queue: &str) -> Vec<String> {
    let (_, bindings) = get(&format!("/queues/%2F/{queue}/bindings")).await;
    let mut keys: Vec<String> = bindings
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["source"] != "")
        .filter_map(|b| b["routing_key"].as_str().map(str::to_owned))
        .collect();
    keys.sort();
    keys
}

/// Exchanges are shared by every component: deleting one component leaves them.
async fn assert_exchanges_outlive_the_component(prefix: &str) {
    for exchange in ["events", "dlx"] {
        assert_eq!(
            get(&format!("/exchanges/%2F/{prefix}.{exchange}")).await.0,
            200,
            "{exchange} kept"
        );
    }
}

async fn clean_up(prefix: &str) {
    for queue in ["users", "users.dlq", "users.retry.1", "users.retry.2"] {
        delete(&format!("/queues/%2F/{prefix}.{queue}")).await;
    }
    for exchange in ["events", "dlx"] {
        delete(&format!("/exchanges/%2F/{prefix}.{exchange}")).await;
    }
}

#[tokio::test]
async fn the_topology_is_declared_updated_and_refused_through_the_management_api() {
    let prefix = unique();
    let cluster = broker_cluster("guest");
    cluster.put(
        &format!("{MSVC}/gateway"),
        component("gateway", super::gateway_spec()),
    );
    cluster.put(
        &format!("{MSVC}/users"),
        component("users", spec(&prefix, &["a.v1", "b.v1"], 20, "Retain")),
    );

    run(&cluster, "users").await;
    let (status, reason, message) = condition(&cluster, "users", "MessagingReady");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("True", "TopologyDeclared"),
        "{message}"
    );
    let (code, queue) = get(&format!("/queues/%2F/{prefix}.users")).await;
    assert_eq!(code, 200, "the work queue exists");
    assert_eq!(queue["arguments"]["x-queue-type"], "quorum");
    assert_eq!(queue["arguments"]["x-delivery-limit"], 20);
    assert_eq!(
        get(&format!("/exchanges/%2F/{prefix}.dlx")).await.1["type"],
        "direct"
    );
    assert_eq!(
        get(&format!("/queues/%2F/{prefix}.users.retry.2")).await.1["arguments"]["x-message-ttl"],
        200
    );
    assert_eq!(
        routing_keys(&format!("{prefix}.users")).await,
        ["a.v1", "b.v1"]
    );
    assert_eq!(
        routing_keys(&format!("{prefix}.users.dlq")).await,
        [format!("{prefix}.users")]
    );
    assert!(
        cluster.paths(&format!("{RABBIT}/")).is_empty(),
        "no Topology Operator objects"
    );

    // A binding dropped and one added: the broker follows.
    cluster.edit(&format!("{MSVC}/users"), |u| {
        u["spec"] = spec(&prefix, &["b.v1", "c.v1"], 20, "Retain")
    });
    run(&cluster, "users").await;
    assert_eq!(
        routing_keys(&format!("{prefix}.users")).await,
        ["b.v1", "c.v1"]
    );

    // A queue argument RabbitMQ cannot change is refused and reported, the queue kept.
    cluster.edit(&format!("{MSVC}/users"), |u| {
        u["spec"] = spec(&prefix, &["b.v1", "c.v1"], 30, "Retain")
    });
    run(&cluster, "users").await;
    let (status, reason, message) = condition(&cluster, "users", "MessagingReady");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "TopologyRejected")
    );
    assert!(
        message.contains(&format!("queue {prefix}.users")) && message.contains("inequivalent"),
        "{message}"
    );
    assert_eq!(
        get(&format!("/queues/%2F/{prefix}.users")).await.1["arguments"]["x-delivery-limit"],
        20
    );

    // Deleted with Retain: the work and dead-letter queues stay, the retry queues go.
    cluster.edit(&format!("{MSVC}/users"), |u| {
        u["spec"] = spec(&prefix, &["b.v1", "c.v1"], 20, "Retain");
        u["metadata"]["deletionTimestamp"] = json!("2026-11-27T12:00:00Z");
    });
    run(&cluster, "users").await;
    assert_eq!(get(&format!("/queues/%2F/{prefix}.users")).await.0, 200);
    assert_eq!(get(&format!("/queues/%2F/{prefix}.users.dlq")).await.0, 200);
    for retry in ["users.retry.1", "users.retry.2"] {
        assert_eq!(
            get(&format!("/queues/%2F/{prefix}.{retry}")).await.0,
            404,
            "{retry} deleted"
        );
    }
    assert_exchanges_outlive_the_component(&prefix).await;
    assert!(
        cluster.get(&format!("{MSVC}/users")).is_none(),
        "finalizer released"
    );
    clean_up(&prefix).await;
}

#[tokio::test]
async fn delete_policy_removes_the_queues_and_bad_credentials_are_reported() {
    let prefix = unique();
    let cluster = broker_cluster("not-the-password");
    cluster.put(
        &format!("{MSVC}/users"),
        component("users", spec(&prefix, &["a.v1"], 20, "Delete")),
    );
    run(&cluster, "users").await;
    let (status, reason, _) = condition(&cluster, "users", "MessagingReady");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "BrokerUnauthorized")
    );
    assert_eq!(get(&format!("/queues/%2F/{prefix}.users")).await.0, 404);

    api_secret(&cluster, "guest");
    run(&cluster, "users").await;
    assert_eq!(
        condition(&cluster, "users", "MessagingReady").1,
        "TopologyDeclared"
    );
    cluster.edit(&format!("{MSVC}/users"), |u| {
        u["metadata"]["deletionTimestamp"] = json!("2026-11-27T12:00:00Z");
    });
    run(&cluster, "users").await;
    for queue in ["users", "users.dlq", "users.retry.1", "users.retry.2"] {
        assert_eq!(
            get(&format!("/queues/%2F/{prefix}.{queue}")).await.0,
            404,
            "{queue} deleted"
        );
    }
    assert_exchanges_outlive_the_component(&prefix).await;
    clean_up(&prefix).await;
}

#[tokio::test]
async fn a_binding_to_an_undeclared_exchange_waits_and_the_rest_is_declared() {
    let prefix = unique();
    let cluster = broker_cluster("guest");
    let mut consumer = spec(&prefix, &["a.v1"], 20, "Delete");
    // Nobody publishes to (so nobody declares) the events exchange yet.
    consumer["messaging"]["publishes"] = json!([]);
    cluster.put(&format!("{MSVC}/users"), component("users", consumer));
    run(&cluster, "users").await;

    let (status, reason, message) = condition(&cluster, "users", "MessagingReady");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("Unknown", "ExchangePending")
    );
    assert!(message.contains(&format!("{prefix}.events")), "{message}");
    // The dead-letter binding is made all the same.
    assert_eq!(
        routing_keys(&format!("{prefix}.users.dlq")).await,
        [format!("{prefix}.users")]
    );
    clean_up(&prefix).await;
}

#[tokio::test]
async fn deletion_goes_on_with_refused_credentials_and_says_what_is_left() {
    let prefix = unique();
    let cluster = broker_cluster("guest");
    cluster.put(
        &format!("{MSVC}/users"),
        component("users", spec(&prefix, &["a.v1"], 20, "Delete")),
    );
    run(&cluster, "users").await;
    assert_eq!(
        condition(&cluster, "users", "MessagingReady").1,
        "TopologyDeclared"
    );

    api_secret(&cluster, "rotated-elsewhere");
    cluster.edit(&format!("{MSVC}/users"), |u| {
        u["metadata"]["deletionTimestamp"] = json!("2026-11-27T12:00:00Z");
    });
    cluster.take_calls();
    run(&cluster, "users").await;
    assert!(cluster.get(&format!("{MSVC}/users")).is_none(), "not stuck");
    assert_eq!(
        get(&format!("/queues/%2F/{prefix}.users")).await.0,
        200,
        "left on the broker"
    );
    let events: Vec<Value> = cluster
        .take_calls()
        .into_iter()
        .filter(|c| c.is_write() && c.path.contains("/events"))
        .map(|c| c.body)
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "Warning", "{events:?}");
    assert!(
        events[0]["note"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("{prefix}.users"))),
        "the event names what is left on the broker: {events:?}"
    );
    clean_up(&prefix).await;
}
