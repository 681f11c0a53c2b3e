//! What leaves: a removed ingress takes its DNS record with it, and deleting a component leaves
//! retained queues and shared exchanges alone.

use super::*;

#[tokio::test]
async fn removing_the_ingress_prunes_it_and_its_dns_record() {
    let cluster = cluster();
    run(&cluster, "gateway").await;
    assert!(cluster.get(&format!("{NET}/ingresses/gateway")).is_some());
    assert!(
        cluster
            .get(&format!("{DNS}/dnsendpoints/gateway"))
            .is_none(),
        "no address yet"
    );
    assert_eq!(
        condition(&cluster, "gateway", "DNSReady").1,
        "AwaitingLoadBalancer"
    );

    cluster.edit(&format!("{NET}/ingresses/gateway"), |i| {
        i["status"] = json!({"loadBalancer": {"ingress": [{"hostname": "lb-1.elb.example"}]}});
    });
    run(&cluster, "gateway").await;
    let endpoint = cluster
        .get(&format!("{DNS}/dnsendpoints/gateway"))
        .expect("DNSEndpoint");
    assert_eq!(endpoint["spec"]["endpoints"][0]["recordType"], "CNAME");
    assert_eq!(
        endpoint["spec"]["endpoints"][0]["targets"],
        json!(["lb-1.elb.example"])
    );
    let object = cluster.get(&format!("{MSVC}/gateway")).expect("gateway");
    assert_eq!(object["status"]["url"], "http://api.shop.example");

    // The address vanishing for a moment does not withdraw the records.
    cluster.edit(&format!("{NET}/ingresses/gateway"), |i| {
        i["status"] = json!({})
    });
    run(&cluster, "gateway").await;
    assert!(
        cluster
            .get(&format!("{DNS}/dnsendpoints/gateway"))
            .is_some(),
        "records kept"
    );

    cluster.edit(&format!("{MSVC}/gateway"), |g| {
        let spec = g["spec"].as_object_mut().expect("spec");
        spec.remove("ingress");
        spec.remove("dns");
    });
    cluster.take_calls();
    run(&cluster, "gateway").await;
    let writes = writes(&cluster.take_calls());
    assert!(
        writes.contains(&format!("DELETE {NET}/ingresses/gateway")),
        "{writes:?}"
    );
    assert!(
        writes.contains(&format!("DELETE {DNS}/dnsendpoints/gateway")),
        "{writes:?}"
    );
    assert!(cluster.get(&format!("{NET}/ingresses/gateway")).is_none());
    assert_eq!(condition(&cluster, "gateway", "DNSReady").1, "NotRequested");
}

#[tokio::test]
async fn deletion_leaves_retained_queues_and_shared_exchanges_alone() {
    let cluster = cluster();
    // Another component publishing to the same exchange.
    secret(&cluster, "gigs-amqp", &["url"]);
    cluster.put(
        &format!("{MSVC}/gigs"),
        component("gigs", json!({
            "image": "registry.example.com/gigs:1",
            "messaging": {"broker": {"name": "rabbitmq"}, "credentials": {"name": "gigs-amqp", "key": "url"},
                          "publishes": [{"exchange": "mercato.events"}]}
        })),
    );
    run(&cluster, "users").await;
    run(&cluster, "gigs").await;
    let queues = cluster.paths(&format!("{RABBIT}/queues/"));
    let work_queue = queues
        .iter()
        .find(|p| {
            cluster
                .get(p)
                .is_some_and(|q| q["spec"]["name"] == "mercato.users")
        })
        .expect("work queue")
        .clone();
    assert_eq!(
        cluster.get(&work_queue).expect("queue")["spec"]["deletionPolicy"],
        "retain"
    );

    cluster.edit(&format!("{MSVC}/users"), |u| {
        u["metadata"]["deletionTimestamp"] = json!("2026-11-27T12:00:00Z");
    });
    cluster.take_calls();
    run(&cluster, "users").await;
    let writes = writes(&cluster.take_calls());
    assert!(
        !writes.iter().any(|w| w.contains("/queues/")),
        "queues are left to their deletionPolicy: {writes:?}"
    );
    // mercato.dlx was used by users alone; mercato.events is still published by gigs.
    let deleted: Vec<&String> = writes.iter().filter(|w| w.starts_with("DELETE")).collect();
    assert_eq!(deleted.len(), 1, "{writes:?}");
    let remaining = cluster.paths(&format!("{RABBIT}/exchanges/"));
    assert_eq!(remaining.len(), 1);
    assert_eq!(
        cluster.get(&remaining[0]).expect("exchange")["spec"]["name"],
        "mercato.events"
    );
    assert!(
        cluster.get(&format!("{MSVC}/users")).is_none(),
        "finalizer released"
    );
}
