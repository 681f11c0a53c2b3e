//! `MonitoringReady`: a `ServiceMonitor` asked for before the Prometheus Operator's CRDs are
//! installed is a condition, not a failed reconcile; the rest of the component is applied, and
//! the monitor appears once the CRDs do, and goes when no longer asked for.

use mercato_operator::render::Settings;

use super::{APPS, cluster, condition, run, run_with};

const MON: &str = "/apis/monitoring.coreos.com/v1/namespaces/shop";

fn monitoring_on() -> Settings {
    Settings {
        service_monitors: true,
        service_monitor_labels: vec![("release".into(), "prometheus".into())],
        ..Settings::default()
    }
}

#[tokio::test]
async fn a_service_monitor_waits_for_the_prometheus_operator_and_goes_when_not_wanted() {
    let cluster = cluster();
    cluster.uninstall("/apis/monitoring.coreos.com/");
    run_with(&cluster, "users", monitoring_on()).await;
    let (status, reason, message) = condition(&cluster, "users", "MonitoringReady");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "CrdNotInstalled"),
        "{message}"
    );
    assert!(message.contains("ServiceMonitor users"), "{message}");
    assert!(
        cluster.get(&format!("{APPS}/deployments/users")).is_some(),
        "the component runs without its monitor"
    );

    cluster.install("/apis/monitoring.coreos.com/");
    run_with(&cluster, "users", monitoring_on()).await;
    assert_eq!(condition(&cluster, "users", "MonitoringReady").1, "Applied");
    let monitor = cluster
        .get(&format!("{MON}/servicemonitors/users"))
        .expect("the ServiceMonitor is applied");
    assert_eq!(monitor["metadata"]["labels"]["release"], "prometheus");
    assert_eq!(monitor["spec"]["endpoints"][0]["path"], "/metrics");

    run(&cluster, "users").await;
    assert_eq!(
        condition(&cluster, "users", "MonitoringReady").1,
        "NotRequested"
    );
    assert!(
        cluster
            .get(&format!("{MON}/servicemonitors/users"))
            .is_none(),
        "pruned once not wanted"
    );
}
