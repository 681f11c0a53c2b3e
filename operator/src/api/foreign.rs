//! Other projects' custom resources the operator writes: the RabbitMQ Messaging Topology
//! Operator's `Exchange`, `Queue` and `Binding` (`rabbitmq.com/v1beta1`), external-dns's
//! `DNSEndpoint` (`externaldns.k8s.io/v1alpha1`) and the Prometheus Operator's
//! `ServiceMonitor` (`monitoring.coreos.com/v1`).
//!
//! Only the fields the operator sets or reads are typed; their CRDs belong to those projects and
//! are never printed by `mercato-operator crd`.

use std::collections::BTreeMap;

use kube::CustomResource;
use serde::{Deserialize, Serialize};

/// Which broker a topology object lives on (exactly one of the two is set).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RabbitmqClusterReference {
    /// A `RabbitmqCluster` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// A Secret with `uri`, `username`, `password` of a broker no operator manages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_secret: Option<LocalObjectReference>,
}

/// A reference by name within the namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct LocalObjectReference {
    /// Object name.
    pub name: String,
}

/// A RabbitMQ exchange.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "rabbitmq.com",
    version = "v1beta1",
    kind = "Exchange",
    namespaced,
    schema = "disabled",
    status = "TopologyStatus"
)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeSpec {
    /// Exchange name on the broker.
    pub name: String,
    /// Virtual host.
    pub vhost: String,
    /// `topic`, `direct`, `fanout` or `headers`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Survives a broker restart.
    pub durable: bool,
    /// Deleted when its last binding goes.
    pub auto_delete: bool,
    /// The broker.
    pub rabbitmq_cluster_reference: RabbitmqClusterReference,
}

/// A RabbitMQ queue.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "rabbitmq.com",
    version = "v1beta1",
    kind = "Queue",
    namespaced,
    schema = "disabled",
    status = "TopologyStatus"
)]
#[serde(rename_all = "camelCase")]
pub struct QueueSpec {
    /// Queue name on the broker.
    pub name: String,
    /// Virtual host.
    pub vhost: String,
    /// `quorum` or `classic`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Survives a broker restart.
    pub durable: bool,
    /// Deleted when its last consumer goes.
    pub auto_delete: bool,
    /// Declaration arguments (`x-dead-letter-exchange`, `x-message-ttl`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub arguments: BTreeMap<String, serde_json::Value>,
    /// `retain` keeps the queue on the broker when this object is deleted.
    pub deletion_policy: String,
    /// The broker.
    pub rabbitmq_cluster_reference: RabbitmqClusterReference,
}

/// A binding of a queue to an exchange.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "rabbitmq.com",
    version = "v1beta1",
    kind = "Binding",
    namespaced,
    schema = "disabled",
    status = "TopologyStatus"
)]
#[serde(rename_all = "camelCase")]
pub struct BindingSpec {
    /// Virtual host.
    pub vhost: String,
    /// Source exchange.
    pub source: String,
    /// Destination queue.
    pub destination: String,
    /// Always `queue` here.
    pub destination_type: String,
    /// Routing key.
    pub routing_key: String,
    /// The broker.
    pub rabbitmq_cluster_reference: RabbitmqClusterReference,
}

/// What the topology operator reports on each of its objects.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TopologyStatus {
    /// The generation last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready` with reason `SuccessfulCreateOrUpdate` or `FailedCreateOrUpdate`.
    #[serde(default)]
    pub conditions: Vec<ForeignCondition>,
}

/// A condition reported by another controller.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ForeignCondition {
    /// Condition type.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Reason, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Message, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// DNS records for external-dns's CRD source.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "externaldns.k8s.io",
    version = "v1alpha1",
    kind = "DNSEndpoint",
    namespaced,
    schema = "disabled",
    status = "DnsEndpointStatus"
)]
#[serde(rename_all = "camelCase")]
pub struct DNSEndpointSpec {
    /// The records.
    pub endpoints: Vec<Endpoint>,
}

/// One DNS record.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// Host name.
    pub dns_name: String,
    /// `A` for IP targets, `CNAME` for host names.
    pub record_type: String,
    /// TTL in seconds.
    #[serde(rename = "recordTTL")]
    pub record_ttl: i64,
    /// Load-balancer addresses.
    pub targets: Vec<String>,
}

/// What external-dns reports.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DnsEndpointStatus {
    /// The generation external-dns last published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// What Prometheus scrapes: the Services matching a selector, on named ports.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "monitoring.coreos.com",
    version = "v1",
    kind = "ServiceMonitor",
    namespaced,
    schema = "disabled"
)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMonitorSpec {
    /// The Services scraped (in the monitor's own namespace).
    pub selector: k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
    /// How each of their endpoints is scraped.
    pub endpoints: Vec<ScrapeEndpoint>,
}

/// One scraped port.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScrapeEndpoint {
    /// The Service port's name.
    pub port: String,
    /// The metrics path.
    pub path: String,
    /// Time between scrapes.
    pub interval: String,
    /// Time a scrape may take (below the interval).
    pub scrape_timeout: String,
}
