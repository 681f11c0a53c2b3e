//! The monitoring objects against the running platform: every metric an alert rule or a
//! dashboard panel of `deploy/components/monitoring/` reads is one the components export, read
//! from their `/metrics` after the traffic that makes each series appear (a sign-up and its
//! email, a Socket.IO connection, a rate-limited request, the relays and consumers at work).

use std::collections::BTreeSet;
use std::time::Duration;

use mercato_common::testing::{metric_sum, scrape_metrics};
use mercato_deploy_checks::{
    alert_rules, dashboard_queries, exported_names, is_operator_metric, monitoring_dir, unexported,
};
use mercato_e2e::Platform;
use mercato_e2e::pysocket::PySocket;

use crate::people::sign_up;

/// Every name the platform's components export right now, and the gateway's exposition.
async fn exported(platform: &Platform) -> (BTreeSet<String>, String) {
    let mut names = BTreeSet::new();
    let gateway = scrape_metrics(platform.gateway.addr).await;
    names.extend(exported_names(&gateway));
    for service in &platform.services {
        names.extend(exported_names(&scrape_metrics(service.addr).await));
    }
    (names, gateway)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_metric_the_alerts_and_dashboards_read_is_exported_by_the_components() {
    let platform = Platform::start_with_gateway_flags(&["--rate-limit-per-ip=40"]).await;
    let client = reqwest::Client::new();
    let (session, _) = sign_up(&platform, &client, "metricreader").await;
    let token = session["access_token"].as_str().expect("an access token");
    let mut socket = PySocket::connect(&platform.gateway.url(""), token);
    socket.admitted().await;
    // The verification email: notifications consumed auth's event and sent it.
    platform.mail.wait_for(1, Duration::from_secs(30)).await;
    let mut limited = false;
    for _ in 0..100 {
        let response = client
            .get(platform.gateway.url("/api/v1/gigs"))
            .send()
            .await
            .expect("the gateway answers");
        if response.status() == 429 {
            limited = true;
            break;
        }
    }
    assert!(
        limited,
        "the gateway limits a client over 40 requests a minute"
    );

    let mut queries = alert_rules(&monitoring_dir().join("alerts.yaml"));
    queries.extend(dashboard_queries(&monitoring_dir().join("dashboards")));
    // The depth gauges appear at the first reading of the queues (every second in tests).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let (problems, gateway) = loop {
        let (names, gateway) = exported(&platform).await;
        let problems = unexported(&queries, &names, |n| !is_operator_metric(n));
        if problems.is_empty() || tokio::time::Instant::now() > deadline {
            break (problems, gateway);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        problems.is_empty(),
        "the monitoring objects read metrics no component exports:\n{}",
        problems.join("\n")
    );

    // The gauges say what is true: notifications' consumer is attached, nothing is dead-lettered,
    // one socket is open.
    assert_eq!(
        metric_sum(
            &gateway,
            "events_consumer_connected",
            &[("service", "notifications")]
        ),
        1.0
    );
    assert_eq!(metric_sum(&gateway, "events_dead_letter_depth", &[]), 0.0);
    assert_eq!(
        metric_sum(&gateway, "gateway_socketio_connections", &[]),
        1.0
    );
    socket.close().await;
    platform.stop().await;
}
