//! Networking: the Service, the NetworkPolicy, and for the gateway the Ingress and its DNS
//! records.
//!
//! A service admits traffic only from gateway pods and the monitoring namespace; the gateway
//! admits the ingress controller, the load balancers' address ranges the operator is told of
//! (`INGRESS_SOURCE_CIDRS`) and monitoring. Nothing else reaches a component's ports.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, IPBlock, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, NetworkPolicy, NetworkPolicyIngressRule,
    NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::ResourceExt;

use super::Settings;
use super::inputs::{Inputs, LbAddress};
use super::meta::{ROLE_LABEL, child_meta, role_value, selector_labels};
use crate::api::foreign::{DNSEndpoint, DNSEndpointSpec, Endpoint};
use crate::api::{DnsMode, MarketplaceService, Role};

/// The ClusterIP Service in front of the pods.
pub fn service(ms: &MarketplaceService) -> Service {
    Service {
        metadata: child_meta(ms, ms.name_any()),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(selector_labels(ms)),
            ports: Some(
                ms.spec
                    .ports
                    .iter()
                    .map(|p| ServicePort {
                        name: Some(p.name.clone()),
                        port: p.port,
                        target_port: Some(IntOrString::String(p.name.clone())),
                        protocol: Some("TCP".into()),
                        app_protocol: Some("http".into()),
                        ..ServicePort::default()
                    })
                    .collect(),
            ),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn namespace_peer(namespace: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".to_owned(),
                namespace.to_owned(),
            )])),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    }
}

/// The ingress policy of the component's pods.
pub fn network_policy(ms: &MarketplaceService, settings: &Settings) -> NetworkPolicy {
    let ports: Vec<NetworkPolicyPort> = ms
        .spec
        .ports
        .iter()
        .map(|p| NetworkPolicyPort {
            port: Some(IntOrString::Int(p.port)),
            protocol: Some("TCP".into()),
            end_port: None,
        })
        .collect();
    let mut callers = match ms.spec.role {
        Role::Internal => vec![NetworkPolicyPeer {
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    ROLE_LABEL.to_owned(),
                    role_value(Role::Gateway).to_owned(),
                )])),
                ..LabelSelector::default()
            }),
            ..NetworkPolicyPeer::default()
        }],
        Role::Gateway => std::iter::once(namespace_peer(&settings.ingress_controller_namespace))
            .chain(
                settings
                    .ingress_source_cidrs
                    .iter()
                    .map(|cidr| NetworkPolicyPeer {
                        ip_block: Some(IPBlock {
                            cidr: cidr.clone(),
                            except: None,
                        }),
                        ..NetworkPolicyPeer::default()
                    }),
            )
            .collect(),
    };
    callers.push(namespace_peer(&settings.monitoring_namespace));
    NetworkPolicy {
        metadata: child_meta(ms, ms.name_any()),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(selector_labels(ms)),
                ..LabelSelector::default()
            }),
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(callers),
                ports: Some(ports),
            }]),
            egress: None,
        }),
    }
}

/// The gateway's Ingress, with external-dns annotations in `IngressAnnotation` mode.
pub fn ingress(ms: &MarketplaceService, settings: &Settings) -> Option<Ingress> {
    let spec = ms.spec.ingress.as_ref()?;
    let port = ms.spec.ports.first()?;
    let mut metadata = child_meta(ms, ms.name_any());
    let mut annotations = spec.annotations.clone();
    if let Some(dns) = ms
        .spec
        .dns
        .as_ref()
        .filter(|d| d.mode == DnsMode::IngressAnnotation)
    {
        // The records are the operator's: these two win over the spec's annotations.
        let prefix = &settings.dns_annotation_prefix;
        annotations.insert(format!("{prefix}hostname"), spec.hosts.join(","));
        annotations.insert(format!("{prefix}ttl"), dns.ttl_seconds.to_string());
    }
    metadata.annotations = (!annotations.is_empty()).then_some(annotations);
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: ms.name_any(),
            port: Some(ServiceBackendPort {
                name: Some(port.name.clone()),
                number: None,
            }),
        }),
        resource: None,
    };
    Some(Ingress {
        metadata,
        spec: Some(IngressSpec {
            ingress_class_name: spec
                .class_name
                .clone()
                .or_else(|| settings.default_ingress_class.clone()),
            rules: Some(
                spec.hosts
                    .iter()
                    .map(|host| IngressRule {
                        host: Some(host.clone()),
                        http: Some(HTTPIngressRuleValue {
                            paths: vec![HTTPIngressPath {
                                path: Some("/".into()),
                                path_type: "Prefix".into(),
                                backend: backend.clone(),
                            }],
                        }),
                    })
                    .collect(),
            ),
            tls: (spec.tls_secret_name.is_some() || spec.load_balancer_tls).then(|| {
                vec![IngressTLS {
                    hosts: Some(spec.hosts.clone()),
                    secret_name: spec.tls_secret_name.clone(),
                }]
            }),
            default_backend: None,
        }),
        status: None,
    })
}

/// A `DNSEndpoint` in `DNSEndpoint` mode, once the ingress has a load-balancer address.
pub fn dns_endpoint(ms: &MarketplaceService, inputs: &Inputs) -> Option<DNSEndpoint> {
    let dns = ms
        .spec
        .dns
        .as_ref()
        .filter(|d| d.mode == DnsMode::DNSEndpoint)?;
    let hosts = &ms.spec.ingress.as_ref()?.hosts;
    let (ips, names): (Vec<_>, Vec<_>) = inputs
        .ingress_addresses
        .iter()
        .partition(|a| matches!(a, LbAddress::Ip(_)));
    let (record_type, targets) = if names.is_empty() {
        ("A", ips)
    } else {
        // A CNAME may have one target only, and cannot sit beside A records.
        ("CNAME", names.into_iter().take(1).collect())
    };
    let targets: Vec<String> = targets
        .into_iter()
        .map(|a| match a {
            LbAddress::Ip(v) | LbAddress::Hostname(v) => v.clone(),
        })
        .collect();
    if targets.is_empty() {
        return None;
    }
    let endpoints = hosts
        .iter()
        .map(|host| Endpoint {
            dns_name: host.clone(),
            record_type: record_type.into(),
            record_ttl: dns.ttl_seconds,
            targets: targets.clone(),
        })
        .collect();
    let mut endpoint = DNSEndpoint::new(&ms.name_any(), DNSEndpointSpec { endpoints });
    endpoint.metadata = child_meta(ms, ms.name_any());
    Some(endpoint)
}

/// The in-cluster URL of the component.
pub fn address(ms: &MarketplaceService) -> Option<String> {
    let port = ms.spec.ports.first()?;
    Some(format!(
        "http://{}.{}.svc.cluster.local:{}",
        ms.name_any(),
        ms.namespace().unwrap_or_else(|| "default".into()),
        port.port
    ))
}

/// The public URL of the gateway.
pub fn public_url(ms: &MarketplaceService) -> Option<String> {
    let ingress = ms.spec.ingress.as_ref()?;
    let host = ingress.hosts.first()?;
    let scheme = if ingress.tls_secret_name.is_some() || ingress.load_balancer_tls {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}
