//! Reconcile sequences against an in-memory API server (a `tower-test` mock): what a new
//! object creates, that an unchanged one writes nothing, drift put back, readiness and
//! autoscaling; the helpers every sequence shares. The inputs (Secrets, issuer, AWS endpoints),
//! removal (pruning, deletion), monitoring and the management-API broker have files of their own.

mod fake;
mod inputs;
mod management;
mod monitoring;
mod removal;

use std::sync::Arc;

use fake::Cluster;
use futures_util::future::BoxFuture;
use http::Method;
use mercato_operator::api::{AwsDatabase, MarketplaceService};
use mercato_operator::endpoints::{EndpointResolver, LookupError};
use mercato_operator::reconcile::{Context, FINALIZER, reconcile};
use mercato_operator::render::Settings;
use mercato_operator::render::inputs::DbEndpoint;
use serde_json::{Value, json};

const NS: &str = "/api/v1/namespaces/shop";
const APPS: &str = "/apis/apps/v1/namespaces/shop";
const NET: &str = "/apis/networking.k8s.io/v1/namespaces/shop";
const RABBIT: &str = "/apis/rabbitmq.com/v1beta1/namespaces/shop";
const DNS: &str = "/apis/externaldns.k8s.io/v1alpha1/namespaces/shop";
const MSVC: &str = "/apis/mercato.dev/v1alpha1/namespaces/shop/marketplaceservices";

fn secret(cluster: &Cluster, name: &str, keys: &[&str]) {
    let data: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| ((*k).to_owned(), json!("c2VjcmV0")))
        .collect();
    cluster.put(
        &format!("{NS}/secrets/{name}"),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "shop"}, "data": data}),
    );
}

fn component(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "mercato.dev/v1alpha1", "kind": "MarketplaceService",
           "metadata": {"name": name, "namespace": "shop"}, "spec": spec})
}

fn users_spec() -> Value {
    json!({
        "image": "registry.example.com/users:1",
        "ports": [{"name": "http", "port": 4003}],
        "databases": [{"name": "primary", "engine": "MongoDB", "secretRef": {"name": "users-db", "key": "url"}}],
        "messaging": {
            "broker": {"name": "rabbitmq"},
            "credentials": {"name": "users-amqp", "key": "url"},
            "publishes": [{"exchange": "mercato.events"}],
            "consumes": [{
                "queue": "mercato.users",
                "bindings": [{"exchange": "mercato.events", "routingKey": "user.registered.v1"}],
                "deadLetter": {"exchange": "mercato.dlx"}
            }]
        },
        "tokenPolicy": {"audience": "users"}
    })
}

fn gateway_spec() -> Value {
    json!({
        "role": "Gateway",
        "image": "registry.example.com/gateway:1",
        "ports": [{"name": "http", "port": 4000}],
        "ingress": {"hosts": ["api.shop.example"]},
        "dns": {"mode": "DNSEndpoint"},
        "tokenPolicy": {"issuer": "mercato-gateway"}
    })
}

/// A cluster with the users component, its Secrets and a gateway.
fn cluster() -> Cluster {
    let cluster = Cluster::default();
    secret(&cluster, "users-db", &["url"]);
    secret(&cluster, "users-amqp", &["url"]);
    secret(
        &cluster,
        "mercato-token-keys",
        &["jwks.json", "signing-key.pem", "kid"],
    );
    cluster.put(&format!("{MSVC}/users"), component("users", users_spec()));
    cluster.put(
        &format!("{MSVC}/gateway"),
        component("gateway", gateway_spec()),
    );
    cluster
}

async fn run(cluster: &Cluster, name: &str) -> kube::runtime::controller::Action {
    run_with(cluster, name, Settings::default()).await
}

/// [`run`] by an operator installed with `settings`.
async fn run_with(
    cluster: &Cluster,
    name: &str,
    settings: Settings,
) -> kube::runtime::controller::Action {
    let object = cluster
        .get(&format!("{MSVC}/{name}"))
        .unwrap_or_else(|| panic!("{name} exists"));
    let ms: MarketplaceService = serde_json::from_value(object).expect("a MarketplaceService");
    let ctx = Arc::new(Context::new(
        cluster.client(),
        settings,
        "test".into(),
        Arc::new(FixedEndpoints),
    ));
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        reconcile(Arc::new(ms), ctx),
    )
    .await
    .expect("the reconcile finishes")
    .expect("the reconcile succeeds")
}

/// AWS as the tests need it: `orders` is available, `reviews` still being created.
#[derive(Debug)]
struct FixedEndpoints;

impl EndpointResolver for FixedEndpoints {
    fn resolve<'a>(
        &'a self,
        db: &'a AwsDatabase,
    ) -> BoxFuture<'a, Result<DbEndpoint, LookupError>> {
        let id = db.rds_instance_identifier.clone().unwrap_or_default();
        Box::pin(async move {
            match id.as_str() {
                "orders" => Ok(DbEndpoint {
                    host: "orders.rds.example".into(),
                    port: 5432,
                }),
                _ => Err(LookupError::NotAvailable {
                    id,
                    status: "creating".into(),
                }),
            }
        })
    }
}

fn condition(cluster: &Cluster, name: &str, type_: &str) -> (String, String, String) {
    let object = cluster.get(&format!("{MSVC}/{name}")).expect("exists");
    let c = object["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == type_).cloned())
        .unwrap_or_else(|| panic!("{name} has condition {type_}: {object}"));
    let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
    (s("status"), s("reason"), s("message"))
}

fn writes(calls: &[fake::Call]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| c.is_write())
        .map(|c| format!("{} {}", c.method, c.path))
        .collect()
}

#[tokio::test]
async fn a_new_object_creates_its_children_and_reports_status() {
    let cluster = cluster();
    run(&cluster, "users").await;

    for path in [
        format!("{NS}/serviceaccounts/users"),
        format!("{NS}/services/users"),
        format!("{NET}/networkpolicies/users"),
        format!("{APPS}/deployments/users"),
        "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/users".to_owned(),
    ] {
        let child = cluster
            .get(&path)
            .unwrap_or_else(|| panic!("{path} created"));
        assert_eq!(
            child["metadata"]["ownerReferences"][0]["kind"],
            "MarketplaceService"
        );
        assert_eq!(child["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(
            child["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "mercato-operator"
        );
    }
    // Work queue, dead-letter queue, three retry queues; two bindings; two shared exchanges.
    assert_eq!(cluster.paths(&format!("{RABBIT}/queues/")).len(), 5);
    assert_eq!(cluster.paths(&format!("{RABBIT}/bindings/")).len(), 2);
    let exchanges = cluster.paths(&format!("{RABBIT}/exchanges/"));
    assert_eq!(exchanges.len(), 2);
    let exchange = cluster.get(&exchanges[0]).expect("exchange");
    assert!(
        exchange["metadata"]["ownerReferences"].is_null(),
        "exchanges are shared"
    );

    let deployment = cluster
        .get(&format!("{APPS}/deployments/users"))
        .expect("deployment");
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"].to_string();
    assert!(
        env.contains(r#""secretKeyRef":{"key":"url","name":"users-db","optional":false}"#),
        "{env}"
    );
    assert!(!env.contains("c2VjcmV0"), "no secret value is copied");

    let object = cluster.get(&format!("{MSVC}/users")).expect("users");
    assert_eq!(object["metadata"]["finalizers"], json!([FINALIZER]));
    assert_eq!(object["status"]["observedGeneration"], 1);
    assert_eq!(
        object["status"]["address"],
        "http://users.shop.svc.cluster.local:4003"
    );
    assert!(
        object["status"]["managedResources"]
            .as_array()
            .is_some_and(|m| m.len() >= 12)
    );
    assert_eq!(condition(&cluster, "users", "DatabasesBound").0, "True");
    assert_eq!(
        condition(&cluster, "users", "TokenPolicyReady").1,
        "IssuerResolved"
    );
    let (ready, reason, _) = condition(&cluster, "users", "Ready");
    assert_eq!((ready.as_str(), reason.as_str()), ("Unknown", "Deploying"));
}

#[tokio::test]
async fn a_second_reconcile_with_nothing_changed_writes_nothing() {
    let cluster = cluster();
    run(&cluster, "users").await;
    cluster.take_calls();

    run(&cluster, "users").await;
    let calls = cluster.take_calls();
    assert!(
        writes(&calls).is_empty(),
        "unexpected writes: {:?}",
        writes(&calls)
    );
    assert!(calls.iter().any(|c| c.method == Method::GET), "it did look");
}

#[tokio::test]
async fn an_edited_child_is_put_back() {
    let cluster = cluster();
    run(&cluster, "users").await;
    cluster.edit(&format!("{NS}/services/users"), |s| {
        s["spec"]["ports"][0]["port"] = json!(9999);
    });
    cluster.take_calls();

    run(&cluster, "users").await;
    assert_eq!(
        writes(&cluster.take_calls()),
        vec![format!("PATCH {NS}/services/users")]
    );
    let service = cluster
        .get(&format!("{NS}/services/users"))
        .expect("service");
    assert_eq!(service["spec"]["ports"][0]["port"], 4003);
}

#[tokio::test]
async fn ready_once_pods_and_topology_are() {
    let cluster = cluster();
    run(&cluster, "users").await;
    cluster.edit(&format!("{APPS}/deployments/users"), |d| {
        d["status"] = json!({"observedGeneration": d["metadata"]["generation"], "availableReplicas": 2,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]});
    });
    for path in cluster
        .paths(&format!("{RABBIT}/"))
        .into_iter()
        .filter(|p| !p.ends_with("/status"))
    {
        cluster.edit(&path, |o| {
            o["status"] = json!({"conditions": [{"type": "Ready", "status": "True", "reason": "SuccessfulCreateOrUpdate"}]});
        });
    }
    run(&cluster, "users").await;
    let (ready, reason, _) = condition(&cluster, "users", "Ready");
    assert_eq!((ready.as_str(), reason.as_str()), ("True", "Reconciled"));
    let object = cluster.get(&format!("{MSVC}/users")).expect("users");
    assert_eq!(object["status"]["availableReplicas"], 2);
    let ms: MarketplaceService = serde_json::from_value(object).expect("parses");
    assert!(ms.status.is_some_and(|s| s.is_ready()));

    // A new template that cannot roll out (old pods still available) is not Ready.
    cluster.edit(&format!("{APPS}/deployments/users"), |d| {
        d["status"]["conditions"] = json!([
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet users-7f9 has timed out progressing."}]);
    });
    run(&cluster, "users").await;
    let (status, reason, _) = condition(&cluster, "users", "WorkloadAvailable");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "ProgressDeadlineExceeded")
    );
    cluster.edit(&format!("{APPS}/deployments/users"), |d| {
        d["status"]["conditions"] = json!([{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]);
    });

    // A queue the broker refused turns messaging (and Ready) False with its message.
    let queue = cluster.paths(&format!("{RABBIT}/queues/"))[0].clone();
    cluster.edit(&queue, |q| {
        q["status"] = json!({"conditions": [{"type": "Ready", "status": "False", "reason": "FailedCreateOrUpdate",
                                             "message": "PRECONDITION_FAILED - inequivalent arg"}]});
    });
    run(&cluster, "users").await;
    let (status, reason, message) = condition(&cluster, "users", "MessagingReady");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "TopologyNotReady")
    );
    assert!(message.contains("inequivalent arg"), "{message}");
    assert_eq!(condition(&cluster, "users", "Ready").0, "False");
}

#[tokio::test]
async fn turning_autoscaling_on_keeps_the_replica_count_for_the_autoscaler() {
    let cluster = cluster();
    cluster.edit(&format!("{MSVC}/users"), |u| {
        u["spec"]["replicas"] = json!(3)
    });
    run(&cluster, "users").await;
    let deployment = format!("{APPS}/deployments/users");
    cluster.edit(&format!("{MSVC}/users"), |u| {
        let spec = u["spec"].as_object_mut().expect("spec");
        spec.remove("replicas");
        spec.insert(
            "autoscaling".into(),
            json!({"minReplicas": 2, "maxReplicas": 6}),
        );
    });
    cluster.take_calls();
    run(&cluster, "users").await;

    let calls = cluster.take_calls();
    let handover = calls
        .iter()
        .position(|c| {
            c.path == deployment && c.query.contains("fieldManager=mercato-operator-handover")
        })
        .expect("the replica count is handed over");
    let main_apply = calls
        .iter()
        .position(|c| c.path == deployment && c.query.contains("fieldManager=mercato-operator&"))
        .or_else(|| {
            calls.iter().position(|c| {
                c.path == deployment && c.query.ends_with("fieldManager=mercato-operator")
            })
        })
        .expect("the Deployment is applied");
    assert!(
        handover < main_apply,
        "handed over before the field is dropped"
    );
    assert_eq!(
        cluster.get(&deployment).expect("deployment")["spec"]["replicas"],
        3
    );
    assert!(
        cluster
            .get("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/users")
            .is_some()
    );
}
