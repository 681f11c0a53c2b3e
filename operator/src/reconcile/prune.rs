//! Removing what a component no longer renders: its own objects (pruned), and shared
//! exchanges no component of the namespace uses any more (released).

use std::collections::{BTreeMap, BTreeSet};

use kube::api::{ApiResource, DeleteParams, DynamicObject, Preconditions};
use kube::{Api, Client, ResourceExt};

use super::Context;
use super::apply::{Failure, Key};
use super::hold::HeldBack;
use crate::api::MarketplaceService;
use crate::render::messaging;

/// Deletes the objects of `existing` not in `keep`, each only if unchanged since it was listed
/// (a component that re-applied a shared exchange in between keeps it).
pub async fn prune(
    client: &Client,
    namespace: &str,
    existing: &BTreeMap<Key, (ApiResource, DynamicObject)>,
    keep: &BTreeSet<Key>,
) -> Vec<(Key, Result<(), Failure>)> {
    let mut outcomes = Vec::new();
    for (key, (resource, object)) in existing {
        if keep.contains(key) {
            continue;
        }
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, resource);
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                resource_version: object.metadata.resource_version.clone(),
                uid: object.metadata.uid.clone(),
            }),
            ..DeleteParams::background()
        };
        let result = match api.delete(&key.1, &params).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(error) => Err(Failure::from(error)),
        };
        outcomes.push((key.clone(), result));
    }
    outcomes
}

/// Deletes the children of the component `name` it no longer renders; what is held back stays.
pub async fn prune_children(
    client: &Client,
    namespace: &str,
    name: &str,
    existing: &BTreeMap<Key, (ApiResource, DynamicObject)>,
    rendered: &[DynamicObject],
    held: &HeldBack,
) {
    let mut keep: BTreeSet<Key> = rendered
        .iter()
        .filter_map(|o| Some((o.types.as_ref()?.kind.clone(), o.name_any())))
        .collect();
    keep.extend(
        existing
            .keys()
            .filter(|(kind, _)| held.covers(kind))
            .cloned(),
    );
    for ((kind, child), result) in prune(client, namespace, existing, &keep).await {
        match result {
            Ok(()) => tracing::info!(%kind, %child, service = %name, "pruned"),
            Err(e) => {
                tracing::warn!(%kind, %child, service = %name, error = %e.message, "prune failed")
            }
        }
    }
}

/// Deletes managed exchanges no component of the namespace (but `leaving`) uses.
pub async fn release_unused_exchanges(
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
    for ((_, exchange), result) in prune(&ctx.client, namespace, exchanges, &used).await {
        match result {
            Ok(()) => tracing::info!(%exchange, "released an exchange no component uses"),
            Err(e) => {
                tracing::warn!(%exchange, error = %e.message, "could not release an exchange")
            }
        }
    }
}
