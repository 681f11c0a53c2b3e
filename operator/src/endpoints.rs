//! Endpoints of AWS-managed databases: RDS instances and clusters (`DescribeDBInstances`,
//! `DescribeDBClusters`) and ElastiCache replication groups (`DescribeReplicationGroups`).
//!
//! The operator needs only those read-only calls (IRSA in the cluster); credentials for the
//! databases themselves stay in Secrets. Answers are cached for a few minutes, so a reconcile
//! loop does not turn into an AWS API loop; failures are not cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use futures_util::future::BoxFuture;

use crate::api::AwsDatabase;
use crate::render::inputs::DbEndpoint;

/// How long a found endpoint is trusted.
pub const CACHE_TTL: Duration = Duration::from_secs(300);

/// Why an endpoint could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// AWS knows no such instance, cluster or replication group.
    #[error("{0} does not exist")]
    NotFound(String),
    /// It exists but cannot take connections yet (e.g. `creating`, `modifying`).
    #[error("{id} is {status}")]
    NotAvailable {
        /// The identifier.
        id: String,
        /// AWS's status word.
        status: String,
    },
    /// The AWS call failed (permissions, network, throttling).
    #[error("looking up {id} failed: {message}")]
    Failed {
        /// The identifier.
        id: String,
        /// What the SDK said.
        message: String,
    },
}

impl LookupError {
    /// The condition reason for this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "EndpointNotFound",
            Self::NotAvailable { .. } => "EndpointNotAvailable",
            Self::Failed { .. } => "EndpointLookupFailed",
        }
    }
}

/// Finds the endpoint of an AWS-managed database.
pub trait EndpointResolver: Send + Sync + std::fmt::Debug {
    /// The host and port `db` accepts connections on.
    fn resolve<'a>(&'a self, db: &'a AwsDatabase)
    -> BoxFuture<'a, Result<DbEndpoint, LookupError>>;
}

/// The resolver backed by the AWS SDK.
#[derive(Debug)]
pub struct AwsEndpoints {
    config: SdkConfig,
    endpoint_url: Option<String>,
    cache: Mutex<HashMap<String, (Instant, DbEndpoint)>>,
}

impl AwsEndpoints {
    /// Credentials and settings from the environment (IRSA web identity in EKS, or the usual
    /// `AWS_*` variables and profiles); `AWS_ENDPOINT_URL` is honoured.
    pub async fn from_environment() -> Self {
        // A lookup that never answers must not hold a reconcile slot.
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_secs(5))
            .operation_timeout(Duration::from_secs(15))
            .build();
        let config = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .timeout_config(timeouts)
            .load()
            .await;
        Self::from_config(config, None)
    }

    /// A resolver with explicit settings; `endpoint_url` sends every call there (a VPC
    /// endpoint, or a test server).
    pub fn from_config(config: SdkConfig, endpoint_url: Option<String>) -> Self {
        Self {
            config,
            endpoint_url,
            cache: Mutex::default(),
        }
    }

    fn cached(&self, key: &str) -> Option<DbEndpoint> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, endpoint)| endpoint.clone())
    }

    fn remember(&self, key: String, endpoint: &DbEndpoint) {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.insert(key, (Instant::now(), endpoint.clone()));
    }

    fn rds(&self, region: &str) -> aws_sdk_rds::Client {
        let mut config =
            aws_sdk_rds::config::Builder::from(&self.config).region(Region::new(region.to_owned()));
        if let Some(url) = &self.endpoint_url {
            config = config.endpoint_url(url);
        }
        aws_sdk_rds::Client::from_conf(config.build())
    }

    fn elasticache(&self, region: &str) -> aws_sdk_elasticache::Client {
        let mut config = aws_sdk_elasticache::config::Builder::from(&self.config)
            .region(Region::new(region.to_owned()));
        if let Some(url) = &self.endpoint_url {
            config = config.endpoint_url(url);
        }
        aws_sdk_elasticache::Client::from_conf(config.build())
    }

    async fn lookup(&self, db: &AwsDatabase) -> Result<DbEndpoint, LookupError> {
        if let Some(id) = &db.rds_instance_identifier {
            return self.rds_instance(&db.region, id).await;
        }
        if let Some(id) = &db.rds_cluster_identifier {
            return self.rds_cluster(&db.region, id).await;
        }
        if let Some(id) = &db.elasti_cache_replication_group_id {
            return self.replication_group(&db.region, id).await;
        }
        Err(LookupError::NotFound(
            "a binding without an identifier".into(),
        ))
    }

    async fn rds_instance(&self, region: &str, id: &str) -> Result<DbEndpoint, LookupError> {
        let answer = self
            .rds(region)
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(s) if s.is_db_instance_not_found_fault() => {
                    LookupError::NotFound(id.to_owned())
                }
                _ => failed(id, &e),
            })?;
        let instance = answer
            .db_instances()
            .first()
            .ok_or_else(|| LookupError::NotFound(id.to_owned()))?;
        ready(id, instance.db_instance_status())?;
        let endpoint = instance.endpoint();
        endpoint_of(
            id,
            endpoint.and_then(aws_sdk_rds::types::Endpoint::address),
            endpoint.and_then(aws_sdk_rds::types::Endpoint::port),
        )
    }

    async fn rds_cluster(&self, region: &str, id: &str) -> Result<DbEndpoint, LookupError> {
        let answer = self
            .rds(region)
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(s) if s.is_db_cluster_not_found_fault() => {
                    LookupError::NotFound(id.to_owned())
                }
                _ => failed(id, &e),
            })?;
        let cluster = answer
            .db_clusters()
            .first()
            .ok_or_else(|| LookupError::NotFound(id.to_owned()))?;
        ready(id, cluster.status())?;
        endpoint_of(id, cluster.endpoint(), cluster.port())
    }

    async fn replication_group(&self, region: &str, id: &str) -> Result<DbEndpoint, LookupError> {
        let answer = self
            .elasticache(region)
            .describe_replication_groups()
            .replication_group_id(id)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(s) if s.is_replication_group_not_found_fault() => {
                    LookupError::NotFound(id.to_owned())
                }
                _ => failed(id, &e),
            })?;
        let group = answer
            .replication_groups()
            .first()
            .ok_or_else(|| LookupError::NotFound(id.to_owned()))?;
        ready(id, group.status())?;
        // Cluster mode has one configuration endpoint; otherwise the primary of the one shard.
        let endpoint = group.configuration_endpoint().or_else(|| {
            group
                .node_groups()
                .first()
                .and_then(|n| n.primary_endpoint())
        });
        endpoint_of(
            id,
            endpoint.and_then(aws_sdk_elasticache::types::Endpoint::address),
            endpoint.and_then(aws_sdk_elasticache::types::Endpoint::port),
        )
    }
}

impl EndpointResolver for AwsEndpoints {
    fn resolve<'a>(
        &'a self,
        db: &'a AwsDatabase,
    ) -> BoxFuture<'a, Result<DbEndpoint, LookupError>> {
        Box::pin(async move {
            let key = format!(
                "{}/{:?}/{:?}/{:?}",
                db.region,
                db.rds_instance_identifier,
                db.rds_cluster_identifier,
                db.elasti_cache_replication_group_id
            );
            if let Some(endpoint) = self.cached(&key) {
                return Ok(endpoint);
            }
            let started = Instant::now();
            let result = self.lookup(db).await;
            metrics::histogram!("operator_aws_lookup_duration_seconds")
                .record(started.elapsed().as_secs_f64());
            if let Ok(endpoint) = &result {
                self.remember(key, endpoint);
            }
            result
        })
    }
}

/// An HTTPS client on rustls with ring, like every other client of the workspace.
pub fn https_client() -> aws_sdk_rds::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// A failed call, described without its request id: the message ends up in a condition, and a
/// message that changed on every attempt would make every status patch a new event.
fn failed<E>(id: &str, error: &E) -> LookupError
where
    E: std::error::Error + aws_sdk_rds::error::ProvideErrorMetadata,
{
    let message = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => {
            let mut message = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            message
        }
    };
    LookupError::Failed {
        id: id.to_owned(),
        message,
    }
}

/// States in which RDS and ElastiCache still serve connections: backups, maintenance and
/// modifications run for hours and must not hold a rollout back.
const SERVING: [&str; 10] = [
    "available",
    "backing-up",
    "modifying",
    "storage-optimization",
    "configuring-enhanced-monitoring",
    "configuring-log-exports",
    "maintenance",
    "upgrading",
    "snapshotting",
    "resetting-master-credentials",
];

fn ready(id: &str, status: Option<&str>) -> Result<(), LookupError> {
    match status {
        Some(status) if SERVING.contains(&status) => Ok(()),
        other => Err(LookupError::NotAvailable {
            id: id.to_owned(),
            status: other.unwrap_or("in an unknown state").to_owned(),
        }),
    }
}

fn endpoint_of(id: &str, host: Option<&str>, port: Option<i32>) -> Result<DbEndpoint, LookupError> {
    match (host, port.and_then(|p| u16::try_from(p).ok())) {
        (Some(host), Some(port)) => Ok(DbEndpoint {
            host: host.to_owned(),
            port,
        }),
        _ => Err(LookupError::NotAvailable {
            id: id.to_owned(),
            status: "without an endpoint yet".into(),
        }),
    }
}
