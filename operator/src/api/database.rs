//! The spec's `databases` section: databases and caches bound from a Secret or an AWS
//! identifier (RDS, ElastiCache).

use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SecretKeyRef;

/// A database or cache the component uses.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("has(self.secretRef) != has(self.aws)")
        .message("a database binding needs exactly one of secretRef or aws"),
    validation = Rule::new("!has(self.aws) || (self.engine == 'Redis') == has(self.aws.elastiCacheReplicationGroupId)")
        .message("Redis binds an ElastiCache replication group; other engines bind an RDS instance or cluster"),
    validation = Rule::new("!has(self.aws) || self.engine != 'MongoDB'")
        .message("MongoDB binds through secretRef: AWS identifiers name RDS and ElastiCache")
)]
pub struct DatabaseBinding {
    /// Binding name, e.g. `primary`.
    #[schemars(
        length(min = 1, max = 63),
        regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub name: String,
    /// Database engine.
    pub engine: Engine,
    /// The variable the URL is passed in; defaults by engine (`DATABASE_URL`, `MONGODB_URL`,
    /// `REDIS_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 128), regex(pattern = r"^[A-Z_][A-Z0-9_]*$"))]
    pub env_var: Option<String>,
    /// A Secret key holding the full connection URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretKeyRef>,
    /// An AWS-managed database, resolved to its endpoint by the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsDatabase>,
}

/// A database engine.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySQL,
    /// MongoDB.
    MongoDB,
    /// Redis.
    Redis,
}

impl DatabaseBinding {
    /// The environment variable the connection URL is passed in.
    pub fn env_var(&self) -> String {
        self.env_var
            .clone()
            .unwrap_or_else(|| self.engine.default_env_var().to_owned())
    }

    /// Whether this is an AWS-bound SQL database (its credentials Secret names the database).
    pub fn aws_sql(&self) -> bool {
        self.aws.is_some() && matches!(self.engine, Engine::Postgres | Engine::MySQL)
    }
}

impl Engine {
    /// The port the engine listens on unless told otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Postgres => 5432,
            Self::MySQL => 3306,
            Self::MongoDB => 27017,
            Self::Redis => 6379,
        }
    }

    /// The variable Mercato's services read the engine's URL from.
    pub fn default_env_var(self) -> &'static str {
        match self {
            Self::Postgres | Self::MySQL => "DATABASE_URL",
            Self::MongoDB => "MONGODB_URL",
            Self::Redis => "REDIS_URL",
        }
    }

    /// The URL scheme of the engine (TLS for ElastiCache, which encrypts in transit).
    pub fn url_scheme(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::MySQL => "mysql",
            Self::MongoDB => "mongodb",
            Self::Redis => "rediss",
        }
    }
}

/// An RDS instance or cluster, or an ElastiCache replication group.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("[has(self.rdsInstanceIdentifier), has(self.rdsClusterIdentifier), has(self.elastiCacheReplicationGroupId)].filter(x, x).size() == 1")
        .message("aws needs exactly one of rdsInstanceIdentifier, rdsClusterIdentifier or elastiCacheReplicationGroupId")
)]
pub struct AwsDatabase {
    /// An RDS DB instance identifier (at most 63 characters, as RDS allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub rds_instance_identifier: Option<String>,
    /// An RDS (Aurora) DB cluster identifier (at most 63 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub rds_cluster_identifier: Option<String>,
    /// An ElastiCache replication group id (at most 40 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 40))]
    pub elasti_cache_replication_group_id: Option<String>,
    /// AWS region, e.g. `eu-west-1`.
    #[schemars(length(min = 1, max = 32), regex(pattern = r"^[a-z0-9-]+$"))]
    pub region: String,
    /// Secret with `username` and `password` for the endpoint (and `database` for SQL engines).
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret: String,
}
