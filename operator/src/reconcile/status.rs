//! The status a reconcile reports, computed from what it found and what the API server answered.
//! Pure: everything it needs is passed in, so every reason is unit-testable.

use std::collections::BTreeSet;

use kube::ResourceExt;
use kube::api::DynamicObject;
use serde_json::Value;

use super::apply::{Applied, Failure};
use super::broker_api::BrokerError;
use super::exposure;
use super::hold::{Held, HeldBack};
use crate::api::types;
use crate::api::{
    MAX_MANAGED_RESOURCES, ManagedResource, MarketplaceService, MarketplaceServiceStatus, Role,
    Verdict, conditions,
};
use crate::endpoints::LookupError;
use crate::render::Settings;
use crate::render::inputs::{Concern, Inputs, SecretNeed};
use crate::render::network::{address, public_url};

/// What a reconcile found and did, for the status.
#[derive(Debug)]
pub struct Observed<'a> {
    /// The resolved inputs.
    pub inputs: &'a Inputs,
    /// Secret keys referenced but missing.
    pub missing: &'a [SecretNeed],
    /// Database bindings no endpoint could be found for, and why.
    pub unresolved: &'a [(String, LookupError)],
    /// Outcome of declaring the topology through the broker's management API, when used.
    pub broker: Option<&'a Result<(), BrokerError>>,
    /// Outcome of each applied object.
    pub applied: &'a [Applied],
    /// What is held back (not applied) because its inputs are missing.
    pub held: &'a HeldBack,
    /// The operator's cluster settings (whether monitors are wanted by default).
    pub settings: &'a Settings,
}

/// The new status of `ms`.
pub fn status(
    ms: &MarketplaceService,
    observed: &Observed<'_>,
    now: &str,
) -> MarketplaceServiceStatus {
    let previous = ms.status.clone().unwrap_or_default();
    let verdicts = [
        (types::WORKLOAD_AVAILABLE, workload(observed)),
        (types::MESSAGING_READY, messaging(ms, observed)),
        (types::DATABASES_BOUND, databases(ms, observed)),
        (types::NETWORKING_READY, exposure::networking(ms, observed)),
        (types::DNS_READY, exposure::dns(ms, observed)),
        (types::TOKEN_POLICY_READY, tokens(ms, observed)),
        (types::MONITORING_READY, exposure::monitoring(ms, observed)),
    ];
    let generation = ms.metadata.generation;
    let deployment = find(observed.applied, "Deployment");
    let mut managed: Vec<ManagedResource> = observed
        .applied
        .iter()
        .filter(|a| a.result.is_ok())
        .map(|a| ManagedResource {
            api_version: a.resource.api_version.clone(),
            kind: a.resource.kind.clone(),
            name: a.name.clone(),
        })
        .collect();
    managed.sort();
    // The schema bounds the list; the spec's own bounds keep a real topology far below it.
    managed.truncate(MAX_MANAGED_RESOURCES);
    MarketplaceServiceStatus {
        observed_generation: generation,
        conditions: conditions(&previous.conditions, &verdicts, generation, now),
        available_replicas: deployment
            .and_then(|d| d.data["status"]["availableReplicas"].as_i64())
            .and_then(|n| i32::try_from(n).ok())
            .or(Some(0)),
        address: address(ms),
        url: public_url(ms),
        managed_resources: managed,
    }
}

pub(super) fn find<'a>(applied: &'a [Applied], kind: &str) -> Option<&'a DynamicObject> {
    applied
        .iter()
        .find(|a| a.resource.kind == kind)
        .and_then(|a| a.result.as_ref().ok())
}

pub(super) fn failures<'a>(
    applied: &'a [Applied],
    kinds: &[&str],
) -> Vec<(&'a Applied, &'a Failure)> {
    applied
        .iter()
        .filter(|a| kinds.contains(&a.resource.kind.as_str()))
        .filter_map(|a| a.result.as_ref().err().map(|f| (a, f)))
        .collect()
}

pub(super) fn apply_failed(failed: &[(&Applied, &Failure)]) -> Option<Verdict> {
    let (applied, failure) = failed.first()?;
    let reason = match failure.code {
        Some(404) => "CrdNotInstalled",
        Some(403 | 422) => "ApplyRejected",
        _ => "ApplyFailed",
    };
    Some(Verdict::failed(
        reason,
        format!(
            "{} {}: {}",
            applied.resource.kind, applied.name, failure.message
        ),
    ))
}

pub(super) fn missing_in(observed: &Observed<'_>, concerns: &[Concern]) -> Option<Verdict> {
    let missing: Vec<String> = observed
        .missing
        .iter()
        .filter(|n| concerns.contains(&n.concern))
        .map(|n| {
            if observed.inputs.secrets.contains_key(&n.secret) {
                format!("key {} of Secret {}", n.key, n.secret)
            } else {
                format!("Secret {}", n.secret)
            }
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if missing.is_empty() {
        return None;
    }
    let secret_absent = observed
        .missing
        .iter()
        .any(|n| concerns.contains(&n.concern) && !observed.inputs.secrets.contains_key(&n.secret));
    let reason = if secret_absent {
        "SecretNotFound"
    } else {
        "SecretKeyNotFound"
    };
    Some(Verdict::failed(
        reason,
        format!("missing {}", missing.join(", ")),
    ))
}

fn workload(observed: &Observed<'_>) -> Verdict {
    if observed.held.contains(Held::Workload) {
        let mut needs: Vec<String> = observed
            .missing
            .iter()
            .filter(|n| n.concern.in_pods())
            .map(|n| {
                if observed.inputs.secrets.contains_key(&n.secret) {
                    format!("key {} of Secret {}", n.key, n.secret)
                } else {
                    format!("Secret {}", n.secret)
                }
            })
            .chain(
                observed
                    .unresolved
                    .iter()
                    .map(|(db, _)| format!("the endpoint of database {db}")),
            )
            .collect();
        needs.sort();
        needs.dedup();
        let detail = if needs.is_empty() {
            "see the other conditions".to_owned()
        } else {
            format!("waiting for {}", needs.join(", "))
        };
        return Verdict::failed(
            "InputsMissing",
            format!(
                "the Deployment is not applied until its Secrets and endpoints exist: {detail}"
            ),
        );
    }
    if let Some(v) = apply_failed(&failures(
        observed.applied,
        &[
            "Deployment",
            "ServiceAccount",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
        ],
    )) {
        return v;
    }
    let Some(deployment) = find(observed.applied, "Deployment") else {
        return Verdict::pending("Deploying", "waiting for the Deployment");
    };
    let status = &deployment.data["status"];
    let generation = deployment.metadata.generation;
    if status["observedGeneration"].as_i64() != generation || generation.is_none() {
        return Verdict::pending(
            "Deploying",
            "the Deployment controller has not seen the latest change",
        );
    }
    if let Some(("False", reason, message)) = condition(status, "Progressing") {
        // A rollout that cannot finish (bad image, crash loop) while old pods still serve.
        return Verdict::failed(
            if reason.is_empty() {
                "RolloutStuck"
            } else {
                reason
            },
            message,
        );
    }
    let wanted = status["replicas"].as_i64().unwrap_or(0);
    let updated = status["updatedReplicas"].as_i64().unwrap_or(0);
    if updated < wanted {
        return Verdict::pending(
            "RollingOut",
            format!("{updated} of {wanted} replicas run the latest template"),
        );
    }
    match condition(status, "Available") {
        Some(("True", _, _)) => Verdict::ok(
            "MinimumReplicasAvailable",
            format!(
                "{} replicas available",
                status["availableReplicas"].as_i64().unwrap_or(0)
            ),
        ),
        Some(("False", reason, message)) => Verdict::failed(
            if reason.is_empty() {
                "Unavailable"
            } else {
                reason
            },
            message,
        ),
        _ => Verdict::pending("Deploying", "waiting for pods to become available"),
    }
}

/// `(status, reason, message)` of the condition `type_` in a foreign status object.
fn condition<'a>(status: &'a Value, type_: &str) -> Option<(&'a str, &'a str, &'a str)> {
    status["conditions"].as_array()?.iter().find_map(|c| {
        (c["type"] == type_).then(|| {
            (
                c["status"].as_str().unwrap_or(""),
                c["reason"].as_str().unwrap_or(""),
                c["message"].as_str().unwrap_or(""),
            )
        })
    })
}

fn messaging(ms: &MarketplaceService, observed: &Observed<'_>) -> Verdict {
    if ms.spec.messaging.is_none() {
        return Verdict::ok("NotRequested", "no messaging configured");
    }
    if let Some(v) = missing_in(observed, &[Concern::Messaging, Concern::Broker]) {
        return v;
    }
    match observed.broker {
        Some(Ok(())) => {
            return Verdict::ok(
                "TopologyDeclared",
                "declared through the broker's management API",
            );
        }
        Some(Err(error @ BrokerError::ExchangeMissing { .. })) => {
            return Verdict::pending(error.reason(), error.to_string());
        }
        Some(Err(error)) => return Verdict::failed(error.reason(), error.to_string()),
        None => {}
    }
    let topology = ["Exchange", "Queue", "Binding"];
    if let Some(v) = apply_failed(&failures(observed.applied, &topology)) {
        return v;
    }
    let mut pending = Vec::new();
    for applied in observed
        .applied
        .iter()
        .filter(|a| topology.contains(&a.resource.kind.as_str()))
    {
        let Ok(object) = &applied.result else {
            continue;
        };
        match condition(&object.data["status"], "Ready") {
            Some(("True", _, _)) => {}
            Some(("False", _, message)) => {
                return Verdict::failed(
                    "TopologyNotReady",
                    format!("{} {}: {message}", applied.resource.kind, applied.name),
                );
            }
            _ => pending.push(format!("{} {}", applied.resource.kind, applied.name)),
        }
    }
    if pending.is_empty() {
        Verdict::ok(
            "TopologyReady",
            "exchanges, queues and bindings are declared",
        )
    } else {
        Verdict::pending(
            "TopologyPending",
            format!("waiting for the topology operator: {}", pending.join(", ")),
        )
    }
}

fn databases(ms: &MarketplaceService, observed: &Observed<'_>) -> Verdict {
    if ms.spec.databases.is_empty() {
        return Verdict::ok("NotRequested", "no databases bound");
    }
    if let Some(v) = missing_in(observed, &[Concern::Databases]) {
        return v;
    }
    if let Some((_, first)) = observed.unresolved.first() {
        let all: Vec<String> = observed
            .unresolved
            .iter()
            .map(|(binding, error)| format!("{binding}: {error}"))
            .collect();
        return Verdict::failed(first.reason(), all.join("; "));
    }
    Verdict::ok("Bound", format!("{} bindings", ms.spec.databases.len()))
}

fn tokens(ms: &MarketplaceService, observed: &Observed<'_>) -> Verdict {
    if let Some(v) = missing_in(observed, &[Concern::Tokens]) {
        return v;
    }
    match (&ms.spec.role, &observed.inputs.gateway) {
        (Role::Gateway, _) => Verdict::ok("KeysMounted", "signing key and key set mounted"),
        (Role::Internal, Some(gateway)) => Verdict::ok(
            "IssuerResolved",
            format!(
                "accepts tokens of gateway {} (issuer {})",
                gateway.name, gateway.issuer
            ),
        ),
        (Role::Internal, None) => Verdict::failed(
            "IssuerNotFound",
            format!(
                "no MarketplaceService with role Gateway in namespace {}",
                ms.namespace().unwrap_or_default()
            ),
        ),
    }
}
