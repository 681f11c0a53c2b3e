//! Reconciles and their inputs: a missing Secret or issuer is a condition and holds the
//! Deployment back, a rotated Secret rolls the pods, AWS bindings become URLs once their
//! endpoints are available.

use super::*;

#[tokio::test]
async fn a_missing_secret_is_a_condition_and_no_deployment_is_written() {
    let cluster = cluster();
    cluster.put(
        &format!("{MSVC}/users"),
        component("users", {
            let mut spec = users_spec();
            spec["databases"][0]["secretRef"]["name"] = json!("absent-db");
            spec
        }),
    );
    run(&cluster, "users").await;

    let (status, reason, message) = condition(&cluster, "users", "DatabasesBound");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "SecretNotFound")
    );
    assert!(message.contains("absent-db"), "{message}");
    assert_eq!(condition(&cluster, "users", "Ready").1, "InputsMissing");
    assert!(cluster.get(&format!("{APPS}/deployments/users")).is_none());
    // The rest is in place, so traffic policy and topology do not wait for the Secret.
    assert!(cluster.get(&format!("{NS}/services/users")).is_some());
    let events: Vec<Value> = cluster
        .take_calls()
        .into_iter()
        .filter(|c| c.is_write() && c.path.contains("/events"))
        .map(|c| c.body)
        .collect();
    assert_eq!(events.len(), 1, "one event on the Ready change: {events:?}");
    assert_eq!(events[0]["type"], "Warning", "{events:?}");
    assert_eq!(
        events[0]["reason"], "InputsMissing",
        "Ready's reason: {events:?}"
    );
    assert!(
        events[0]["note"]
            .as_str()
            .is_some_and(|m| m.contains("waiting for Secret absent-db")),
        "the event names what is missing: {events:?}"
    );

    // A Secret without the key is reported as such.
    secret(&cluster, "absent-db", &["password"]);
    run(&cluster, "users").await;
    assert_eq!(
        condition(&cluster, "users", "DatabasesBound").1,
        "SecretKeyNotFound"
    );

    secret(&cluster, "absent-db", &["url"]);
    run(&cluster, "users").await;
    assert_eq!(condition(&cluster, "users", "DatabasesBound").0, "True");
    assert!(cluster.get(&format!("{APPS}/deployments/users")).is_some());
}

#[tokio::test]
async fn a_service_without_a_gateway_reports_the_issuer_missing() {
    let cluster = Cluster::default();
    secret(&cluster, "users-db", &["url"]);
    secret(&cluster, "users-amqp", &["url"]);
    secret(&cluster, "mercato-token-keys", &["jwks.json"]);
    cluster.put(&format!("{MSVC}/users"), component("users", users_spec()));
    run(&cluster, "users").await;
    let (status, reason, _) = condition(&cluster, "users", "TokenPolicyReady");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "IssuerNotFound")
    );
}

#[tokio::test]
async fn a_rotated_secret_rolls_the_pods() {
    let cluster = cluster();
    run(&cluster, "users").await;
    let hash = |c: &Cluster| {
        c.get(&format!("{APPS}/deployments/users")).expect("deployment")["spec"]["template"]
            ["metadata"]["annotations"]["mercato.dev/secrets-hash"]
            .clone()
    };
    let before = hash(&cluster);
    // Labelling (a new resourceVersion, same data) restarts nothing.
    cluster.edit(&format!("{NS}/secrets/users-db"), |s| {
        s["metadata"]["labels"] = json!({"mercato.dev/bindable": "true"});
    });
    run(&cluster, "users").await;
    assert_eq!(hash(&cluster), before);
    // A new value rolls the pods.
    cluster.edit(&format!("{NS}/secrets/users-db"), |s| {
        s["data"]["url"] = json!("bmV3LXZhbHVl")
    });
    run(&cluster, "users").await;
    assert_ne!(hash(&cluster), before);
}

#[tokio::test]
async fn aws_bindings_resolve_to_urls_or_hold_the_deployment() {
    let cluster = cluster();
    secret(
        &cluster,
        "orders-db-credentials",
        &["username", "password", "database"],
    );
    let aws_spec = |instance: &str| {
        let mut spec = users_spec();
        spec["databases"] = json!([{"name": "primary", "engine": "Postgres",
            "aws": {"rdsInstanceIdentifier": instance, "region": "eu-west-1", "credentialsSecret": "orders-db-credentials"}}]);
        spec
    };
    cluster.put(
        &format!("{MSVC}/users"),
        component("users", aws_spec("reviews")),
    );
    run(&cluster, "users").await;
    let (status, reason, message) = condition(&cluster, "users", "DatabasesBound");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "EndpointNotAvailable")
    );
    assert_eq!(message, "primary: reviews is creating");
    assert!(cluster.get(&format!("{APPS}/deployments/users")).is_none());

    cluster.edit(&format!("{MSVC}/users"), |u| u["spec"] = aws_spec("orders"));
    run(&cluster, "users").await;
    assert_eq!(condition(&cluster, "users", "DatabasesBound").0, "True");
    let deployment = cluster
        .get(&format!("{APPS}/deployments/users"))
        .expect("deployment");
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let url = env
        .iter()
        .find(|e| e["name"] == "DATABASE_URL")
        .expect("DATABASE_URL");
    assert_eq!(
        url["value"],
        "postgres://$(MERCATO_DB_PRIMARY_USERNAME):$(MERCATO_DB_PRIMARY_PASSWORD)@orders.rds.example:5432/$(MERCATO_DB_PRIMARY_DATABASE)"
    );
    let password = env
        .iter()
        .find(|e| e["name"] == "MERCATO_DB_PRIMARY_PASSWORD")
        .expect("password");
    assert_eq!(
        password["valueFrom"]["secretKeyRef"]["name"],
        "orders-db-credentials"
    );
}
