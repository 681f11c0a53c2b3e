//! Names, labels and owner references shared by every rendered object.
//!
//! Names are deterministic (a reconcile renders the same names every time) and stay within the
//! 63-character DNS label limit: long parts are cut and a hash of the full value keeps them
//! unique.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};
use sha2::{Digest, Sha256};

use crate::api::{MarketplaceService, Role};

/// The operator's name, as `app.kubernetes.io/managed-by` and the server-side apply field manager.
pub const MANAGER: &str = "mercato-operator";
/// Label naming the component a child belongs to.
pub const SERVICE_LABEL: &str = "mercato.dev/service";
/// Label naming the component's role (`gateway` or `internal`); NetworkPolicies select on it.
pub const ROLE_LABEL: &str = "mercato.dev/role";
/// Label on shared exchanges, naming the exchange (hashed into label form).
pub const EXCHANGE_LABEL: &str = "mercato.dev/exchange";
/// Standard label for the managing tool.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";

/// The label selector of every child of the component named `name`.
pub fn children_selector(name: &str) -> String {
    format!("{MANAGED_BY_LABEL}={MANAGER},{SERVICE_LABEL}={name}")
}

/// The label selector of every shared exchange the operator manages.
pub fn exchanges_selector() -> String {
    format!("{MANAGED_BY_LABEL}={MANAGER},{EXCHANGE_LABEL}")
}

/// The role's label value.
pub fn role_value(role: Role) -> &'static str {
    match role {
        Role::Gateway => "gateway",
        Role::Internal => "internal",
    }
}

/// Labels that select the component's pods (never change: Deployment selectors are immutable).
pub fn selector_labels(ms: &MarketplaceService) -> BTreeMap<String, String> {
    BTreeMap::from([(SERVICE_LABEL.to_owned(), ms.name_any())])
}

/// Labels of every child of the component.
pub fn labels(ms: &MarketplaceService) -> BTreeMap<String, String> {
    let name = ms.name_any();
    let mut labels = common_labels();
    labels.extend([
        ("app.kubernetes.io/name".to_owned(), name.clone()),
        ("app.kubernetes.io/instance".to_owned(), name.clone()),
        (SERVICE_LABEL.to_owned(), name),
        (ROLE_LABEL.to_owned(), role_value(ms.spec.role).to_owned()),
    ]);
    labels
}

/// Labels of objects shared between components (exchanges).
pub fn common_labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/part-of".to_owned(), "mercato".to_owned()),
        (MANAGED_BY_LABEL.to_owned(), MANAGER.to_owned()),
    ])
}

/// Metadata of a child named `name`, owned by `ms`.
pub fn child_meta(ms: &MarketplaceService, name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: ms.namespace(),
        labels: Some(labels(ms)),
        owner_references: owner_reference(ms).map(|r| vec![r]),
        ..ObjectMeta::default()
    }
}

/// The controller owner reference to `ms`; `None` before the API server gave it a uid (as in
/// `render` previews of files).
pub fn owner_reference(ms: &MarketplaceService) -> Option<OwnerReference> {
    ms.controller_owner_ref(&())
}

/// A DNS-label-safe name: `prefix` and a slug of `value`, cut to fit 63 characters, with an
/// 8-character hash of `value` so that different values never share a name.
pub fn hashed_name(prefix: &str, value: &str) -> String {
    let hash = short_hash(value.as_bytes());
    let slug: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let room = 63 - prefix.len() - hash.len() - 2;
    let slug: String = slug.chars().take(room).collect();
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        format!("{prefix}-{hash}")
    } else {
        format!("{prefix}-{slug}-{hash}")
    }
}

/// The first 8 hex digits of the SHA-256 of `bytes`.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_fit_a_dns_label_and_differ_by_value() {
        let long = "x".repeat(300);
        let name = hashed_name("orders-q", &long);
        assert!(name.len() <= 63, "{name}");
        assert!(name.starts_with("orders-q-xxx"));
        assert_ne!(
            hashed_name("b", "mercato.events/a.b"),
            hashed_name("b", "mercato.events/a-b")
        );
        assert_eq!(hashed_name("x", "..."), format!("x-{}", short_hash(b"...")));
        let dotted = hashed_name("users-q", "mercato.users");
        assert!(dotted.starts_with("users-q-mercato-users-"), "{dotted}");
    }
}
