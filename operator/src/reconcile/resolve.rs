//! Reads what rendering needs from the cluster: referenced Secrets (names, versions and keys
//! only), the namespace's gateway, and the gateway Ingress's load-balancer address.

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::ListParams;
use kube::{Api, Client, ResourceExt};

use secrecy::SecretString;

use super::broker_api::ManagementApi;
use crate::api::{MarketplaceService, Role};
use crate::render::inputs::{
    GatewayInfo, Inputs, LbAddress, SecretState, mercato_issuer, secret_needs,
};
use crate::render::meta::short_hash;

/// The inputs of `ms`'s render; `peers` are the namespace's `MarketplaceService`s.
///
/// # Errors
///
/// An API failure other than "not found".
pub async fn inputs(
    client: &Client,
    namespace: &str,
    ms: &MarketplaceService,
    peers: &[MarketplaceService],
) -> Result<Inputs, kube::Error> {
    let secrets_api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let mut inputs = Inputs::default();
    let mut names: Vec<String> = secret_needs(ms).into_iter().map(|n| n.secret).collect();
    names.dedup();
    for name in names {
        if let Some(secret) = secrets_api.get_opt(&name).await? {
            let data = secret.data.unwrap_or_default();
            let mut fingerprint = Vec::new();
            for (key, value) in &data {
                fingerprint.extend_from_slice(key.as_bytes());
                fingerprint.push(0);
                fingerprint.extend_from_slice(&value.0);
                fingerprint.push(0);
            }
            let mut keys: std::collections::BTreeSet<String> = data.into_keys().collect();
            keys.extend(secret.string_data.unwrap_or_default().into_keys());
            inputs.secrets.insert(
                name,
                SecretState {
                    fingerprint: short_hash(&fingerprint),
                    keys,
                },
            );
        }
    }
    if ms.spec.role == Role::Internal {
        inputs.gateway = peers
            .iter()
            .find(|p| p.spec.role == Role::Gateway && p.metadata.deletion_timestamp.is_none())
            .map(|g| GatewayInfo {
                name: g.name_any(),
                issuer: g
                    .spec
                    .token_policy
                    .issuer
                    .clone()
                    .unwrap_or_else(mercato_issuer),
            });
    }
    if ms.spec.ingress.is_some() {
        let ingresses: Api<Ingress> = Api::namespaced(client.clone(), namespace);
        if let Some(ingress) = ingresses.get_opt(&ms.name_any()).await? {
            inputs.ingress_addresses = load_balancer_addresses(&ingress);
        }
    }
    Ok(inputs)
}

/// The namespace's `MarketplaceService`s.
///
/// # Errors
///
/// An API failure.
pub async fn peers(
    client: &Client,
    namespace: &str,
) -> Result<Vec<MarketplaceService>, kube::Error> {
    let api: Api<MarketplaceService> = Api::namespaced(client.clone(), namespace);
    Ok(api.list(&ListParams::default()).await?.items)
}

fn load_balancer_addresses(ingress: &Ingress) -> Vec<LbAddress> {
    let mut addresses: Vec<LbAddress> = ingress
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|i| {
            i.hostname
                .clone()
                .map(LbAddress::Hostname)
                .or_else(|| i.ip.clone().map(LbAddress::Ip))
        })
        .collect();
    addresses.sort();
    addresses
}

/// The management API named by the Secret `name` (keys `url`, `username`, `password`), or
/// `None` when the Secret or a key is missing.
///
/// # Errors
///
/// An API failure other than "not found".
pub async fn management_api(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<Option<ManagementApi>, kube::Error> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let Some(secret) = secrets.get_opt(name).await? else {
        return Ok(None);
    };
    let data = secret.data.unwrap_or_default();
    let value = |key: &str| {
        data.get(key)
            .and_then(|v| String::from_utf8(v.0.clone()).ok())
    };
    Ok(match (value("url"), value("username"), value("password")) {
        (Some(url), Some(username), Some(password)) => Some(ManagementApi::new(
            &url,
            username,
            SecretString::from(password),
        )),
        _ => None,
    })
}
