//! The first step of a reconcile: everything rendering needs from outside the object, read
//! from the cluster (referenced Secrets by name, version and keys only; the namespace's
//! components and shared exchanges; the gateway Ingress's load-balancer address), from AWS
//! (database endpoints) and from the broker (the topology declared through its management API,
//! when the spec names one).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{ApiResource, DynamicObject, ListParams};
use kube::{Api, Client, ResourceExt};
use secrecy::SecretString;

use super::Context;
use super::apply::{self, Key};
use super::broker_api::{BrokerError, ManagementApi};
use crate::api::foreign::Exchange;
use crate::api::{MarketplaceService, Messaging, Role};
use crate::endpoints::LookupError;
use crate::render::inputs::{
    Concern, GatewayInfo, Inputs, LbAddress, SecretNeed, SecretState, mercato_issuer, secret_needs,
};
use crate::render::messaging;
use crate::render::meta::{exchanges_selector, short_hash};

/// What a reconcile found before rendering.
#[derive(Debug)]
pub struct Gathered {
    /// The namespace's shared exchanges the operator manages, listed before `peers` so an
    /// exchange in use is never taken for unused.
    pub exchanges: BTreeMap<Key, (ApiResource, DynamicObject)>,
    /// The namespace's `MarketplaceService`s.
    pub peers: Vec<MarketplaceService>,
    /// Resolved Secrets, endpoints and the gateway.
    pub inputs: Inputs,
    /// Secret keys referenced but missing.
    pub missing: Vec<SecretNeed>,
    /// Database bindings no endpoint could be found for, and why.
    pub unresolved: Vec<(String, LookupError)>,
    /// Outcome of declaring the topology through the broker's management API, when used.
    pub broker: Option<Result<(), BrokerError>>,
}

/// Reads what rendering `ms` needs.
///
/// # Errors
///
/// An API failure other than "not found".
pub async fn gather(
    ms: &MarketplaceService,
    ctx: &Context,
    namespace: &str,
) -> Result<Gathered, kube::Error> {
    let client = &ctx.client;
    let exchanges = list_exchanges(client, namespace).await?;
    let peers = peers(client, namespace).await?;
    let mut inputs = inputs(client, namespace, ms, &peers).await?;
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
    Ok(Gathered {
        exchanges,
        peers,
        inputs,
        missing,
        unresolved,
        broker,
    })
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
    let Some(api) = management_api(client, namespace, secret).await? else {
        return Ok(None);
    };
    let outcome = api.declare(&messaging::plan(name, m)).await;
    if let Err(error) = &outcome {
        tracing::warn!(%error, "the broker refused the topology");
    }
    Ok(Some(outcome))
}

/// The shared exchanges the operator manages in `namespace`.
///
/// # Errors
///
/// An API failure.
pub async fn list_exchanges(
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

/// The inputs of `ms`'s render; `peers` are the namespace's `MarketplaceService`s.
///
/// # Errors
///
/// An API failure other than "not found".
async fn inputs(
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
            let mut keys: BTreeSet<String> = data.into_keys().collect();
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
