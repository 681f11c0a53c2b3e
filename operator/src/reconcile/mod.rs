//! One reconcile of a `MarketplaceService`: resolve inputs, render, apply what changed, prune
//! what is no longer rendered, collect shared exchanges nobody uses, and report status.
//!
//! Inputs that are missing (a Secret, an endpoint) become False conditions with a reason, never
//! an error: the Deployment is then held back (the running one is left alone) rather than
//! applied with references that cannot resolve.

pub mod apply;
pub mod broker_api;
mod resolve;
pub mod status;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::jiff::Timestamp;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;

use crate::api::foreign::Exchange;
use crate::api::{DnsMode, MarketplaceService, MarketplaceServiceStatus, Messaging};
use crate::endpoints::EndpointResolver;
use crate::render::inputs::Concern;
use crate::render::meta::{MANAGER, children_selector, exchanges_selector};
use crate::render::{Settings, api_resource, child_kinds, messaging, render};
use apply::Key;
use broker_api::BrokerError;

/// The finalizer that lets the operator release shared exchanges when a component goes.
pub const FINALIZER: &str = "mercato.dev/release-exchanges";
/// Requeue interval while Ready is not True.
pub const REQUEUE_NOT_READY: Duration = Duration::from_secs(30);
/// Requeue interval once Ready is True (picks up rotated Secrets nobody labelled).
pub const REQUEUE_READY: Duration = Duration::from_secs(600);

/// A reconcile that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object has no namespace (the CRD is namespaced, so only a broken client sends this).
    #[error("the MarketplaceService has no namespace")]
    NoNamespace,
    /// The API server failed or refused a request the reconcile cannot go on without.
    #[error("Kubernetes API request failed: {0}")]
    Kube(#[from] kube::Error),
    /// The broker's management API failed while cleaning up a deleted component.
    #[error("broker clean-up failed: {0}")]
    Broker(String),
}

impl Error {
    /// A bounded label for metrics.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Self::NoNamespace => "no_namespace",
            Self::Broker(_) => "broker_unavailable",
            Self::Kube(kube::Error::Api(s)) if s.code == 409 => "conflict",
            Self::Kube(kube::Error::Api(s)) if s.code >= 500 || s.code == 429 => "api_unavailable",
            Self::Kube(kube::Error::Api(_)) => "api_refused",
            Self::Kube(_) => "api_unreachable",
        }
    }

    /// The delay before retry number `attempt` (1-based): quick for conflicts and outages that
    /// pass, slow for refusals that need a person; both grow, up to five minutes.
    pub fn retry_after(&self, attempt: u32) -> Duration {
        let base = match self.metric_label() {
            "conflict" | "api_unavailable" | "api_unreachable" | "broker_unavailable" => {
                Duration::from_secs(1)
            }
            _ => Duration::from_secs(30),
        };
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        base.saturating_mul(factor).min(Duration::from_secs(300))
    }
}

/// Shared state of all reconciles.
#[derive(Clone)]
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Cluster facts for rendering.
    pub settings: Settings,
    /// Publishes Kubernetes events on the objects.
    pub recorder: Recorder,
    /// Finds endpoints of AWS-bound databases.
    pub endpoints: Arc<dyn EndpointResolver>,
    /// Consecutive failures per object, for backoff.
    failures: Arc<Mutex<HashMap<String, u32>>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context reporting events as `instance` of the operator.
    pub fn new(
        client: Client,
        settings: Settings,
        instance: String,
        endpoints: Arc<dyn EndpointResolver>,
    ) -> Self {
        let recorder = Recorder::new(
            client.clone(),
            Reporter {
                controller: MANAGER.into(),
                instance: Some(instance),
            },
        );
        Self {
            client,
            settings,
            recorder,
            endpoints,
            failures: Arc::default(),
        }
    }

    fn failure_count(&self, key: &str, failed: bool) -> u32 {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failed {
            let n = failures.entry(key.to_owned()).or_default();
            *n += 1;
            *n
        } else {
            failures.remove(key);
            0
        }
    }
}

/// Reconciles one object.
///
/// # Errors
///
/// An API failure the reconcile cannot go on without (reading inputs, listing children,
/// writing status); refused children become conditions instead.
pub async fn reconcile(ms: Arc<MarketplaceService>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let namespace = ms.namespace().ok_or(Error::NoNamespace)?;
    let result = if ms.metadata.deletion_timestamp.is_some() {
        release(&ms, &ctx, &namespace).await
    } else {
        converge(&ms, &ctx, &namespace).await
    };
    metrics::histogram!("operator_reconcile_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "operator_reconcile_total",
        "result" => match &result { Ok(_) => "ok", Err(e) => e.metric_label() },
    )
    .increment(1);
    if result.is_ok() {
        ctx.failure_count(&object_key(&ms), false);
    }
    result
}

/// The requeue delay after a failed reconcile: per object, growing with each failure in a row.
pub fn error_policy(ms: Arc<MarketplaceService>, error: &Error, ctx: Arc<Context>) -> Action {
    let attempt = ctx.failure_count(&object_key(&ms), true);
    let delay = error.retry_after(attempt);
    tracing::warn!(
        name = %ms.name_any(),
        namespace = ms.namespace().unwrap_or_default(),
        error = %error,
        attempt,
        retry_in_seconds = delay.as_secs(),
        "reconcile failed"
    );
    Action::requeue(delay)
}

fn object_key(ms: &MarketplaceService) -> String {
    format!("{}/{}", ms.namespace().unwrap_or_default(), ms.name_any())
}

async fn converge(
    ms: &MarketplaceService,
    ctx: &Context,
    namespace: &str,
) -> Result<Action, Error> {
    let client = &ctx.client;
    let api: Api<MarketplaceService> = Api::namespaced(client.clone(), namespace);
    if !ms.finalizers().iter().any(|f| f == FINALIZER) {
        set_finalizer(&api, ms, true).await?;
    }
    // Exchanges before peers: a component created after this list cannot have an exchange in
    // it, so an exchange in use is never taken for unused.
    let exchanges = list_exchanges(client, namespace).await?;
    let peers = resolve::peers(client, namespace).await?;
    let mut inputs = resolve::inputs(client, namespace, ms, &peers).await?;
    let missing = inputs.missing(ms);
    let mut unresolved = Vec::new();
    for db in &ms.spec.databases {
        if let Some(aws) = &db.aws {
            match ctx.endpoints.resolve(aws).await {
                Ok(endpoint) => {
                    inputs.endpoints.insert(db.name.clone(), endpoint);
                }
                Err(error) => unresolved.push((db.name.clone(), error)),
            }
        }
    }
    let broker = match &ms.spec.messaging {
        Some(m) if !missing.iter().any(|n| n.concern == Concern::Broker) => {
            declare_through_api(client, namespace, &ms.name_any(), m).await?
        }
        _ => None,
    };
    let mut held = BTreeSet::new();
    if !unresolved.is_empty() || missing.iter().any(|n| n.concern.in_pods()) {
        held.extend([
            "Deployment".to_owned(),
            "HorizontalPodAutoscaler".to_owned(),
        ]);
    }
    if missing.iter().any(|n| n.concern == Concern::Networking) {
        held.insert("Ingress".to_owned());
    }
    let wants_endpoint = ms.spec.ingress.is_some()
        && ms
            .spec
            .dns
            .as_ref()
            .is_some_and(|d| d.mode == DnsMode::DNSEndpoint);
    if wants_endpoint && inputs.ingress_addresses.is_empty() {
        // The load balancer's address can vanish for a moment (an ingress controller restart);
        // the records stay until it is back rather than being withdrawn from DNS.
        held.insert("DNSEndpoint".to_owned());
    }

    let desired = render(ms, &inputs, &ctx.settings);
    let typed = |objects: &[DynamicObject]| -> Vec<(ApiResource, DynamicObject)> {
        objects
            .iter()
            .filter_map(|o| api_resource(o).map(|ar| (ar, o.clone())))
            .filter(|(ar, _)| !held.contains(&ar.kind))
            .collect()
    };
    let name = ms.name_any();
    let existing =
        apply::list(client, namespace, &child_kinds(), &children_selector(&name)).await?;
    if ms.spec.autoscaling.is_some() {
        apply::hand_over_replicas(client, namespace, &existing, &name).await;
    }
    let mut applied = apply::apply_all(client, namespace, &typed(&desired.owned), &existing).await;
    applied
        .extend(apply::apply_all(client, namespace, &typed(&desired.exchanges), &exchanges).await);

    // What is held back keeps running as it is, and is still reported on.
    for ((kind, child), (resource, object)) in &existing {
        if held.contains(kind) {
            applied.push(apply::Applied {
                resource: resource.clone(),
                name: child.clone(),
                result: Ok(object.clone()),
            });
        }
    }
    let mut keep: BTreeSet<Key> = desired
        .owned
        .iter()
        .filter_map(|o| Some((o.types.as_ref()?.kind.clone(), o.name_any())))
        .collect();
    keep.extend(
        existing
            .keys()
            .filter(|(kind, _)| held.contains(kind))
            .cloned(),
    );
    for ((kind, child), result) in apply::prune(client, namespace, &existing, &keep).await {
        match result {
            Ok(()) => tracing::info!(%kind, %child, service = %name, "pruned"),
            Err(e) => {
                tracing::warn!(%kind, %child, service = %name, error = %e.message, "prune failed")
            }
        }
    }
    release_unused_exchanges(ctx, namespace, &peers, &exchanges, None).await;

    let now = Timestamp::now().to_string();
    let observed = status::Observed {
        inputs: &inputs,
        missing: &missing,
        unresolved: &unresolved,
        broker: broker.as_ref(),
        applied: &applied,
        held: &held,
    };
    let new_status = status::status(ms, &observed, &now);
    let ready = new_status.is_ready();
    publish_changes(ms, ctx, &new_status).await;
    if ms.status.as_ref() != Some(&new_status) {
        let patch = json!({
            "apiVersion": MarketplaceService::api_version(&()),
            "kind": MarketplaceService::kind(&()),
            "status": new_status,
        });
        api.patch_status(
            &name,
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(&patch),
        )
        .await?;
    }
    Ok(Action::requeue(if ready {
        REQUEUE_READY
    } else {
        REQUEUE_NOT_READY
    }))
}

/// Declares the topology through the broker's management API when the spec names one.
async fn declare_through_api(
    client: &Client,
    namespace: &str,
    name: &str,
    m: &Messaging,
) -> Result<Option<Result<(), BrokerError>>, kube::Error> {
    let Some(secret) = &m.broker.management_secret else {
        return Ok(None);
    };
    let Some(api) = resolve::management_api(client, namespace, secret).await? else {
        return Ok(None);
    };
    let outcome = api.declare(&messaging::plan(name, m)).await;
    if let Err(error) = &outcome {
        tracing::warn!(%error, "the broker refused the topology");
    }
    Ok(Some(outcome))
}

/// Adds or removes the operator's finalizer, keeping any others. A merge patch carrying the
/// resourceVersion: if the list changed meanwhile the server answers 409 and the reconcile is
/// retried with the new list, so no one else's finalizer is lost.
async fn set_finalizer(
    api: &Api<MarketplaceService>,
    ms: &MarketplaceService,
    present: bool,
) -> Result<(), kube::Error> {
    let mut finalizers: Vec<String> = ms
        .finalizers()
        .iter()
        .filter(|f| f.as_str() != FINALIZER)
        .cloned()
        .collect();
    if present {
        finalizers.push(FINALIZER.to_owned());
    }
    let patch = json!({
        "metadata": {"finalizers": finalizers, "resourceVersion": ms.resource_version()},
    });
    api.patch(
        &ms.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await?;
    Ok(())
}

/// A deleted component: its owned children go with it (owner references; queues keep their
/// `deletionPolicy`); the operator only releases shared exchanges nobody else uses.
async fn release(ms: &MarketplaceService, ctx: &Context, namespace: &str) -> Result<Action, Error> {
    if !ms.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(Action::await_change());
    }
    let exchanges = list_exchanges(&ctx.client, namespace).await?;
    let peers = resolve::peers(&ctx.client, namespace).await?;
    release_unused_exchanges(ctx, namespace, &peers, &exchanges, Some(&ms.name_any())).await;
    if let Some(m) = &ms.spec.messaging
        && let Some(secret) = &m.broker.management_secret
    {
        let outcome = match resolve::management_api(&ctx.client, namespace, secret).await? {
            Some(api) => {
                api.delete_unretained(&messaging::plan(&ms.name_any(), m))
                    .await
            }
            None => Err(BrokerError::Unauthorized { status: 0 }),
        };
        match outcome {
            Ok(()) => {}
            // Credentials that are gone or refused will not come back by retrying: the deletion
            // goes on, and the queues left behind are named in a Warning event.
            Err(BrokerError::Unauthorized { .. }) => {
                let queues: Vec<String> = messaging::plan(&ms.name_any(), m)
                    .queues
                    .into_iter()
                    .filter(|q| !q.retain)
                    .map(|q| q.name)
                    .collect();
                let note = format!(
                    "no usable broker credentials in Secret {secret}: queues left on the broker: {}",
                    queues.join(", ")
                );
                tracing::warn!(%note, "broker clean-up skipped");
                record(
                    ctx,
                    ms,
                    EventType::Warning,
                    "BrokerCleanupSkipped".into(),
                    note,
                    "Delete",
                )
                .await;
            }
            // An unreachable broker is retried with backoff; the finalizer holds until then.
            Err(error) => return Err(Error::Broker(error.to_string())),
        }
    }
    let api: Api<MarketplaceService> = Api::namespaced(ctx.client.clone(), namespace);
    set_finalizer(&api, ms, false).await?;
    Ok(Action::await_change())
}

/// Deletes managed exchanges no component of the namespace (but `leaving`) uses.
async fn release_unused_exchanges(
    ctx: &Context,
    namespace: &str,
    peers: &[MarketplaceService],
    exchanges: &BTreeMap<Key, (ApiResource, DynamicObject)>,
    leaving: Option<&str>,
) {
    let used: BTreeSet<Key> = peers
        .iter()
        .filter(|p| {
            Some(p.name_any().as_str()) != leaving && p.metadata.deletion_timestamp.is_none()
        })
        .filter_map(|p| Some((p.name_any(), p.spec.messaging.as_ref()?)))
        .flat_map(|(name, m)| {
            messaging::exchanges_used(&name, m)
                .into_iter()
                .map(|e| {
                    (
                        "Exchange".to_owned(),
                        messaging::exchange_object_name(&m.vhost, &e),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for ((_, exchange), result) in apply::prune(&ctx.client, namespace, exchanges, &used).await {
        match result {
            Ok(()) => tracing::info!(%exchange, "released an exchange no component uses"),
            Err(e) => {
                tracing::warn!(%exchange, error = %e.message, "could not release an exchange")
            }
        }
    }
}

/// Records an event when Ready changes.
async fn publish_changes(ms: &MarketplaceService, ctx: &Context, new: &MarketplaceServiceStatus) {
    let ready = |s: Option<&MarketplaceServiceStatus>| {
        s.and_then(|s| s.condition(crate::api::types::READY))
            .map(|c| (c.status, c.reason.clone()))
    };
    let (before, after) = (ready(ms.status.as_ref()), ready(Some(new)));
    if before == after {
        return;
    }
    let Some((status, reason)) = after else {
        return;
    };
    let message = new
        .condition(crate::api::types::READY)
        .map(|c| c.message.clone())
        .unwrap_or_default();
    let type_ = if status == crate::api::ConditionStatus::False {
        EventType::Warning
    } else {
        EventType::Normal
    };
    record(ctx, ms, type_, reason, message, "Reconcile").await;
}

/// Records a Kubernetes event on `ms`; a failure to record is logged, never fatal.
async fn record(
    ctx: &Context,
    ms: &MarketplaceService,
    type_: EventType,
    reason: String,
    note: String,
    action: &str,
) {
    let event = Event {
        type_,
        reason,
        note: Some(note),
        action: action.into(),
        secondary: None,
    };
    if let Err(error) = ctx.recorder.publish(&event, &ms.object_ref(&())).await {
        tracing::warn!(%error, "could not record an event");
    }
}

/// The shared exchanges the operator manages in `namespace`.
async fn list_exchanges(
    client: &Client,
    namespace: &str,
) -> Result<BTreeMap<Key, (ApiResource, DynamicObject)>, kube::Error> {
    apply::list(
        client,
        namespace,
        &[ApiResource::erase::<Exchange>(&())],
        &exchanges_selector(),
    )
    .await
}
