//! The status of how a component is reached and observed: its networking (Service,
//! NetworkPolicy, Ingress), its DNS records and its `ServiceMonitor`.

use super::status::{Observed, apply_failed, failures, find, missing_in};
use crate::api::{DnsMode, MarketplaceService, Verdict};
use crate::render::inputs::Concern;
use crate::render::monitoring;

pub(super) fn networking(ms: &MarketplaceService, observed: &Observed<'_>) -> Verdict {
    if let Some(v) = missing_in(observed, &[Concern::Networking]) {
        return v;
    }
    if let Some(v) = apply_failed(&failures(
        observed.applied,
        &["Service", "NetworkPolicy", "Ingress"],
    )) {
        return v;
    }
    if ms.spec.ingress.is_some() && observed.inputs.ingress_addresses.is_empty() {
        return Verdict::pending(
            "AwaitingLoadBalancer",
            "the Ingress has no load-balancer address yet",
        );
    }
    Verdict::ok("Applied", "Service and NetworkPolicy applied")
}

pub(super) fn dns(ms: &MarketplaceService, observed: &Observed<'_>) -> Verdict {
    let Some(dns) = &ms.spec.dns else {
        return Verdict::ok("NotRequested", "no DNS records requested");
    };
    if observed.inputs.ingress_addresses.is_empty() {
        return Verdict::pending("AwaitingLoadBalancer", "records need the Ingress's address");
    }
    match dns.mode {
        DnsMode::IngressAnnotation => Verdict::ok(
            "RecordsAnnotated",
            "external-dns publishes the Ingress hosts",
        ),
        DnsMode::DNSEndpoint => {
            if let Some(v) = apply_failed(&failures(observed.applied, &["DNSEndpoint"])) {
                return v;
            }
            let Some(endpoint) = find(observed.applied, "DNSEndpoint") else {
                return Verdict::pending("RecordsPending", "the DNSEndpoint is not applied yet");
            };
            let published = endpoint.data["status"]["observedGeneration"].as_i64();
            if published.is_some() && published == endpoint.metadata.generation {
                Verdict::ok("RecordsPublished", "external-dns published the records")
            } else {
                Verdict::pending("RecordsPending", "waiting for external-dns")
            }
        }
    }
}

/// `MonitoringReady`: the `ServiceMonitor` is applied when one is wanted.
pub(super) fn monitoring(ms: &MarketplaceService, observed: &Observed<'_>) -> Verdict {
    if !monitoring::wanted(ms, observed.settings) {
        return Verdict::ok("NotRequested", "no ServiceMonitor requested");
    }
    if let Some(v) = apply_failed(&failures(observed.applied, &["ServiceMonitor"])) {
        return v;
    }
    Verdict::ok("Applied", "ServiceMonitor applied")
}
