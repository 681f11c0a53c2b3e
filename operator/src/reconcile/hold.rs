//! What a reconcile holds back: objects it would rather not apply than apply with references
//! that cannot resolve. What is held keeps running as it is, and is still reported on.

use std::collections::BTreeSet;

use super::gather::Gathered;
use crate::api::{DnsMode, MarketplaceService};

/// A part of the rendering that waits for its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Held {
    /// The pods: a Secret or key they read is missing, or a database endpoint is unknown.
    Workload,
    /// The Ingress: its TLS Secret is missing.
    Ingress,
    /// The DNS records: the load balancer has no address at the moment (an ingress controller
    /// restart), so the records stay as they are rather than being withdrawn.
    DnsEndpoint,
}

impl Held {
    /// The kinds of object it covers.
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Self::Workload => &["Deployment", "HorizontalPodAutoscaler"],
            Self::Ingress => &["Ingress"],
            Self::DnsEndpoint => &["DNSEndpoint"],
        }
    }
}

/// The parts of one reconcile that are held back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldBack(BTreeSet<Held>);

impl HeldBack {
    /// What `ms` must hold back, given what was gathered for it.
    pub fn decide(ms: &MarketplaceService, gathered: &Gathered) -> Self {
        let mut held = BTreeSet::new();
        if !gathered.unresolved.is_empty() || gathered.missing.iter().any(|n| n.concern.in_pods()) {
            held.insert(Held::Workload);
        }
        if gathered
            .missing
            .iter()
            .any(|n| n.concern == crate::render::inputs::Concern::Networking)
        {
            held.insert(Held::Ingress);
        }
        let wants_endpoint = ms.spec.ingress.is_some()
            && ms
                .spec
                .dns
                .as_ref()
                .is_some_and(|d| d.mode == DnsMode::DNSEndpoint);
        if wants_endpoint && gathered.inputs.ingress_addresses.is_empty() {
            held.insert(Held::DnsEndpoint);
        }
        Self(held)
    }

    /// Whether `part` is held back.
    pub fn contains(&self, part: Held) -> bool {
        self.0.contains(&part)
    }

    /// Whether objects of `kind` are held back.
    pub fn covers(&self, kind: &str) -> bool {
        self.0.iter().any(|h| h.kinds().contains(&kind))
    }
}
