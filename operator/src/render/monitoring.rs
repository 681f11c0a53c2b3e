//! Monitoring: the Prometheus Operator `ServiceMonitor` that has Prometheus scrape the
//! component's `/metrics` on its first port, when the spec or the operator's settings ask
//! for one.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::ResourceExt;

use super::Settings;
use super::meta::{child_meta, selector_labels};
use crate::api::foreign::{ScrapeEndpoint, ServiceMonitor, ServiceMonitorSpec};
use crate::api::{MarketplaceService, Monitoring};

/// Whether `ms` gets a `ServiceMonitor`: its spec decides, else the cluster-wide setting.
pub fn wanted(ms: &MarketplaceService, settings: &Settings) -> bool {
    ms.spec
        .monitoring
        .as_ref()
        .and_then(|m| m.service_monitor)
        .unwrap_or(settings.service_monitors)
}

/// The component's `ServiceMonitor`, selecting its Service by the component label.
pub fn service_monitor(ms: &MarketplaceService, settings: &Settings) -> Option<ServiceMonitor> {
    if !wanted(ms, settings) {
        return None;
    }
    let port = ms.spec.ports.first()?;
    let defaults = Monitoring::default();
    let monitoring = ms.spec.monitoring.as_ref().unwrap_or(&defaults);
    let mut metadata = child_meta(ms, ms.name_any());
    let labels = metadata.labels.get_or_insert_with(Default::default);
    // The operator's own labels win: the children selector finds the monitor by them.
    for (name, value) in settings
        .service_monitor_labels
        .iter()
        .map(|(name, value)| (name, value))
        .chain(&monitoring.labels)
    {
        labels.entry(name.clone()).or_insert_with(|| value.clone());
    }
    let mut monitor = ServiceMonitor::new(
        &ms.name_any(),
        ServiceMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(selector_labels(ms)),
                ..LabelSelector::default()
            },
            endpoints: vec![ScrapeEndpoint {
                port: port.name.clone(),
                path: "/metrics".into(),
                interval: monitoring.interval.clone(),
                scrape_timeout: scrape_timeout(&monitoring.interval),
            }],
        },
    );
    monitor.metadata = metadata;
    Some(monitor)
}

/// Ten seconds, or the interval when that is shorter: Prometheus refuses a timeout longer
/// than the interval.
fn scrape_timeout(interval: &str) -> String {
    let seconds = duration_seconds(interval).unwrap_or(10.0);
    if seconds >= 10.0 {
        "10s".into()
    } else {
        interval.to_owned()
    }
}

/// A Prometheus duration of one unit (`30s`, `500ms`, `1m`) in seconds.
fn duration_seconds(text: &str) -> Option<f64> {
    let digits = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(digits);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scrape_timeout_never_exceeds_the_interval() {
        assert_eq!(scrape_timeout("30s"), "10s");
        assert_eq!(scrape_timeout("1m"), "10s");
        assert_eq!(scrape_timeout("10s"), "10s");
        assert_eq!(scrape_timeout("5s"), "5s");
        assert_eq!(scrape_timeout("500ms"), "500ms");
        assert_eq!(duration_seconds("2h"), Some(7200.0));
        assert_eq!(duration_seconds("30"), None);
        assert_eq!(duration_seconds("5d"), None);
    }
}
