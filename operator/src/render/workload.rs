//! The workload: ServiceAccount, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget.
//!
//! The Deployment never holds a secret value: database and broker URLs come through
//! `secretKeyRef`, token keys are mounted read-only, and a hash of the referenced Secrets'
//! versions in the pod template rolls the pods when a credential is rotated.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    HTTPGetAction, KeyToPath, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SeccompProfile, SecretKeySelector, SecretVolumeSource, SecurityContext,
    ServiceAccount, Volume, VolumeMount,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::ResourceExt;

use super::inputs::{Inputs, token_keys};
use super::meta::{child_meta, labels, selector_labels, short_hash};
use mercato_topology::settings::env as topology_env;

use super::messaging;
use crate::api::{MarketplaceService, ResourceAmounts, Role};

/// Where the token keys Secret is mounted.
pub const TOKEN_KEYS_DIR: &str = "/var/run/mercato/tokens";
/// Pod-template annotation holding the hash of referenced Secret versions.
pub const SECRETS_HASH_ANNOTATION: &str = "mercato.dev/secrets-hash";
/// Replicas when neither `replicas` nor `autoscaling` is set.
pub const DEFAULT_REPLICAS: i32 = 2;
/// The non-root user the containers run as.
const RUN_AS_USER: i64 = 10_001;

/// The component's own ServiceAccount (no API token mounted: components never call Kubernetes).
pub fn service_account(ms: &MarketplaceService) -> ServiceAccount {
    ServiceAccount {
        metadata: child_meta(ms, ms.name_any()),
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    }
}

/// The Deployment running the component.
pub fn deployment(ms: &MarketplaceService, inputs: &Inputs) -> Deployment {
    let spec = &ms.spec;
    let name = ms.name_any();
    let versions = inputs
        .secret_versions(ms)
        .into_iter()
        .map(|(name, version)| format!("{name}={version}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut pod_labels = labels(ms);
    pod_labels.extend(selector_labels(ms));
    Deployment {
        metadata: child_meta(ms, name.clone()),
        spec: Some(DeploymentSpec {
            replicas: if spec.autoscaling.is_some() {
                None
            } else {
                Some(spec.replicas.unwrap_or(DEFAULT_REPLICAS))
            },
            revision_history_limit: Some(5),
            selector: LabelSelector {
                match_labels: Some(selector_labels(ms)),
                ..LabelSelector::default()
            },
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(1)),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    annotations: Some(BTreeMap::from([(
                        SECRETS_HASH_ANNOTATION.to_owned(),
                        short_hash(versions.as_bytes()),
                    )])),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec(ms, inputs)),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

fn pod_spec(ms: &MarketplaceService, inputs: &Inputs) -> PodSpec {
    let spec = &ms.spec;
    let mut items = vec![key_to_path(token_keys::JWKS)];
    if spec.role == Role::Gateway {
        items.push(key_to_path(token_keys::SIGNING_KEY));
    }
    PodSpec {
        service_account_name: Some(ms.name_any()),
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        termination_grace_period_seconds: Some(40),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RUN_AS_USER),
            run_as_group: Some(RUN_AS_USER),
            fs_group: Some(RUN_AS_USER),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }),
        containers: vec![container(ms, inputs)],
        volumes: Some(vec![
            Volume {
                name: "token-keys".into(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(spec.token_policy.keys_secret.clone()),
                    items: Some(items),
                    default_mode: Some(0o440),
                    ..SecretVolumeSource::default()
                }),
                ..Volume::default()
            },
            Volume {
                name: "tmp".into(),
                empty_dir: Some(EmptyDirVolumeSource {
                    size_limit: Some(Quantity("64Mi".into())),
                    ..EmptyDirVolumeSource::default()
                }),
                ..Volume::default()
            },
        ]),
        ..PodSpec::default()
    }
}

fn key_to_path(key: &str) -> KeyToPath {
    KeyToPath {
        key: key.to_owned(),
        path: key.to_owned(),
        mode: None,
    }
}

fn container(ms: &MarketplaceService, inputs: &Inputs) -> Container {
    let spec = &ms.spec;
    let main_port = spec.ports.first().map_or(8080, |p| p.port);
    let probes = spec.probes.clone().unwrap_or_default();
    let probe = |path: &str, initial_delay: Option<i32>| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(main_port),
            scheme: Some("HTTP".into()),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds: initial_delay,
        period_seconds: Some(probes.period_seconds.unwrap_or(10)),
        timeout_seconds: Some(probes.timeout_seconds.unwrap_or(2)),
        failure_threshold: Some(probes.failure_threshold.unwrap_or(3)),
        ..Probe::default()
    };
    Container {
        name: "app".into(),
        image: Some(spec.image.clone()),
        ports: Some(
            spec.ports
                .iter()
                .map(|p| ContainerPort {
                    name: Some(p.name.clone()),
                    container_port: p.port,
                    protocol: Some("TCP".into()),
                    ..ContainerPort::default()
                })
                .collect(),
        ),
        env: Some(env(ms, inputs, main_port)),
        resources: Some(resources(spec.resources.clone().unwrap_or_default())),
        liveness_probe: Some(probe(
            "/healthz",
            Some(probes.startup_grace_seconds.unwrap_or(10)),
        )),
        readiness_probe: Some(probe("/readyz", None)),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                add: None,
            }),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![
            VolumeMount {
                name: "token-keys".into(),
                mount_path: TOKEN_KEYS_DIR.into(),
                read_only: Some(true),
                ..VolumeMount::default()
            },
            VolumeMount {
                name: "tmp".into(),
                mount_path: "/tmp".into(),
                ..VolumeMount::default()
            },
        ]),
        ..Container::default()
    }
}

fn resources(spec: crate::api::Resources) -> ResourceRequirements {
    let amounts = |a: Option<ResourceAmounts>, cpu: Option<&str>, memory: &str| {
        let a = a.unwrap_or_default();
        let mut map = BTreeMap::new();
        if let Some(cpu) = a.cpu.or(cpu.map(str::to_owned)) {
            map.insert("cpu".to_owned(), Quantity(cpu));
        }
        map.insert(
            "memory".to_owned(),
            Quantity(a.memory.unwrap_or_else(|| memory.to_owned())),
        );
        map
    };
    ResourceRequirements {
        // No default CPU limit: throttling hurts latency more than sharing spare cores.
        requests: Some(amounts(spec.requests, Some("100m"), "128Mi")),
        limits: Some(amounts(spec.limits, None, "512Mi")),
        ..ResourceRequirements::default()
    }
}

fn plain(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value.into()),
        value_from: None,
    }
}

fn from_secret(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
    }
}

/// The container's environment, in the order Kubernetes must expand `$(VAR)` references.
fn env(ms: &MarketplaceService, inputs: &Inputs, port: i32) -> Vec<EnvVar> {
    let spec = &ms.spec;
    let mut env = vec![
        plain("LISTEN_ADDR", format!("0.0.0.0:{port}")),
        plain("LOG_FORMAT", "json"),
    ];
    for db in &spec.databases {
        let var = db.env_var();
        if let Some(r) = &db.secret_ref {
            env.push(from_secret(&var, &r.name, &r.key));
        } else if let (Some(aws), Some(endpoint)) = (&db.aws, inputs.endpoints.get(&db.name)) {
            // Credentials stay in their Secret; Kubernetes composes the URL from the parts.
            let part = |p: &str| {
                format!(
                    "MERCATO_DB_{}_{p}",
                    db.name.to_uppercase().replace('-', "_")
                )
            };
            env.push(from_secret(
                &part("USERNAME"),
                &aws.credentials_secret,
                "username",
            ));
            env.push(from_secret(
                &part("PASSWORD"),
                &aws.credentials_secret,
                "password",
            ));
            let path = if db.aws_sql() {
                env.push(from_secret(
                    &part("DATABASE"),
                    &aws.credentials_secret,
                    "database",
                ));
                format!("/$({})", part("DATABASE"))
            } else {
                String::new()
            };
            env.push(plain(
                &var,
                format!(
                    "{}://$({}):$({})@{}:{}{path}",
                    db.engine.url_scheme(),
                    part("USERNAME"),
                    part("PASSWORD"),
                    endpoint.host,
                    endpoint.port
                ),
            ));
        }
    }
    if let Some(m) = &spec.messaging {
        env.push(from_secret(
            topology_env::AMQP_URL,
            &m.credentials.name,
            &m.credentials.key,
        ));
        env.push(plain(topology_env::TOPOLOGY, "verify"));
        env.push(plain(topology_env::VHOST, m.vhost.clone()));
        for (name, value) in messaging::settings(&ms.name_any(), m).to_env() {
            env.push(plain(name, value));
        }
    }
    let keys = &spec.token_policy.keys_secret;
    let jwks = format!("{TOKEN_KEYS_DIR}/{}", token_keys::JWKS);
    match spec.role {
        Role::Gateway => {
            // The gateway publishes its signing key; the mounted set adds keys kept verifiable
            // during a rotation.
            env.push(plain("TOKEN_EXTRA_JWKS_FILE", jwks));
            env.push(plain(
                "TOKEN_SIGNING_KEY_FILE",
                format!("{TOKEN_KEYS_DIR}/{}", token_keys::SIGNING_KEY),
            ));
            env.push(from_secret("TOKEN_SIGNING_KID", keys, token_keys::KID));
        }
        Role::Internal => {
            env.push(plain("TOKEN_JWKS_FILE", jwks));
            let audience = spec
                .token_policy
                .audience
                .clone()
                .unwrap_or_else(|| ms.name_any());
            env.push(plain("TOKEN_AUDIENCE", audience));
        }
    }
    for e in &spec.env {
        match (&e.value, &e.secret_key_ref) {
            (_, Some(r)) => env.push(from_secret(&e.name, &r.name, &r.key)),
            (value, None) => env.push(plain(&e.name, value.clone().unwrap_or_default())),
        }
    }
    env
}

/// The autoscaler, when `autoscaling` is set.
pub fn autoscaler(ms: &MarketplaceService) -> Option<HorizontalPodAutoscaler> {
    let a = ms.spec.autoscaling.as_ref()?;
    Some(HorizontalPodAutoscaler {
        metadata: child_meta(ms, ms.name_any()),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".into()),
                kind: "Deployment".into(),
                name: ms.name_any(),
            },
            min_replicas: Some(a.min_replicas),
            max_replicas: a.max_replicas,
            metrics: Some(vec![MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(a.target_cpu_utilization_percentage),
                        ..MetricTarget::default()
                    },
                }),
                ..MetricSpec::default()
            }]),
            behavior: None,
        }),
        status: None,
    })
}

/// A disruption budget letting one pod go at a time, when at least two run (with one, a
/// budget would block node drains forever).
pub fn disruption_budget(ms: &MarketplaceService) -> Option<PodDisruptionBudget> {
    let min = match &ms.spec.autoscaling {
        Some(a) => a.min_replicas,
        None => ms.spec.replicas.unwrap_or(DEFAULT_REPLICAS),
    };
    (min >= 2).then(|| PodDisruptionBudget {
        metadata: child_meta(ms, ms.name_any()),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(selector_labels(ms)),
                ..LabelSelector::default()
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        status: None,
    })
}
