//! The `MarketplaceService` spec: what a platform engineer writes, one object per component.
//!
//! Every rule a reconcile could not satisfy is a CEL rule here, so the API server refuses the
//! object at `kubectl apply` time instead of the operator failing later. Defaults live in the
//! schema, so `kubectl get -o yaml` shows what the operator acts on.

use std::collections::BTreeMap;

use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status::MarketplaceServiceStatus;
use super::{DatabaseBinding, Messaging, Monitoring};

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
    /// Prometheus scraping through a `ServiceMonitor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
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

/// Public exposure of the gateway.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(
    cel,
    validation = Rule::new("!(has(self.tlsSecretName) && has(self.loadBalancerTls) && self.loadBalancerTls)")
        .message("ingress: TLS ends either at the ingress controller (tlsSecretName) or at the load balancer (loadBalancerTls), not both")
)]
pub struct Ingress {
    /// IngressClass; the cluster default when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub class_name: Option<String>,
    /// Host names served.
    #[x_kube(merge_strategy = ListMerge::Set)]
    #[schemars(length(min = 1, max = 16), inner(length(min = 1, max = 253)))]
    pub hosts: Vec<String>,
    /// A TLS Secret covering the hosts; plain HTTP when left out, unless
    /// `loadBalancerTls` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub tls_secret_name: Option<String>,
    /// TLS ends at the load balancer, which holds the certificate (an AWS ALB with an ACM
    /// certificate found by host name): the Ingress lists its hosts under `tls` without a
    /// Secret, and the public URL is `https`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub load_balancer_tls: bool,
    /// Annotations for the ingress controller, e.g. the AWS Load Balancer Controller's
    /// `alb.ingress.kubernetes.io/scheme`; the DNS annotations are the operator's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "annotations_schema")]
    pub annotations: BTreeMap<String, String>,
}

fn annotations_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    string_map_schema(generator, 32, 4096)
}

/// The schema of a map from names to strings, with the bounds the API server needs to cost
/// validation rules (the map's size and each value's length).
pub(crate) fn string_map_schema(
    _generator: &mut schemars::SchemaGenerator,
    max_entries: u32,
    max_value_chars: u32,
) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "maxProperties": max_entries,
        "additionalProperties": {"type": "string", "maxLength": max_value_chars},
    })
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

fn default_dns_ttl() -> i64 {
    300
}

/// The Secret `mercato-keygen`'s output is loaded into by the install guide.
pub fn default_keys_secret() -> String {
    "mercato-token-keys".into()
}
