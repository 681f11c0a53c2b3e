//! What rendering needs from outside the `MarketplaceService`: the state of referenced Secrets,
//! resolved AWS endpoints, the namespace's gateway and the ingress load-balancer address.
//!
//! The reconciler reads these from the cluster (and AWS); `render` previews assume every
//! referenced Secret exists, so a GitOps diff shows the complete set of objects.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{MarketplaceService, Role};

/// Resolved inputs of one render.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    /// Secrets that exist, by name. A referenced Secret missing here does not exist.
    pub secrets: BTreeMap<String, SecretState>,
    /// Endpoints of AWS-bound databases, by binding name.
    pub endpoints: BTreeMap<String, DbEndpoint>,
    /// The namespace's gateway, for services (their token issuer).
    pub gateway: Option<GatewayInfo>,
    /// Load-balancer addresses of the component's Ingress (gateway), once assigned.
    pub ingress_addresses: Vec<LbAddress>,
}

/// A Secret's key names and a fingerprint of its data (never the values themselves).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretState {
    /// A hash of the data: changes when a value is rotated, not when labels are edited.
    pub fingerprint: String,
    /// Keys of `data`.
    pub keys: BTreeSet<String>,
}

/// A database endpoint resolved from AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbEndpoint {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
}

/// The gateway services accept tokens from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayInfo {
    /// Its `MarketplaceService` name.
    pub name: String,
    /// The `iss` it signs tokens with.
    pub issuer: String,
}

/// One load-balancer address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum LbAddress {
    /// An IP address (an `A` record).
    Ip(String),
    /// A host name (a `CNAME` record), e.g. an AWS load balancer.
    Hostname(String),
}

/// One Secret key the component needs, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecretNeed {
    /// Secret name.
    pub secret: String,
    /// Key inside it.
    pub key: String,
    /// The concern that needs it.
    pub concern: Concern,
}

/// The part of the spec a Secret key is for; decides which condition reports it missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Concern {
    /// `spec.databases`.
    Databases,
    /// `spec.messaging.credentials`, the broker URL the pods use.
    Messaging,
    /// `spec.messaging.broker`'s connection or management Secret, read by a topology backend,
    /// never by the pods.
    Broker,
    /// `spec.tokenPolicy`.
    Tokens,
    /// `spec.env`.
    Env,
    /// `spec.ingress` (TLS).
    Networking,
}

impl Concern {
    /// Whether the pods read Secrets of this concern (so a missing one holds the Deployment
    /// back, and a rotated one rolls it).
    pub fn in_pods(self) -> bool {
        !matches!(self, Self::Networking | Self::Broker)
    }
}

/// Key names inside the token keys Secret.
pub mod token_keys {
    /// The public key set every component verifies with.
    pub const JWKS: &str = "jwks.json";
    /// The gateway's private key (PKCS#8 PEM).
    pub const SIGNING_KEY: &str = "signing-key.pem";
    /// The key id of the signing key.
    pub const KID: &str = "kid";
}

/// Every Secret key the component references.
pub fn secret_needs(ms: &MarketplaceService) -> Vec<SecretNeed> {
    let spec = &ms.spec;
    let need = |secret: &str, key: &str, concern| SecretNeed {
        secret: secret.to_owned(),
        key: key.to_owned(),
        concern,
    };
    let mut needs = Vec::new();
    for db in &spec.databases {
        if let Some(r) = &db.secret_ref {
            needs.push(need(&r.name, &r.key, Concern::Databases));
        }
        if let Some(aws) = &db.aws {
            needs.push(need(
                &aws.credentials_secret,
                "username",
                Concern::Databases,
            ));
            needs.push(need(
                &aws.credentials_secret,
                "password",
                Concern::Databases,
            ));
            if db.aws_sql() {
                needs.push(need(
                    &aws.credentials_secret,
                    "database",
                    Concern::Databases,
                ));
            }
        }
    }
    if let Some(m) = &spec.messaging {
        needs.push(need(
            &m.credentials.name,
            &m.credentials.key,
            Concern::Messaging,
        ));
        if let Some(secret) = &m.broker.connection_secret {
            for key in ["uri", "username", "password"] {
                needs.push(need(secret, key, Concern::Broker));
            }
        }
        if let Some(secret) = &m.broker.management_secret {
            for key in ["url", "username", "password"] {
                needs.push(need(secret, key, Concern::Broker));
            }
        }
    }
    let keys = &spec.token_policy.keys_secret;
    needs.push(need(keys, token_keys::JWKS, Concern::Tokens));
    if spec.role == Role::Gateway {
        needs.push(need(keys, token_keys::SIGNING_KEY, Concern::Tokens));
        needs.push(need(keys, token_keys::KID, Concern::Tokens));
    }
    for env in &spec.env {
        if let Some(r) = &env.secret_key_ref {
            needs.push(need(&r.name, &r.key, Concern::Env));
        }
    }
    if let Some(tls) = spec
        .ingress
        .as_ref()
        .and_then(|i| i.tls_secret_name.as_ref())
    {
        needs.push(need(tls, "tls.crt", Concern::Networking));
        needs.push(need(tls, "tls.key", Concern::Networking));
    }
    needs.sort();
    needs.dedup();
    needs
}

impl Inputs {
    /// Inputs for a preview: every referenced Secret exists with the keys asked for, AWS
    /// endpoints are shown by identifier, and a gateway named `gateway` issues tokens.
    pub fn assumed(ms: &MarketplaceService) -> Self {
        let mut secrets: BTreeMap<String, SecretState> = BTreeMap::new();
        for need in secret_needs(ms) {
            secrets
                .entry(need.secret)
                .or_default()
                .keys
                .insert(need.key);
        }
        let endpoints = ms
            .spec
            .databases
            .iter()
            .filter_map(|db| {
                let aws = db.aws.as_ref()?;
                let id = aws
                    .rds_instance_identifier
                    .as_ref()
                    .or(aws.rds_cluster_identifier.as_ref())
                    .or(aws.elasti_cache_replication_group_id.as_ref())?;
                Some((
                    db.name.clone(),
                    DbEndpoint {
                        host: format!("{id}.{}.aws.example", aws.region),
                        port: db.engine.default_port(),
                    },
                ))
            })
            .collect();
        Self {
            secrets,
            endpoints,
            gateway: Some(GatewayInfo {
                name: "gateway".into(),
                issuer: mercato_issuer(),
            }),
            ingress_addresses: Vec::new(),
        }
    }

    /// The needs no existing Secret key satisfies.
    pub fn missing(&self, ms: &MarketplaceService) -> Vec<SecretNeed> {
        secret_needs(ms)
            .into_iter()
            .filter(|n| {
                !self
                    .secrets
                    .get(&n.secret)
                    .is_some_and(|s| s.keys.contains(&n.key))
            })
            .collect()
    }

    /// Fingerprints of the Secrets the pods read, for the pod-template hash (a rotated TLS or
    /// broker-admin Secret does not restart them).
    pub fn secret_versions(&self, ms: &MarketplaceService) -> Vec<(String, String)> {
        let names: BTreeSet<String> = secret_needs(ms)
            .into_iter()
            .filter(|n| n.concern.in_pods())
            .map(|n| n.secret)
            .collect();
        names
            .into_iter()
            .map(|name| {
                let version = self
                    .secrets
                    .get(&name)
                    .map(|s| s.fingerprint.clone())
                    .unwrap_or_default();
                (name, version)
            })
            .collect()
    }
}

/// The issuer the platform's gateway signs with by default.
pub fn mercato_issuer() -> String {
    "mercato-gateway".into()
}
