//! One pass over a live `MarketplaceService`, read top to bottom:
//!
//! 1. gather what rendering needs ([`gather`]);
//! 2. render the objects (pure, `crate::render`);
//! 3. hold back what cannot be applied yet ([`hold`]);
//! 4. apply the rest by server-side apply ([`apply`]);
//! 5. prune what is no longer rendered and release unused exchanges ([`prune`]);
//! 6. report status and events ([`status`], [`events`]).
//!
//! Inputs that are missing (a Secret, an endpoint) become False conditions with a reason, never
//! an error: the Deployment is then held back, and the running one left alone, rather than
//! applied with references that cannot resolve.

use k8s_openapi::jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Api, Resource, ResourceExt};
use serde_json::json;

use super::hold::HeldBack;
use super::{Context, Error, REQUEUE_NOT_READY, REQUEUE_READY};
use super::{apply, events, finalizer, gather, prune, status};
use crate::api::MarketplaceService;
use crate::render::meta::{MANAGER, children_selector};
use crate::render::{child_kinds, render};

/// Brings the cluster in line with `ms` and reports how it went.
///
/// # Errors
///
/// An API failure the reconcile cannot go on without (reading inputs, listing children,
/// writing status); refused children become conditions instead.
pub async fn converge(
    ms: &MarketplaceService,
    ctx: &Context,
    namespace: &str,
) -> Result<Action, Error> {
    let client = &ctx.client;
    let api: Api<MarketplaceService> = Api::namespaced(client.clone(), namespace);
    if !finalizer::present(ms) {
        finalizer::set(&api, ms, true).await?;
    }
    let name = ms.name_any();

    let gathered = gather::gather(ms, ctx, namespace).await?;
    let desired = render(ms, &gathered.inputs, &ctx.settings);
    let held = HeldBack::decide(ms, &gathered);

    let children =
        apply::list(client, namespace, &child_kinds(), &children_selector(&name)).await?;
    if ms.spec.autoscaling.is_some() {
        apply::hand_over_replicas(client, namespace, &children, &name).await;
    }
    let applied = apply::apply_desired(
        client,
        namespace,
        &desired,
        &held,
        &children,
        &gathered.exchanges,
    )
    .await;

    prune::prune_children(client, namespace, &name, &children, &desired.owned, &held).await;
    prune::release_unused_exchanges(ctx, namespace, &gathered.peers, &gathered.exchanges, None)
        .await;

    let observed = status::Observed {
        inputs: &gathered.inputs,
        missing: &gathered.missing,
        unresolved: &gathered.unresolved,
        broker: gathered.broker.as_ref(),
        applied: &applied,
        held: &held,
        settings: &ctx.settings,
    };
    let new_status = status::status(ms, &observed, &Timestamp::now().to_string());
    // Refreshed at least every periodic reconcile; a deleted object's series goes idle and
    // leaves /metrics (controller.rs sets the idle timeout above the requeue interval).
    metrics::gauge!(
        "operator_marketplaceservice_ready",
        // Not `namespace`: Prometheus gives that label the scraped pod's namespace.
        "marketplaceservice_namespace" => namespace.to_owned(),
        "marketplaceservice" => name.clone(),
    )
    .set(if new_status.is_ready() { 1.0 } else { 0.0 });
    events::ready_changed(ms, ctx, &new_status).await;
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
    Ok(Action::requeue(if new_status.is_ready() {
        REQUEUE_READY
    } else {
        REQUEUE_NOT_READY
    }))
}
