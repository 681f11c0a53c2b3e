//! The CRD's CEL rules, evaluated client-side with kube's `cel` feature: each accepts a good
//! object and rejects the bad one with its message, and the structure the API server needs
//! for them (list-map keys under transition rules) is in place.

use kube::CustomResourceExt;
use mercato_operator::api::MarketplaceService;
use serde_json::{Value, json};

fn object(spec: Value) -> MarketplaceService {
    serde_json::from_value(json!({
        "apiVersion": "mercato.dev/v1alpha1", "kind": "MarketplaceService",
        "metadata": {"name": "orders", "namespace": "shop"}, "spec": spec
    }))
    .expect("the object parses")
}

fn service() -> Value {
    json!({
        "image": "registry.example.com/orders:1",
        "databases": [{"name": "primary", "engine": "Postgres", "secretRef": {"name": "orders-db", "key": "url"}}],
        "messaging": {
            "broker": {"name": "rabbitmq"},
            "credentials": {"name": "orders-amqp", "key": "url"},
            "consumes": [{"queue": "mercato.orders", "type": "Quorum",
                          "bindings": [{"exchange": "mercato.events", "routingKey": "gig.created.v1"}],
                          "deadLetter": {"exchange": "mercato.dlx"}}]
        }
    })
}

fn gateway() -> Value {
    json!({"role": "Gateway", "image": "registry.example.com/gateway:1",
           "ingress": {"hosts": ["api.example.com"]}, "tokenPolicy": {"issuer": "mercato-gateway"}})
}

/// Applies `change` to a good spec and expects `message` among the errors.
fn rejected(base: Value, change: impl FnOnce(&mut Value), message: &str) {
    assert!(
        object(base.clone()).validate_cel().is_ok(),
        "the base object is valid"
    );
    let mut spec = base;
    change(&mut spec);
    let errors = object(spec)
        .validate_cel()
        .expect_err("the changed object is refused")
        .to_string();
    assert!(errors.contains(message), "expected {message:?} in {errors}");
}

#[test]
fn the_examples_base_objects_are_valid() {
    assert!(object(service()).validate_cel().is_ok());
    assert!(object(gateway()).validate_cel().is_ok());
}

#[test]
fn only_a_gateway_may_have_an_ingress_or_an_issuer() {
    rejected(
        service(),
        |s| s["ingress"] = json!({"hosts": ["x.example.com"]}),
        "spec.ingress is only allowed when spec.role is Gateway",
    );
    rejected(
        service(),
        |s| s["tokenPolicy"] = json!({"issuer": "me"}),
        "only a Gateway mints tokens",
    );
    rejected(
        gateway(),
        |s| s["tokenPolicy"] = json!({}),
        "spec.tokenPolicy.issuer is required",
    );
    rejected(
        gateway(),
        |s| s["tokenPolicy"]["audience"] = json!("x"),
        "spec.tokenPolicy.audience is for services",
    );
    rejected(
        gateway(),
        |s| {
            s.as_object_mut().map(|o| o.remove("ingress"));
            s["dns"] = json!({});
        },
        "spec.dns needs spec.ingress",
    );
}

#[test]
fn tls_ends_at_the_ingress_controller_or_at_the_load_balancer_not_both() {
    let with_tls = || {
        let mut spec = gateway();
        spec["ingress"]["tlsSecretName"] = json!("api-tls");
        spec
    };
    rejected(
        with_tls(),
        |s| s["ingress"]["loadBalancerTls"] = json!(true),
        "TLS ends either at the ingress controller (tlsSecretName) or at the load balancer",
    );
    let mut at_the_balancer = gateway();
    at_the_balancer["ingress"]["loadBalancerTls"] = json!(true);
    assert!(object(at_the_balancer).validate_cel().is_ok());
}

#[test]
fn replicas_and_autoscaling_exclude_each_other() {
    rejected(
        service(),
        |s| {
            s["replicas"] = json!(3);
            s["autoscaling"] = json!({"maxReplicas": 5});
        },
        "set spec.replicas or spec.autoscaling, not both",
    );
    rejected(
        service(),
        |s| s["autoscaling"] = json!({"minReplicas": 6, "maxReplicas": 5}),
        "must not exceed",
    );
}

#[test]
fn a_database_has_exactly_one_source() {
    rejected(
        service(),
        |s| {
            s["databases"][0]["aws"] = json!({"rdsInstanceIdentifier": "db", "region": "eu-west-1", "credentialsSecret": "c"})
        },
        "exactly one of secretRef or aws",
    );
    rejected(
        service(),
        |s| {
            s["databases"][0]
                .as_object_mut()
                .map(|o| o.remove("secretRef"));
        },
        "exactly one of secretRef or aws",
    );
    fn aws(engine: &'static str, id: Value) -> impl FnOnce(&mut Value) {
        move |s: &mut Value| {
            s["databases"][0] = json!({"name": "primary", "engine": engine, "aws": id});
            s["databases"][0]["aws"]["region"] = json!("eu-west-1");
            s["databases"][0]["aws"]["credentialsSecret"] = json!("orders-db-credentials");
        }
    }
    let mut ok = service();
    aws("Postgres", json!({"rdsInstanceIdentifier": "orders"}))(&mut ok);
    assert!(object(ok).validate_cel().is_ok());
    rejected(
        service(),
        aws(
            "Postgres",
            json!({"rdsInstanceIdentifier": "a", "rdsClusterIdentifier": "b"}),
        ),
        "exactly one of rdsInstanceIdentifier",
    );
    rejected(
        service(),
        aws("Redis", json!({"rdsInstanceIdentifier": "a"})),
        "Redis binds an ElastiCache replication group",
    );
    rejected(
        service(),
        aws("MongoDB", json!({"rdsInstanceIdentifier": "a"})),
        "MongoDB binds through secretRef",
    );
}

#[test]
fn the_broker_is_named_once_and_env_entries_have_one_source() {
    rejected(
        service(),
        |s| s["messaging"]["broker"]["connectionSecret"] = json!("ext"),
        "exactly one of name",
    );
    rejected(
        service(),
        |s| s["env"] = json!([{"name": "A"}]),
        "exactly one of value or secretKeyRef",
    );
    rejected(
        service(),
        |s| s["messaging"]["consumes"][0]["retry"] = json!({"delaysMs": [0]}),
        "retry delays are between",
    );
}

#[test]
fn long_names_are_refused() {
    let mut long = object(service());
    long.metadata.name = Some("x".repeat(41));
    let errors = long.validate_cel().expect_err("refused").to_string();
    assert!(errors.contains("at most 40 characters"), "{errors}");
}

#[test]
fn a_queue_type_cannot_change_but_other_fields_can() {
    let old = object(service());
    let mut spec = service();
    spec["messaging"]["consumes"][0]["bindings"][0]["routingKey"] = json!("gig.updated.v1");
    assert!(object(spec.clone()).validate_cel_update(&old).is_ok());

    spec["messaging"]["consumes"][0]["type"] = json!("Classic");
    let errors = object(spec.clone())
        .validate_cel_update(&old)
        .expect_err("type change refused")
        .to_string();
    assert!(errors.contains("fixed when it is created"), "{errors}");

    // The queue's other arguments are fixed as well; max attempts (consumer-side) is not.
    for (field, value) in [
        ("deliveryLimit", json!(30)),
        ("delaysMs", json!([1000, 2000])),
    ] {
        let mut spec = service();
        spec["messaging"]["consumes"][0]["retry"] = json!({field: value});
        let errors = object(spec)
            .validate_cel_update(&old)
            .expect_err("argument change refused")
            .to_string();
        assert!(
            errors.contains("fixed when it is created"),
            "{field}: {errors}"
        );
    }
    let mut spec = service();
    spec["messaging"]["consumes"][0]["deadLetter"] = json!({"exchange": "other.dlx"});
    let errors = object(spec)
        .validate_cel_update(&old)
        .expect_err("dead-letter change refused")
        .to_string();
    assert!(errors.contains("fixed when it is created"), "{errors}");
    let mut spec = service();
    spec["messaging"]["consumes"][0]["retry"] = json!({"maxAttempts": 9});
    assert!(object(spec).validate_cel_update(&old).is_ok());
}

#[test]
fn rendered_variables_and_ports_cannot_collide() {
    rejected(
        service(),
        |s| s["env"] = json!([{"name": "DATABASE_URL", "value": "x"}]),
        "may not set what the operator sets",
    );
    rejected(
        service(),
        |s| s["env"] = json!([{"name": "EVENTS_EXCHANGE", "value": "x"}]),
        "may not set what the operator sets",
    );
    rejected(
        service(),
        |s| s["ports"] = json!([{"name": "http", "port": 80}, {"name": "admin", "port": 80}]),
        "share a port number",
    );
    rejected(
        service(),
        |s| {
            s["databases"] = json!([
                {"name": "primary", "engine": "Postgres", "secretRef": {"name": "a", "key": "url"}},
                {"name": "replica", "engine": "MySQL", "secretRef": {"name": "b", "key": "url"}}
            ]);
        },
        "would set the same variable",
    );
    rejected(
        service(),
        |s| {
            s["databases"][0]["envVar"] = json!("ORDERS_DB");
            s["env"] = json!([{"name": "ORDERS_DB", "value": "x"}]);
        },
        "already a database's envVar",
    );
    let mut ok = service();
    ok["databases"] = json!([
        {"name": "primary", "engine": "Postgres", "secretRef": {"name": "a", "key": "url"}},
        {"name": "replica", "engine": "Postgres", "envVar": "REPLICA_URL", "secretRef": {"name": "b", "key": "url"}}
    ]);
    ok["env"] = json!([{"name": "FEATURE_FLAGS", "value": "x"}]);
    assert!(object(ok).validate_cel().is_ok());
}

/// Every array at or above a rule that uses `oldSelf` must be a list-map, or the API server
/// refuses the CRD ("oldSelf cannot be used on the uncorrelatable portion of the schema").
#[test]
fn transition_rules_sit_under_list_maps_only() {
    fn walk(schema: &Value, arrays_ok: bool, path: &str, found: &mut usize) {
        let uses_old_self = schema["x-kubernetes-validations"]
            .as_array()
            .is_some_and(|rules| {
                rules
                    .iter()
                    .any(|r| r["rule"].as_str().is_some_and(|r| r.contains("oldSelf")))
            });
        if uses_old_self {
            assert!(
                arrays_ok,
                "{path} has a transition rule under an array that is not a list-map"
            );
            *found += 1;
        }
        if let Some(props) = schema["properties"].as_object() {
            for (name, child) in props {
                walk(child, arrays_ok, &format!("{path}.{name}"), found);
            }
        }
        if schema["items"].is_object() {
            let is_map = schema["x-kubernetes-list-type"] == "map"
                && schema["x-kubernetes-list-map-keys"]
                    .as_array()
                    .is_some_and(|k| !k.is_empty());
            walk(
                &schema["items"],
                arrays_ok && is_map,
                &format!("{path}[]"),
                found,
            );
        }
    }
    let crd = serde_json::to_value(MarketplaceService::crd()).expect("CRD as JSON");
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    let mut found = 0;
    walk(schema, true, "", &mut found);
    assert_eq!(found, 1, "the queue arguments rule");
}

#[test]
fn the_crd_has_the_names_and_columns_platform_engineers_use() {
    let crd = serde_json::to_value(MarketplaceService::crd()).expect("CRD as JSON");
    assert_eq!(crd["spec"]["names"]["shortNames"], json!(["msvc"]));
    assert_eq!(crd["spec"]["names"]["categories"], json!(["mercato"]));
    assert_eq!(crd["spec"]["scope"], "Namespaced");
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert!(version["subresources"]["status"].is_object());
    let columns: Vec<&str> = version["additionalPrinterColumns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        columns,
        ["Role", "Ready", "Reason", "Available", "URL", "Age"]
    );
    let spec = &version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
    let consume = &spec["messaging"]["properties"]["consumes"]["items"]["properties"];
    assert_eq!(consume["deletionPolicy"]["default"], "Retain");
    assert_eq!(consume["type"]["default"], "Quorum");
    assert_eq!(spec["role"]["default"], "Internal");
}

#[test]
fn a_service_binds_and_publishes_through_one_exchange() {
    rejected(
        service(),
        |s| {
            s["messaging"]["consumes"][0]["bindings"] = json!([
                {"exchange": "mercato.events", "routingKey": "gig.created.v1"},
                {"exchange": "other.events", "routingKey": "gig.updated.v1"}
            ]);
        },
        "every binding of a queue comes from one exchange",
    );
    rejected(
        service(),
        |s| s["messaging"]["publishes"] = json!([{"exchange": "other.events"}]),
        "a service has one EVENTS_EXCHANGE",
    );
    let mut ok = service();
    ok["messaging"]["publishes"] = json!([{"exchange": "mercato.events"}]);
    assert!(object(ok).validate_cel().is_ok());
}
