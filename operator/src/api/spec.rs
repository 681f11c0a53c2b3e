//! The `MarketplaceService` spec: what a platform engineer writes, one object per component.
//!
//! Every rule a reconcile could not satisfy is a CEL rule here, so the API server refuses the
//! object at `kubectl apply` time instead of the operator failing later. Defaults live in the
//! schema, so `kubectl get -o yaml` shows what the operator acts on.

use kube::{CustomResource, KubeSchema};
use mercato_topology::settings::defaults;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status::MarketplaceServiceStatus;

/// One Mercato component (the gateway or a service) and everything it needs to run.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "mercato.dev",
    version = "v1alpha1",
    kind = "MarketplaceService",
    namespaced,
    shortname = "msvc",
    category = "mercato",
    status = "MarketplaceServiceStatus",
    derive = "PartialEq",
    cel,
    doc = "A Mercato component (the gateway or a service) and the resources it needs",
    printcolumn(name = "Role", type_ = "string", json_path = ".spec.role"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type=='Ready')].status"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.conditions[?(@.type=='Ready')].reason"
    ),
    printcolumn(name = "Available", type_ = "integer", json_path = ".status.availableReplicas"),
    printcolumn(name = "URL", type_ = "string", json_path = ".status.url"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    selectable = ".spec.role",
    validation = Rule::new("size(self.metadata.name) <= 40")
        .message("metadata.name must be at most 40 characters: child names add suffixes")
)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    validation = Rule::new("!has(self.ingress) || self.role == 'Gateway'")
        .message("spec.ingress is only allowed when spec.role is Gateway"),
    validation = Rule::new("!has(self.dns) || has(self.ingress)")
        .message("spec.dns needs spec.ingress: records point at the ingress"),
    validation = Rule::new("!(has(self.replicas) && has(self.autoscaling))")
        .message("set spec.replicas or spec.autoscaling, not both"),
    validation = Rule::new("self.role != 'Gateway' || has(self.tokenPolicy.issuer)")
        .message("a Gateway mints tokens: spec.tokenPolicy.issuer is required"),
    validation = Rule::new("self.role == 'Gateway' || !has(self.tokenPolicy.issuer)")
        .message("only a Gateway mints tokens: spec.tokenPolicy.issuer is for role Gateway"),
    validation = Rule::new("self.role != 'Gateway' || !has(self.tokenPolicy.audience)")
        .message("spec.tokenPolicy.audience is for services: the Gateway accepts user tokens"),
    validation = Rule::new("self.ports.all(p, self.ports.filter(q, q.port == p.port).size() == 1)")
        .message("two spec.ports share a port number"),
    validation = Rule::new("!has(self.env) || self.env.all(e, !(e.name in ['LISTEN_ADDR', 'LOG_FORMAT', 'AMQP_URL', 'DATABASE_URL', 'MONGODB_URL', 'REDIS_URL']) && !e.name.startsWith('EVENTS_') && !e.name.startsWith('TOKEN_') && !e.name.startsWith('MERCATO_DB_'))")
        .message("spec.env may not set what the operator sets: LISTEN_ADDR, LOG_FORMAT, AMQP_URL, the database URLs, EVENTS_*, TOKEN_*, MERCATO_DB_*"),
    validation = Rule::new("!has(self.databases) || self.databases.all(d, self.databases.filter(o, (has(o.envVar) ? o.envVar : (o.engine == 'MongoDB' ? 'MONGODB_URL' : (o.engine == 'Redis' ? 'REDIS_URL' : 'DATABASE_URL'))) == (has(d.envVar) ? d.envVar : (d.engine == 'MongoDB' ? 'MONGODB_URL' : (d.engine == 'Redis' ? 'REDIS_URL' : 'DATABASE_URL')))).size() == 1)")
        .message("two spec.databases would set the same variable: give one an envVar"),
    validation = Rule::new("!has(self.env) || !has(self.databases) || self.env.all(e, !self.databases.exists(d, has(d.envVar) && d.envVar == e.name))")
        .message("a spec.env name is already a database's envVar")
)]
pub struct MarketplaceServiceSpec {
    /// `Internal` (reachable only from the gateway) or `Gateway` (the one public entry).
    #[serde(default)]
    pub role: Role,
    /// Container image, preferably pinned by digest.
    #[x_kube(validation = Rule::new("size(self) > 0").message("spec.image must not be empty"))]
    #[schemars(length(max = 512))]
    pub image: String,
    /// A fixed replica count; leave out to use `autoscaling` or the default of 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub replicas: Option<i32>,
    /// Horizontal autoscaling on CPU; the Deployment then has no replica count of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Ports the container listens on; the first is the one probes and peers use.
    #[serde(default = "default_ports")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["name".into()]))]
    #[schemars(length(min = 1, max = 8))]
    pub ports: Vec<Port>,
    /// Extra environment variables (plain values or Secret keys).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["name".into()]))]
    #[schemars(length(max = 64))]
    pub env: Vec<EnvVar>,
    /// CPU and memory requests and limits; defaults apply to what is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Overrides of the `/healthz` (liveness) and `/readyz` (readiness) probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<Probes>,
    /// The broker, the exchanges it publishes to and the queues it consumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging: Option<Messaging>,
    /// Databases and caches, bound from Secrets or AWS identifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["name".into()]))]
    #[schemars(length(max = 8))]
    pub databases: Vec<DatabaseBinding>,
    /// Public exposure through an Ingress (Gateway only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Ingress>,
    /// DNS records for the ingress hosts, published by external-dns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<Dns>,
    /// Token keys and claims: the issuer on the gateway, the audience on a service.
    #[serde(default)]
    pub token_policy: TokenPolicy,
}

/// Where a component sits in the platform.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// A service behind the gateway; admits traffic only from gateway pods and monitoring.
    #[default]
    Internal,
    /// The API gateway: the only component an Ingress may expose.
    Gateway,
}

/// CPU-based horizontal autoscaling.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("self.minReplicas <= self.maxReplicas")
        .message("autoscaling.minReplicas must not exceed autoscaling.maxReplicas")
)]
pub struct Autoscaling {
    /// Fewest replicas.
    #[serde(default = "default_min_replicas")]
    #[schemars(range(min = 1, max = 100))]
    pub min_replicas: i32,
    /// Most replicas.
    #[schemars(range(min = 1, max = 100))]
    pub max_replicas: i32,
    /// Average CPU utilisation to aim for, in percent of the request.
    #[serde(default = "default_cpu_target")]
    #[schemars(range(min = 10, max = 100))]
    pub target_cpu_utilization_percentage: i32,
}

/// A port the container listens on.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Port {
    /// Port name (a DNS label, at most 15 characters), e.g. `http`.
    #[schemars(
        length(min = 1, max = 15),
        regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub name: String,
    /// Port number, used by the container and the Service alike.
    #[schemars(range(min = 1, max = 65535))]
    pub port: i32,
}

/// An environment variable: a plain value or a key of a Secret.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("has(self.value) != has(self.secretKeyRef)")
        .message("an env entry needs exactly one of value or secretKeyRef")
)]
pub struct EnvVar {
    /// Variable name.
    #[schemars(
        length(min = 1, max = 128),
        regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$")
    )]
    pub name: String,
    /// A literal value (never a secret: use `secretKeyRef` for those).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8192))]
    pub value: Option<String>,
    /// A key of a Secret in the same namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeyRef>,
}

/// A key of a Secret in the object's namespace.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// Secret name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Key inside the Secret.
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

/// Requests and limits; what is left out gets the operator's defaults.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    /// What the scheduler reserves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ResourceAmounts>,
    /// The most the container may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceAmounts>,
}

/// CPU and memory as Kubernetes quantities (`250m`, `256Mi`).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAmounts {
    /// CPU, in cores or millicores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32), regex(pattern = r"^[0-9]+(\.[0-9]+)?m?$"))]
    pub cpu: Option<String>,
    /// Memory, with a binary or decimal suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32), regex(pattern = r"^[0-9]+(Ki|Mi|Gi|Ti|K|M|G|T)?$"))]
    pub memory: Option<String>,
}

/// Probe timings; the paths are always `/healthz` (liveness) and `/readyz` (readiness).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Probes {
    /// Seconds between probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 300))]
    pub period_seconds: Option<i32>,
    /// Seconds a probe may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 60))]
    pub timeout_seconds: Option<i32>,
    /// Failures in a row before the container is restarted or taken out of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 30))]
    pub failure_threshold: Option<i32>,
    /// Seconds the liveness probe waits for start-up (migrations) before counting failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 600))]
    pub startup_grace_seconds: Option<i32>,
}

/// The component's part of the RabbitMQ topology. Every setting here reaches the component
/// through its environment (`EVENTS_*`), so what the operator declares is what it verifies.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("!has(self.publishes) || !has(self.consumes) || self.consumes.all(c, c.bindings.all(b, b.exchange == self.publishes[0].exchange))")
        .message("the queue's bindings come from the exchange the component publishes to: a service has one EVENTS_EXCHANGE")
)]
pub struct Messaging {
    /// The broker the topology is declared on.
    pub broker: BrokerRef,
    /// The Secret key holding the AMQP URL the component connects with (`AMQP_URL`).
    pub credentials: SecretKeyRef,
    /// Virtual host.
    #[serde(default = "default_vhost")]
    #[schemars(length(min = 1, max = 255))]
    pub vhost: String,
    /// The exchange the component publishes events to (a topic exchange; at most one: a
    /// service publishes through one `EVENTS_EXCHANGE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["exchange".into()]))]
    #[schemars(length(max = 1))]
    pub publishes: Vec<Publish>,
    /// The queue the component consumes, with its bindings (at most one: a service consumes
    /// one work queue).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["queue".into()]))]
    #[schemars(length(max = 1))]
    pub consumes: Vec<Consume>,
}

/// The broker: an in-cluster `RabbitmqCluster`, or a connection Secret for one outside.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("[has(self.name), has(self.connectionSecret), has(self.managementSecret)].filter(x, x).size() == 1")
        .message("messaging.broker needs exactly one of name (a RabbitmqCluster), connectionSecret or managementSecret")
)]
pub struct BrokerRef {
    /// Name of a `RabbitmqCluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub name: Option<String>,
    /// Namespace of that `RabbitmqCluster` (defaults to the object's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
    /// A Secret with `uri`, `username` and `password` of a broker no operator manages, for the
    /// Topology Operator to reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub connection_secret: Option<String>,
    /// A Secret with `url`, `username` and `password` of a broker's HTTP management API (e.g.
    /// Amazon MQ): this operator then declares the topology itself, no Topology Operator needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub management_secret: Option<String>,
}

/// The exchange the component publishes to (declared as a durable topic exchange).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Publish {
    /// Exchange name, e.g. `mercato.events`.
    #[schemars(length(min = 1, max = 255))]
    pub exchange: String,
}

/// A queue the component consumes, with its bindings, retries and dead letters.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("self.type == oldSelf.type && self.retry.delaysMs == oldSelf.retry.delaysMs && self.retry.deliveryLimit == oldSelf.retry.deliveryLimit && self.deadLetter == oldSelf.deadLetter")
        .message("a queue's type, retry delays, delivery limit and dead letters are fixed when it is created (RabbitMQ cannot change its arguments): consume a new queue instead")
        .reason(Reason::FieldValueForbidden),
    validation = Rule::new("self.bindings.all(b, b.exchange == self.bindings[0].exchange)")
        .message("every binding of a queue comes from one exchange: a service binds from its one EVENTS_EXCHANGE")
)]
pub struct Consume {
    /// Queue name, e.g. `mercato.users`.
    #[schemars(length(min = 1, max = 255))]
    pub queue: String,
    /// Queue type; immutable once created.
    #[serde(default = "default_queue_type", rename = "type")]
    pub kind: QueueType,
    /// Routing keys bound from exchanges.
    #[x_kube(merge_strategy = ListMerge::Map(vec!["exchange".into(), "routingKey".into()]))]
    #[schemars(length(min = 1, max = 64))]
    pub bindings: Vec<QueueBinding>,
    /// Retry delays and the delivery limit.
    #[serde(default)]
    pub retry: Retry,
    /// Where events go after the last attempt.
    pub dead_letter: DeadLetter,
    /// What happens to the queue in RabbitMQ when this object is deleted.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
}

/// A queue type.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueType {
    /// Replicated, with a delivery limit.
    Quorum,
    /// Single node.
    Classic,
}

impl From<QueueType> for mercato_topology::QueueType {
    fn from(kind: QueueType) -> Self {
        match kind {
            QueueType::Quorum => Self::Quorum,
            QueueType::Classic => Self::Classic,
        }
    }
}

/// One routing key bound from an exchange.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct QueueBinding {
    /// Source exchange.
    #[schemars(length(min = 1, max = 255))]
    pub exchange: String,
    /// Routing key (an event type, or a pattern on a topic exchange).
    #[schemars(length(min = 1, max = 255))]
    pub routing_key: String,
}

/// Retry delays (one delay queue each) and the broker's delivery limit.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    /// Delays between attempts, in milliseconds; the last repeats.
    #[serde(default = "default_retry_delays")]
    #[schemars(length(max = 10))]
    #[x_kube(validation = Rule::new("self.all(d, d > 0 && d <= 86400000)")
        .message("retry delays are between 1 ms and one day"))]
    pub delays_ms: Vec<i64>,
    /// Handler attempts before an event is dead-lettered.
    #[serde(default = "default_max_attempts")]
    #[schemars(range(min = 1, max = 100))]
    pub max_attempts: i32,
    /// Deliveries a quorum queue allows before dead-lettering (crash loops).
    #[serde(default = "default_delivery_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub delivery_limit: i32,
}

/// The dead-letter exchange and queue.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// Dead-letter exchange (direct), e.g. `mercato.dlx`.
    #[schemars(length(min = 1, max = 255))]
    pub exchange: String,
    /// Dead-letter queue; defaults to `<queue>.dlq`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255))]
    pub queue: Option<String>,
}

/// Whether deleting the object deletes the queue in RabbitMQ.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Keep the queue and its messages (the default: no event is lost by a rename).
    #[default]
    Retain,
    /// Delete the queue with the object.
    Delete,
}

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

/// Public exposure of the gateway.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Ingress {
    /// IngressClass; the cluster default when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub class_name: Option<String>,
    /// Host names served.
    #[x_kube(merge_strategy = ListMerge::Set)]
    #[schemars(length(min = 1, max = 16), inner(length(min = 1, max = 253)))]
    pub hosts: Vec<String>,
    /// A TLS Secret covering the hosts; plain HTTP when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub tls_secret_name: Option<String>,
}

/// DNS records for the ingress hosts.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Dns {
    /// How external-dns learns the records.
    #[serde(default)]
    pub mode: DnsMode,
    /// Record TTL.
    #[serde(default = "default_dns_ttl")]
    #[schemars(range(min = 30, max = 86400))]
    pub ttl_seconds: i64,
}

/// How records reach external-dns.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DnsMode {
    /// Annotations on the Ingress (external-dns `--source=ingress`).
    #[default]
    IngressAnnotation,
    /// A `DNSEndpoint` object (external-dns `--source=crd`).
    DNSEndpoint,
}

/// Token keys and claims.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TokenPolicy {
    /// Secret holding `jwks.json` (public keys), and for the gateway `signing-key.pem` and `kid`.
    #[serde(default = "default_keys_secret")]
    #[schemars(length(min = 1, max = 253))]
    pub keys_secret: String,
    /// The `iss` the gateway signs with (Gateway only, required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255))]
    pub issuer: Option<String>,
    /// The `aud` a service accepts (services only); defaults to the object's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255))]
    pub audience: Option<String>,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        Self {
            keys_secret: default_keys_secret(),
            issuer: None,
            audience: None,
        }
    }
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            delays_ms: default_retry_delays(),
            max_attempts: default_max_attempts(),
            delivery_limit: default_delivery_limit(),
        }
    }
}

fn default_ports() -> Vec<Port> {
    vec![Port {
        name: "http".into(),
        port: 8080,
    }]
}

fn default_min_replicas() -> i32 {
    2
}

fn default_cpu_target() -> i32 {
    70
}

fn default_vhost() -> String {
    "/".into()
}

fn default_queue_type() -> QueueType {
    QueueType::Quorum
}

fn default_retry_delays() -> Vec<i64> {
    defaults::RETRY_DELAYS_MS
        .iter()
        .map(|d| i64::try_from(*d).unwrap_or(i64::MAX))
        .collect()
}

fn default_max_attempts() -> i32 {
    i32::try_from(defaults::MAX_ATTEMPTS).unwrap_or(i32::MAX)
}

fn default_delivery_limit() -> i32 {
    i32::try_from(defaults::DELIVERY_LIMIT).unwrap_or(i32::MAX)
}

fn default_dns_ttl() -> i64 {
    300
}

/// The Secret `mercato-keygen`'s output is loaded into by the install guide.
pub fn default_keys_secret() -> String {
    "mercato-token-keys".into()
}
