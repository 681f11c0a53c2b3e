//! How a component is exposed and watched, as the operator renders it: the `ServiceMonitor`
//! (the spec decides, else the operator's setting; the operator's labels win), the gateway's
//! Ingress annotations and TLS at the load balancer, and the address ranges its NetworkPolicy
//! admits.

use kube::ResourceExt;
use mercato_operator::api::MarketplaceService;
use mercato_operator::preview::parse;
use mercato_operator::render::network::public_url;
use mercato_operator::render::{Inputs, Settings, render};
use serde_json::{Value, json};

fn example(file: &str) -> MarketplaceService {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the example reads");
    parse(&text)
        .expect("the example parses")
        .pop()
        .expect("one MarketplaceService")
}

/// `ms` with `change` applied to its spec as JSON.
fn changed(ms: &MarketplaceService, change: impl FnOnce(&mut Value)) -> MarketplaceService {
    let mut value = serde_json::to_value(ms).expect("JSON");
    change(&mut value["spec"]);
    serde_json::from_value(value).expect("still a MarketplaceService")
}

fn rendered(ms: &MarketplaceService, settings: &Settings) -> Vec<Value> {
    render(ms, &Inputs::assumed(ms), settings)
        .owned
        .iter()
        .map(|o| serde_json::to_value(o).expect("JSON"))
        .collect()
}

fn of_kind(objects: &[Value], kind: &str) -> Vec<Value> {
    objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .cloned()
        .collect()
}

fn monitoring_on() -> Settings {
    Settings {
        service_monitors: true,
        service_monitor_labels: vec![("release".into(), "kube-prometheus-stack".into())],
        ..Settings::default()
    }
}

#[test]
fn a_service_monitor_is_rendered_when_the_spec_or_else_the_operator_asks() {
    let gigs = example("14-gigs.yaml");
    assert!(of_kind(&rendered(&gigs, &Settings::default()), "ServiceMonitor").is_empty());

    let monitors = of_kind(&rendered(&gigs, &monitoring_on()), "ServiceMonitor");
    let [monitor] = &monitors[..] else {
        panic!("one ServiceMonitor: {monitors:?}")
    };
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(monitor["metadata"]["name"], "gigs");
    assert_eq!(
        monitor["metadata"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    assert_eq!(
        monitor["spec"]["endpoints"],
        json!([{"port": "http", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}])
    );
    // It selects the component's Service, and only it.
    let selector = monitor["spec"]["selector"]["matchLabels"]
        .as_object()
        .expect("matchLabels");
    assert_eq!(
        selector.get("mercato.dev/service"),
        Some(&json!("gigs")),
        "{selector:?}"
    );
    let objects = rendered(&gigs, &monitoring_on());
    let service = of_kind(&objects, "Service")
        .into_iter()
        .next()
        .expect("a Service");
    for (key, value) in selector {
        assert_eq!(&service["metadata"]["labels"][key], value, "{key}");
    }

    // The spec wins over the operator's setting, both ways.
    let opted_out = changed(&gigs, |s| {
        s["monitoring"] = json!({"serviceMonitor": false})
    });
    assert!(of_kind(&rendered(&opted_out, &monitoring_on()), "ServiceMonitor").is_empty());
    let opted_in = changed(&gigs, |s| {
        s["monitoring"] = json!({"serviceMonitor": true, "interval": "5s",
                                 "labels": {"team": "catalog", "app.kubernetes.io/instance": "other"}});
    });
    let monitors = of_kind(&rendered(&opted_in, &Settings::default()), "ServiceMonitor");
    let [monitor] = &monitors[..] else {
        panic!("one ServiceMonitor: {monitors:?}")
    };
    assert_eq!(monitor["metadata"]["labels"]["team"], "catalog");
    // The operator's own labels find its children: a spec label cannot take them over.
    assert_eq!(
        monitor["metadata"]["labels"]["app.kubernetes.io/instance"],
        "gigs"
    );
    assert_eq!(monitor["spec"]["endpoints"][0]["interval"], "5s");
    assert_eq!(monitor["spec"]["endpoints"][0]["scrapeTimeout"], "5s");
}

#[test]
fn the_gateway_ingress_carries_its_annotations_and_tls_at_the_load_balancer() {
    let gateway = changed(&example("10-gateway.yaml"), |s| {
        let ingress = &mut s["ingress"];
        ingress.as_object_mut().map(|o| o.remove("tlsSecretName"));
        ingress["className"] = json!("alb");
        ingress["loadBalancerTls"] = json!(true);
        ingress["annotations"] = json!({
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "external-dns.kubernetes.io/ttl": "5",
        });
    });
    let objects = rendered(&gateway, &Settings::default());
    let ingresses = of_kind(&objects, "Ingress");
    let [ingress] = &ingresses[..] else {
        panic!("one Ingress: {ingresses:?}")
    };
    let annotations = &ingress["metadata"]["annotations"];
    assert_eq!(
        annotations["alb.ingress.kubernetes.io/scheme"],
        "internet-facing"
    );
    // The DNS records are the operator's: its TTL wins over the spec's annotation.
    assert_eq!(annotations["external-dns.kubernetes.io/ttl"], "300");
    assert_eq!(
        ingress["spec"]["tls"],
        json!([{"hosts": ["api.mercato.example.com"]}]),
        "hosts under tls without a Secret: the load balancer holds the certificate"
    );
    assert_eq!(ingress["spec"]["ingressClassName"], "alb");
    // The status's public URL says https: TLS ends at the load balancer.
    assert_eq!(
        public_url(&gateway).as_deref(),
        Some("https://api.mercato.example.com")
    );

    let plain = changed(&gateway, |s| {
        s["ingress"]["loadBalancerTls"] = json!(false);
    });
    let ingress = &of_kind(&rendered(&plain, &Settings::default()), "Ingress")[0];
    assert!(ingress["spec"]["tls"].is_null(), "{ingress}");
    assert_eq!(
        public_url(&plain).as_deref(),
        Some("http://api.mercato.example.com")
    );
}

#[test]
fn the_load_balancers_ranges_reach_the_gateway_and_no_other_component() {
    let settings = Settings {
        ingress_source_cidrs: vec!["10.40.0.0/16".into(), "10.41.0.0/16".into()],
        ..Settings::default()
    };
    let blocks = |ms: &MarketplaceService| -> Vec<Value> {
        let policies = of_kind(&rendered(ms, &settings), "NetworkPolicy");
        policies[0]["spec"]["ingress"][0]["from"]
            .as_array()
            .expect("peers")
            .iter()
            .filter_map(|peer| peer.get("ipBlock").cloned())
            .collect()
    };
    let gateway = example("10-gateway.yaml");
    assert_eq!(
        blocks(&gateway),
        [
            json!({"cidr": "10.40.0.0/16"}),
            json!({"cidr": "10.41.0.0/16"})
        ],
        "{}",
        gateway.name_any()
    );
    assert!(blocks(&example("16-orders.yaml")).is_empty());
    assert!(
        of_kind(&rendered(&gateway, &Settings::default()), "NetworkPolicy")[0]["spec"]["ingress"]
            [0]["from"]
            .as_array()
            .expect("peers")
            .iter()
            .all(|peer| peer.get("ipBlock").is_none()),
        "no address range unless the operator is given one"
    );
}
