//! Pure rendering: a `MarketplaceService` plus resolved [`Inputs`] in, the objects it needs out.
//!
//! Nothing here does IO, so the whole desired state is covered by unit and golden tests; the
//! reconciler only applies, prunes and reports on what this module returns.

pub mod inputs;
pub mod messaging;
pub mod meta;
pub mod monitoring;
pub mod network;
pub mod workload;

use kube::api::{ApiResource, DynamicObject};
use kube::{Resource, ResourceExt};
use serde::Serialize;

use crate::api::MarketplaceService;
use crate::api::foreign::{Binding, DNSEndpoint, Exchange, Queue, ServiceMonitor};
pub use inputs::Inputs;

/// Cluster facts the rendering depends on, set once per operator installation.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Settings {
    /// Namespace of the monitoring stack, admitted to every component's ports.
    #[arg(long, env = "MONITORING_NAMESPACE", default_value = "monitoring")]
    pub monitoring_namespace: String,
    /// Namespace of the ingress controller, admitted to the gateway's ports.
    #[arg(
        long,
        env = "INGRESS_CONTROLLER_NAMESPACE",
        default_value = "ingress-nginx"
    )]
    pub ingress_controller_namespace: String,
    /// IngressClass for gateways that name none (the cluster default when unset).
    #[arg(long, env = "DEFAULT_INGRESS_CLASS")]
    pub default_ingress_class: Option<String>,
    /// Annotation prefix the cluster's external-dns reads (`external-dns.alpha.kubernetes.io/`
    /// before external-dns v0.22).
    #[arg(
        long,
        env = "DNS_ANNOTATION_PREFIX",
        default_value = "external-dns.kubernetes.io/"
    )]
    pub dns_annotation_prefix: String,
    /// Address ranges admitted to the gateway's ports besides the ingress controller's pods:
    /// load balancers that send traffic straight to pod IPs from outside the cluster (an AWS
    /// ALB with `target-type: ip` comes from the VPC's range). Comma-separated CIDRs.
    #[arg(long, env = "INGRESS_SOURCE_CIDRS", value_delimiter = ',')]
    pub ingress_source_cidrs: Vec<String>,
    /// Render a Prometheus Operator `ServiceMonitor` for every component whose spec does not
    /// say otherwise (`spec.monitoring.serviceMonitor`); needs the Prometheus Operator's CRDs.
    #[arg(long, env = "SERVICE_MONITORS", default_value_t = false, action = clap::ArgAction::Set)]
    pub service_monitors: bool,
    /// Labels every `ServiceMonitor` carries, for a Prometheus that selects monitors by label
    /// (kube-prometheus-stack: `release=<its release name>`). Comma-separated `name=value`.
    #[arg(long, env = "SERVICE_MONITOR_LABELS", value_delimiter = ',', value_parser = parse_label)]
    pub service_monitor_labels: Vec<(String, String)>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            monitoring_namespace: "monitoring".into(),
            ingress_controller_namespace: "ingress-nginx".into(),
            default_ingress_class: None,
            dns_annotation_prefix: "external-dns.kubernetes.io/".into(),
            ingress_source_cidrs: Vec::new(),
            service_monitors: false,
            service_monitor_labels: Vec::new(),
        }
    }
}

/// A `name=value` label of `SERVICE_MONITOR_LABELS`.
fn parse_label(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("{text:?} is not name=value")),
    }
}

/// Everything one component needs, in apply order.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    /// Objects owned by the component (deleted with it).
    pub owned: Vec<DynamicObject>,
    /// Shared exchanges (no owner; deleted when no component uses them).
    pub exchanges: Vec<DynamicObject>,
}

/// Renders every object `ms` needs.
pub fn render(ms: &MarketplaceService, inputs: &Inputs, settings: &Settings) -> Desired {
    let topology = messaging::topology(ms);
    let mut owned = vec![
        erase(&workload::service_account(ms)),
        erase(&network::service(ms)),
        erase(&network::network_policy(ms, settings)),
        erase(&workload::deployment(ms, inputs)),
    ];
    owned.extend(workload::autoscaler(ms).as_ref().map(erase));
    owned.extend(workload::disruption_budget(ms).as_ref().map(erase));
    owned.extend(network::ingress(ms, settings).as_ref().map(erase));
    owned.extend(network::dns_endpoint(ms, inputs).as_ref().map(erase));
    owned.extend(
        monitoring::service_monitor(ms, settings)
            .as_ref()
            .map(erase),
    );
    owned.extend(topology.queues.iter().map(erase));
    owned.extend(topology.bindings.iter().map(erase));
    Desired {
        owned,
        exchanges: topology.exchanges.iter().map(erase).collect(),
    }
}

impl Desired {
    /// Every object, owned first, as one multi-document YAML stream.
    ///
    /// # Errors
    ///
    /// Never for objects built by [`render`]; the serializer's error otherwise.
    pub fn to_yaml(&self) -> Result<String, YamlError> {
        let mut out = String::new();
        for object in self.owned.iter().chain(&self.exchanges) {
            out.push_str("---\n");
            out.push_str(&to_yaml(object)?);
        }
        Ok(out)
    }
}

/// Why a value could not be written as YAML.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    /// It is not representable as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The YAML writer failed.
    #[error(transparent)]
    Yaml(#[from] serde_saphyr::ser::Error),
}

/// `value` as YAML with every mapping's keys sorted, so the output is the same whatever order
/// the JSON maps of this build keep (serde_json's `preserve_order` may be on in a workspace).
///
/// # Errors
///
/// A value that is not representable as JSON.
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, YamlError> {
    fn sorted(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let entries: std::collections::BTreeMap<String, serde_json::Value> =
                    map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                serde_json::Value::Object(entries.into_iter().collect())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sorted).collect())
            }
            other => other,
        }
    }
    Ok(serde_saphyr::to_string(&sorted(serde_json::to_value(
        value,
    )?))?)
}

/// Every kind the operator creates, for applying and pruning by label.
pub fn child_kinds() -> Vec<ApiResource> {
    use k8s_openapi::api::{apps, autoscaling, core, networking, policy};
    vec![
        ApiResource::erase::<core::v1::ServiceAccount>(&()),
        ApiResource::erase::<core::v1::Service>(&()),
        ApiResource::erase::<networking::v1::NetworkPolicy>(&()),
        ApiResource::erase::<apps::v1::Deployment>(&()),
        ApiResource::erase::<autoscaling::v2::HorizontalPodAutoscaler>(&()),
        ApiResource::erase::<policy::v1::PodDisruptionBudget>(&()),
        ApiResource::erase::<networking::v1::Ingress>(&()),
        ApiResource::erase::<DNSEndpoint>(&()),
        ApiResource::erase::<ServiceMonitor>(&()),
        ApiResource::erase::<Queue>(&()),
        ApiResource::erase::<Binding>(&()),
    ]
}

/// The API resource of a rendered object.
pub fn api_resource(object: &DynamicObject) -> Option<ApiResource> {
    let types = object.types.as_ref()?;
    child_kinds()
        .into_iter()
        .chain([ApiResource::erase::<Exchange>(&())])
        .find(|ar| ar.api_version == types.api_version && ar.kind == types.kind)
}

/// A typed object as a dynamic one (typed objects always carry `apiVersion` and `kind`).
fn erase<K: Resource<DynamicType = ()> + Serialize>(object: &K) -> DynamicObject {
    let value = serde_json::to_value(object).unwrap_or_default();
    let mut dynamic: DynamicObject = serde_json::from_value(value)
        .unwrap_or_else(|_| DynamicObject::new(&object.name_any(), &ApiResource::erase::<K>(&())));
    if dynamic.types.is_none() {
        dynamic.types = Some(kube::api::TypeMeta {
            api_version: K::api_version(&()).into_owned(),
            kind: K::kind(&()).into_owned(),
        });
    }
    dynamic
}
