//! The `MarketplaceService` status and the condition rules the operator follows.
//!
//! Conditions follow the Kubernetes conventions (and Knative's living condition set): one
//! condition per concern, CamelCase reasons, `lastTransitionTime` kept unless the status flips,
//! and `Ready` aggregated from the others, so `kubectl wait --for=condition=Ready` works.

use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Condition types, in the order status lists them.
pub mod types {
    /// Everything below is True.
    pub const READY: &str = "Ready";
    /// The Deployment has its minimum replicas available.
    pub const WORKLOAD_AVAILABLE: &str = "WorkloadAvailable";
    /// Exchanges, queues and bindings exist on the broker.
    pub const MESSAGING_READY: &str = "MessagingReady";
    /// Every database binding resolves to a Secret key or an AWS endpoint.
    pub const DATABASES_BOUND: &str = "DatabasesBound";
    /// Service, NetworkPolicies and (gateway) Ingress are in place.
    pub const NETWORKING_READY: &str = "NetworkingReady";
    /// DNS records are published.
    pub const DNS_READY: &str = "DNSReady";
    /// Token keys are mounted and (services) the issuing gateway is known.
    pub const TOKEN_POLICY_READY: &str = "TokenPolicyReady";
    /// The `ServiceMonitor` is applied, when one is asked for.
    pub const MONITORING_READY: &str = "MonitoringReady";

    /// The conditions `Ready` is aggregated from.
    pub const DEPENDENTS: [&str; 7] = [
        WORKLOAD_AVAILABLE,
        MESSAGING_READY,
        DATABASES_BOUND,
        NETWORKING_READY,
        DNS_READY,
        TOKEN_POLICY_READY,
        MONITORING_READY,
    ];
}

/// The longest condition message kept, as `metav1.Condition` allows; longer ones are cut.
pub const MAX_MESSAGE_CHARS: usize = 32_768;

/// The most objects `status.managedResources` lists (the largest topology a spec allows,
/// four queues with ten retry queues and 64 bindings each, stays well below it).
pub const MAX_MANAGED_RESOURCES: usize = 512;

/// What the operator last observed and did.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceServiceStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Ready and the conditions it is aggregated from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["type".into()]))]
    #[schemars(length(max = 16))]
    pub conditions: Vec<Condition>,
    /// Pods ready to serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_replicas: Option<i32>,
    /// In-cluster URL of the component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048))]
    pub address: Option<String>,
    /// Public URL (gateway with an ingress).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048))]
    pub url: Option<String>,
    /// Every object the operator applies for this component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_MANAGED_RESOURCES))]
    pub managed_resources: Vec<ManagedResource>,
}

/// One condition, as in `metav1.Condition`.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type, e.g. `Ready`.
    #[serde(rename = "type")]
    #[schemars(length(min = 1, max = 316))]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: ConditionStatus,
    /// CamelCase reason, e.g. `SecretNotFound`.
    #[schemars(length(min = 1, max = 1024))]
    pub reason: String,
    /// What a person should know, e.g. which Secret is missing.
    #[serde(default)]
    #[schemars(length(max = MAX_MESSAGE_CHARS))]
    pub message: String,
    /// When the status last changed (RFC 3339).
    #[schemars(length(max = 64))]
    pub last_transition_time: String,
    /// The generation this condition was computed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// The value of a condition.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// It does not.
    False,
    /// Not known yet (e.g. waiting for a controller to act).
    Unknown,
}

/// An object applied for the component.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct ManagedResource {
    /// e.g. `apps/v1`.
    #[schemars(length(max = 316))]
    pub api_version: String,
    /// e.g. `Deployment`.
    #[schemars(length(max = 63))]
    pub kind: String,
    /// Object name.
    #[schemars(length(max = 253))]
    pub name: String,
}

/// A condition's value before it is stamped with a time and generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// True, False or Unknown.
    pub status: ConditionStatus,
    /// CamelCase reason.
    pub reason: String,
    /// Human-readable detail.
    pub message: String,
}

impl Verdict {
    /// A True verdict.
    pub fn ok(reason: &str, message: impl Into<String>) -> Self {
        Self::new(ConditionStatus::True, reason, message)
    }

    /// A False verdict.
    pub fn failed(reason: &str, message: impl Into<String>) -> Self {
        Self::new(ConditionStatus::False, reason, message)
    }

    /// An Unknown verdict (waiting on another controller).
    pub fn pending(reason: &str, message: impl Into<String>) -> Self {
        Self::new(ConditionStatus::Unknown, reason, message)
    }

    fn new(status: ConditionStatus, reason: &str, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        // The API server refuses a status whose message passes the schema's bound; an error
        // chain quoted whole must not keep the status from being written.
        if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS - 1) {
            message.truncate(cut);
            message.push('…');
        }
        Self {
            status,
            reason: reason.to_owned(),
            message,
        }
    }
}

/// Builds the conditions list from one verdict per dependent condition type, keeping the
/// `lastTransitionTime` of every condition whose status did not change.
///
/// `Ready` is False if any dependent is False (with that dependent's reason and message),
/// Unknown if any is Unknown, else True with reason `Reconciled`.
pub fn conditions(
    previous: &[Condition],
    verdicts: &[(&str, Verdict)],
    generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    let ready = aggregate(verdicts);
    std::iter::once((types::READY, &ready))
        .chain(verdicts.iter().map(|(t, v)| (*t, v)))
        .map(|(type_, verdict)| {
            let last = previous
                .iter()
                .find(|c| c.type_ == type_ && c.status == verdict.status)
                .map_or_else(|| now.to_owned(), |c| c.last_transition_time.clone());
            Condition {
                type_: type_.to_owned(),
                status: verdict.status,
                reason: verdict.reason.clone(),
                message: verdict.message.clone(),
                last_transition_time: last,
                observed_generation: generation,
            }
        })
        .collect()
}

fn aggregate(verdicts: &[(&str, Verdict)]) -> Verdict {
    let first = |status| verdicts.iter().find(|(_, v)| v.status == status);
    if let Some((type_, v)) = first(ConditionStatus::False) {
        return Verdict::failed(&v.reason, format!("{type_}: {}", v.message));
    }
    if let Some((type_, v)) = first(ConditionStatus::Unknown) {
        return Verdict::pending(&v.reason, format!("{type_}: {}", v.message));
    }
    Verdict::ok("Reconciled", "every condition is True")
}

impl MarketplaceServiceStatus {
    /// The condition of `type_`, if present.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// Whether `Ready` is True.
    pub fn is_ready(&self) -> bool {
        self.condition(types::READY)
            .is_some_and(|c| c.status == ConditionStatus::True)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_true() -> Vec<(&'static str, Verdict)> {
        types::DEPENDENTS
            .iter()
            .map(|t| (*t, Verdict::ok("Fine", "")))
            .collect()
    }

    #[test]
    fn ready_is_true_only_when_every_dependent_is() {
        let c = conditions(&[], &all_true(), Some(3), "t1");
        assert_eq!(c[0].type_, "Ready");
        assert_eq!(c[0].status, ConditionStatus::True);
        assert_eq!(c[0].reason, "Reconciled");
        assert_eq!(c.len(), 1 + types::DEPENDENTS.len());
        assert!(c.iter().all(|c| c.observed_generation == Some(3)));
    }

    #[test]
    fn false_beats_unknown_and_names_the_dependent() {
        let mut v = all_true();
        v[1].1 = Verdict::pending("TopologyPending", "waiting");
        v[2].1 = Verdict::failed("SecretNotFound", "Secret users-db not found");
        let c = conditions(&[], &v, None, "t1");
        assert_eq!(c[0].status, ConditionStatus::False);
        assert_eq!(c[0].reason, "SecretNotFound");
        assert_eq!(c[0].message, "DatabasesBound: Secret users-db not found");

        v[2].1 = Verdict::ok("Bound", "");
        let c = conditions(&[], &v, None, "t1");
        assert_eq!(c[0].status, ConditionStatus::Unknown);
        assert_eq!(c[0].reason, "TopologyPending");
    }

    #[test]
    fn a_message_longer_than_the_schema_allows_is_cut_to_its_bound() {
        let long = Verdict::failed("BrokerUnreachable", "é".repeat(MAX_MESSAGE_CHARS + 10));
        let short = Verdict::failed("BrokerUnreachable", "fits");

        assert_eq!(long.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(long.message.ends_with('…'));
        assert_eq!(short.message, "fits");
    }

    #[test]
    fn transition_time_changes_only_with_the_status() {
        let first = conditions(&[], &all_true(), Some(1), "t1");
        let same = conditions(&first, &all_true(), Some(2), "t2");
        assert!(same.iter().all(|c| c.last_transition_time == "t1"));

        let mut v = all_true();
        v[0].1 = Verdict::failed("ProgressDeadlineExceeded", "");
        let flipped = conditions(&same, &v, Some(2), "t3");
        let time = |cs: &[Condition], t: &str| {
            cs.iter()
                .find(|c| c.type_ == t)
                .map(|c| c.last_transition_time.clone())
        };
        assert_eq!(time(&flipped, "Ready").as_deref(), Some("t3"));
        assert_eq!(time(&flipped, "WorkloadAvailable").as_deref(), Some("t3"));
        assert_eq!(time(&flipped, "DNSReady").as_deref(), Some("t1"));
    }
}
