//! The operator's finalizer, which lets it release shared exchanges when a component goes.

use kube::api::{Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use crate::api::MarketplaceService;

/// The finalizer that lets the operator release shared exchanges when a component goes.
pub const FINALIZER: &str = "mercato.dev/release-exchanges";

/// Whether `ms` carries the finalizer.
pub fn present(ms: &MarketplaceService) -> bool {
    ms.finalizers().iter().any(|f| f == FINALIZER)
}

/// Adds or removes the operator's finalizer, keeping any others. A merge patch carrying the
/// resourceVersion: if the list changed meanwhile the server answers 409 and the reconcile is
/// retried with the new list, so no one else's finalizer is lost.
///
/// # Errors
///
/// The API server refused the patch.
pub async fn set(
    api: &Api<MarketplaceService>,
    ms: &MarketplaceService,
    wanted: bool,
) -> Result<(), kube::Error> {
    let mut finalizers: Vec<String> = ms
        .finalizers()
        .iter()
        .filter(|f| f.as_str() != FINALIZER)
        .cloned()
        .collect();
    if wanted {
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
