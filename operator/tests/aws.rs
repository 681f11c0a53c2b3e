//! The AWS endpoint resolver against a local server speaking the RDS and ElastiCache query
//! APIs (form-encoded requests, XML answers), through the real SDK clients.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use mercato_operator::api::AwsDatabase;
use mercato_operator::endpoints::{AwsEndpoints, EndpointResolver, LookupError};

#[derive(Clone, Default)]
struct FakeAws {
    calls: Arc<AtomicUsize>,
}

fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%2F", "/")))
        .collect()
}

fn error(code: &str, status: StatusCode) -> (StatusCode, String) {
    (
        status,
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{code} for test</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
        ),
    )
}

fn rds_instance(id: &str, status: &str) -> String {
    format!(
        r#"<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance><DBInstanceIdentifier>{id}</DBInstanceIdentifier><DBInstanceStatus>{status}</DBInstanceStatus><Endpoint><Address>{id}.abc123.eu-west-1.rds.amazonaws.com</Address><Port>5432</Port></Endpoint></DBInstance></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeDBInstancesResponse>"#
    )
}

async fn answer(State(aws): State<FakeAws>, body: String) -> impl IntoResponse {
    aws.calls.fetch_add(1, Ordering::SeqCst);
    let form = form(&body);
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match (get("Action").as_str(), get("DBInstanceIdentifier").as_str()) {
        ("DescribeDBInstances", "orders") => (StatusCode::OK, rds_instance("orders", "available")),
        ("DescribeDBInstances", "reviews") => (StatusCode::OK, rds_instance("reviews", "creating")),
        ("DescribeDBInstances", "secret") => error("AccessDenied", StatusCode::FORBIDDEN),
        ("DescribeDBInstances", _) => error("DBInstanceNotFound", StatusCode::NOT_FOUND),
        ("DescribeDBClusters", _) => (
            StatusCode::OK,
            r#"<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>gigs</DBClusterIdentifier><Status>available</Status><Endpoint>gigs.cluster-abc.eu-west-1.rds.amazonaws.com</Endpoint><Port>5432</Port></DBCluster></DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DescribeDBClustersResponse>"#.to_owned(),
        ),
        ("DescribeReplicationGroups", _) if get("ReplicationGroupId") == "cache" => (
            StatusCode::OK,
            r#"<DescribeReplicationGroupsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeReplicationGroupsResult><ReplicationGroups><ReplicationGroup><ReplicationGroupId>cache</ReplicationGroupId><Status>available</Status><NodeGroups><NodeGroup><NodeGroupId>0001</NodeGroupId><PrimaryEndpoint><Address>master.cache.abc.euw1.cache.amazonaws.com</Address><Port>6379</Port></PrimaryEndpoint></NodeGroup></NodeGroups></ReplicationGroup></ReplicationGroups></DescribeReplicationGroupsResult><ResponseMetadata><RequestId>r-3</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>"#.to_owned(),
        ),
        ("DescribeReplicationGroups", _) => error("ReplicationGroupNotFoundFault", StatusCode::NOT_FOUND),
        _ => error("InvalidAction", StatusCode::BAD_REQUEST),
    }
}

async fn resolver() -> (AwsEndpoints, FakeAws) {
    let aws = FakeAws::default();
    let app = Router::new()
        .route("/", post(answer))
        .with_state(aws.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .http_client(mercato_operator::endpoints::https_client())
        .load()
        .await;
    (AwsEndpoints::from_config(config, Some(url)), aws)
}

fn binding(instance: Option<&str>, cluster: Option<&str>, group: Option<&str>) -> AwsDatabase {
    AwsDatabase {
        rds_instance_identifier: instance.map(str::to_owned),
        rds_cluster_identifier: cluster.map(str::to_owned),
        elasti_cache_replication_group_id: group.map(str::to_owned),
        region: "eu-west-1".into(),
        credentials_secret: "db-credentials".into(),
    }
}

#[tokio::test]
async fn instances_clusters_and_replication_groups_resolve_to_their_endpoints() {
    let (resolver, _) = resolver().await;
    let instance = resolver
        .resolve(&binding(Some("orders"), None, None))
        .await
        .expect("found");
    assert_eq!(instance.host, "orders.abc123.eu-west-1.rds.amazonaws.com");
    assert_eq!(instance.port, 5432);
    let cluster = resolver
        .resolve(&binding(None, Some("gigs"), None))
        .await
        .expect("found");
    assert_eq!(cluster.host, "gigs.cluster-abc.eu-west-1.rds.amazonaws.com");
    let group = resolver
        .resolve(&binding(None, None, Some("cache")))
        .await
        .expect("found");
    assert_eq!(
        (group.host.as_str(), group.port),
        ("master.cache.abc.euw1.cache.amazonaws.com", 6379)
    );
}

#[tokio::test]
async fn missing_unavailable_and_refused_lookups_say_which() {
    let (resolver, _) = resolver().await;
    let missing = resolver
        .resolve(&binding(Some("nope"), None, None))
        .await
        .expect_err("missing");
    assert_eq!(missing, LookupError::NotFound("nope".into()));
    assert_eq!(missing.reason(), "EndpointNotFound");
    let creating = resolver
        .resolve(&binding(Some("reviews"), None, None))
        .await
        .expect_err("creating");
    assert_eq!(
        creating,
        LookupError::NotAvailable {
            id: "reviews".into(),
            status: "creating".into()
        }
    );
    let group = resolver
        .resolve(&binding(None, None, Some("other")))
        .await
        .expect_err("missing");
    assert_eq!(group.reason(), "EndpointNotFound");
    let denied = resolver
        .resolve(&binding(Some("secret"), None, None))
        .await
        .expect_err("denied");
    assert_eq!(denied.reason(), "EndpointLookupFailed");
    assert!(denied.to_string().contains("AccessDenied"), "{denied}");
}

#[tokio::test]
async fn found_endpoints_are_cached_and_failures_are_not() {
    let (resolver, aws) = resolver().await;
    for _ in 0..3 {
        resolver
            .resolve(&binding(Some("orders"), None, None))
            .await
            .expect("found");
    }
    assert_eq!(aws.calls.load(Ordering::SeqCst), 1);
    for _ in 0..2 {
        let _ = resolver
            .resolve(&binding(Some("reviews"), None, None))
            .await;
    }
    assert_eq!(aws.calls.load(Ordering::SeqCst), 3);
}
