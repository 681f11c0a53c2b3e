//! Server-side apply of the rendered objects.
//!
//! Every child is applied with one field manager and `force`, so the operator owns exactly the
//! fields it renders. An object is not re-sent when the copy in the cluster carries the hash of
//! the same rendering and still holds every rendered field, so a reconcile with nothing to do
//! writes nothing.

use std::collections::BTreeMap;

use kube::api::{ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use serde_json::Value;

use super::hold::HeldBack;
use crate::render::meta::{MANAGER, short_hash};
use crate::render::{Desired, api_resource};

/// Annotation holding the hash of the rendering an object was last applied from.
pub const APPLIED_HASH_ANNOTATION: &str = "mercato.dev/applied-hash";

/// An object identity: kind and name.
pub type Key = (String, String);

/// The outcome of applying one object.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Its kind's API resource.
    pub resource: ApiResource,
    /// Its name.
    pub name: String,
    /// The object as the API server holds it now, or why it could not be applied.
    pub result: Result<DynamicObject, Failure>,
}

/// Why the API server refused an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// HTTP status, when the server answered.
    pub code: Option<u16>,
    /// The server's message.
    pub message: String,
}

impl From<kube::Error> for Failure {
    fn from(error: kube::Error) -> Self {
        match error {
            kube::Error::Api(status) => Self {
                code: Some(status.code),
                message: status.message,
            },
            other => Self {
                code: None,
                message: other.to_string(),
            },
        }
    }
}

/// Lists the objects of every kind in `kinds` matching `selector` in `namespace`. Kinds whose
/// CRD is not installed (404) are simply empty.
///
/// # Errors
///
/// An API failure other than 404.
pub async fn list(
    client: &Client,
    namespace: &str,
    kinds: &[ApiResource],
    selector: &str,
) -> Result<BTreeMap<Key, (ApiResource, DynamicObject)>, kube::Error> {
    let mut found = BTreeMap::new();
    for kind in kinds {
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, kind);
        match api.list(&ListParams::default().labels(selector)).await {
            Ok(list) => {
                for mut object in list.items {
                    // List items of built-in kinds come without apiVersion and kind.
                    object.types.get_or_insert_with(|| kube::api::TypeMeta {
                        api_version: kind.api_version.clone(),
                        kind: kind.kind.clone(),
                    });
                    found.insert(
                        (kind.kind.clone(), object.name_any()),
                        (kind.clone(), object),
                    );
                }
            }
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(error) => return Err(error),
        }
    }
    Ok(found)
}

/// Applies what `desired` renders, except what is held back: the component's own objects
/// against its `children`, the shared exchanges against the namespace's `exchanges`. Held-back
/// objects that exist are reported as they are, so the status still describes them.
pub async fn apply_desired(
    client: &Client,
    namespace: &str,
    desired: &Desired,
    held: &HeldBack,
    children: &BTreeMap<Key, (ApiResource, DynamicObject)>,
    exchanges: &BTreeMap<Key, (ApiResource, DynamicObject)>,
) -> Vec<Applied> {
    let typed = |objects: &[DynamicObject]| -> Vec<(ApiResource, DynamicObject)> {
        objects
            .iter()
            .filter_map(|o| api_resource(o).map(|ar| (ar, o.clone())))
            .filter(|(ar, _)| !held.covers(&ar.kind))
            .collect()
    };
    let mut applied = apply_all(client, namespace, &typed(&desired.owned), children).await;
    applied.extend(apply_all(client, namespace, &typed(&desired.exchanges), exchanges).await);
    for ((kind, name), (resource, object)) in children {
        if held.covers(kind) {
            applied.push(Applied {
                resource: resource.clone(),
                name: name.clone(),
                result: Ok(object.clone()),
            });
        }
    }
    applied
}

/// Applies each object unless `existing` already holds that rendering.
async fn apply_all(
    client: &Client,
    namespace: &str,
    objects: &[(ApiResource, DynamicObject)],
    existing: &BTreeMap<Key, (ApiResource, DynamicObject)>,
) -> Vec<Applied> {
    let mut outcomes = Vec::with_capacity(objects.len());
    for (resource, object) in objects {
        let name = object.name_any();
        let object = stamped(object);
        let current = existing.get(&(resource.kind.clone(), name.clone()));
        let result = match current {
            Some((_, current)) if up_to_date(&object, current) => Ok(current.clone()),
            _ => {
                let api: Api<DynamicObject> =
                    Api::namespaced_with(client.clone(), namespace, resource);
                let params = PatchParams::apply(MANAGER).force();
                let applied = api.patch(&name, &params, &Patch::Apply(&object)).await;
                metrics::counter!(
                    "operator_apply_total",
                    "kind" => resource.kind.clone(),
                    "result" => if applied.is_ok() { "applied" } else { "failed" },
                )
                .increment(1);
                applied.map_err(Failure::from)
            }
        };
        outcomes.push(Applied {
            resource: resource.clone(),
            name,
            result,
        });
    }
    outcomes
}

/// Field manager that keeps a Deployment's replica count while an autoscaler takes over.
pub const HANDOVER_MANAGER: &str = "mercato-operator-handover";

/// Before the operator stops sending `spec.replicas` (autoscaling was turned on), another field
/// manager takes a share of the field at its current value. Otherwise the field would lose its
/// only owner, the API server would reset it to 1, and the service would drop to one pod until
/// the autoscaler scales it back.
pub async fn hand_over_replicas(
    client: &Client,
    namespace: &str,
    existing: &BTreeMap<Key, (ApiResource, DynamicObject)>,
    name: &str,
) {
    let Some((resource, deployment)) = existing.get(&("Deployment".to_owned(), name.to_owned()))
    else {
        return;
    };
    let owns_replicas = deployment
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .any(|entry| {
            entry.manager.as_deref() == Some(MANAGER)
                && entry
                    .fields_v1
                    .as_ref()
                    .is_some_and(|f| !f.0["f:spec"]["f:replicas"].is_null())
        });
    let Some(replicas) = deployment.data["spec"]["replicas"].as_i64() else {
        return;
    };
    if !owns_replicas {
        return;
    }
    let patch = serde_json::json!({
        "apiVersion": resource.api_version,
        "kind": resource.kind,
        "metadata": {"name": name},
        "spec": {"replicas": replicas},
    });
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, resource);
    // Not forced: with the same value both managers simply share the field.
    if let Err(error) = api
        .patch(
            name,
            &PatchParams::apply(HANDOVER_MANAGER),
            &Patch::Apply(&patch),
        )
        .await
    {
        tracing::warn!(%error, deployment = name, "could not hand the replica count over");
    }
}

/// The object with the hash of its rendering in an annotation.
fn stamped(object: &DynamicObject) -> DynamicObject {
    let mut object = object.clone();
    let hash = short_hash(&serde_json::to_vec(&object).unwrap_or_default());
    object
        .annotations_mut()
        .insert(APPLIED_HASH_ANNOTATION.to_owned(), hash);
    object
}

/// Whether `current` was applied from the same rendering as `desired` and nobody changed a
/// rendered field since.
fn up_to_date(desired: &DynamicObject, current: &DynamicObject) -> bool {
    let hash = |o: &DynamicObject| o.annotations().get(APPLIED_HASH_ANNOTATION).cloned();
    hash(desired) == hash(current)
        && contains(
            &serde_json::to_value(current).unwrap_or_default(),
            &serde_json::to_value(desired).unwrap_or_default(),
        )
}

/// Whether every field of `wanted` is in `actual` with the same value (the API server adds
/// defaults and bookkeeping, so `actual` may hold more).
fn contains(actual: &Value, wanted: &Value) -> bool {
    match (actual, wanted) {
        (Value::Object(a), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| a.get(k).is_some_and(|av| contains(av, wv))),
        (Value::Array(a), Value::Array(w)) => {
            a.len() == w.len() && a.iter().zip(w).all(|(av, wv)| contains(av, wv))
        }
        _ => actual == wanted,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::contains;

    #[test]
    fn server_defaults_do_not_count_as_drift_but_changed_fields_do() {
        let wanted = json!({"spec": {"ports": [{"port": 80}], "type": "ClusterIP"}});
        let defaulted = json!({"spec": {"ports": [{"port": 80, "protocol": "TCP"}], "type": "ClusterIP", "clusterIP": "10.0.0.1"}});
        assert!(contains(&defaulted, &wanted));
        let edited = json!({"spec": {"ports": [{"port": 81}], "type": "ClusterIP"}});
        assert!(!contains(&edited, &wanted));
        let extra_port =
            json!({"spec": {"ports": [{"port": 80}, {"port": 81}], "type": "ClusterIP"}});
        assert!(!contains(&extra_port, &wanted));
    }
}
