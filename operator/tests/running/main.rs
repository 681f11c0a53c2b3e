//! The operator as a cluster runs it: the real `mercato-operator run` (the binary, then its
//! container image) against the in-memory API server over HTTP. It answers `/healthz` and
//! `/readyz`, reconciles what it lists (the Deployment and status appear in the fake cluster),
//! exports on `/metrics` every operator metric the alert rules and the dashboard read, and
//! stops on SIGTERM with exit status 0.
//!
//! The image test needs `localhost/mercato/operator:dev` (`scripts/images.sh` builds it,
//! `scripts/test.sh` does so before the whole suite) and podman.

#[path = "../reconcile/fake.rs"]
#[expect(dead_code, reason = "the reconcile tests use the rest of the fake")]
mod fake;

mod api_server;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fake::Cluster;
use mercato_deploy_checks::containers::{self, Container};
use mercato_deploy_checks::{
    alert_rules, dashboard_queries, exported_names, is_operator_metric, monitoring_dir, unexported,
};
use serde_json::{Value, json};

const NS: &str = "/api/v1/namespaces/shop";
const MSVC: &str = "/apis/mercato.dev/v1alpha1/namespaces/shop/marketplaceservices";

/// A gateway and a service with every Secret they read.
fn platform() -> Cluster {
    let cluster = Cluster::default();
    for (name, keys) in [
        ("users-db", &["url"][..]),
        ("users-amqp", &["url"][..]),
        (
            "mercato-token-keys",
            &["jwks.json", "signing-key.pem", "kid"][..],
        ),
    ] {
        let data: serde_json::Map<String, Value> = keys
            .iter()
            .map(|k| ((*k).to_owned(), json!("c2VjcmV0")))
            .collect();
        cluster.put(
            &format!("{NS}/secrets/{name}"),
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": name, "namespace": "shop"}, "data": data}),
        );
    }
    let users = json!({
        "image": "registry.example.com/users:1",
        "ports": [{"name": "http", "port": 4003}],
        "databases": [{"name": "primary", "engine": "MongoDB", "secretRef": {"name": "users-db", "key": "url"}}],
        "messaging": {
            "broker": {"name": "rabbitmq"},
            "credentials": {"name": "users-amqp", "key": "url"},
            "publishes": [{"exchange": "mercato.events"}],
            "consumes": [{"queue": "mercato.users",
                          "bindings": [{"exchange": "mercato.events", "routingKey": "user.registered.v1"}],
                          "deadLetter": {"exchange": "mercato.dlx"}}]
        },
        "tokenPolicy": {"audience": "users"}
    });
    let gateway = json!({
        "role": "Gateway", "image": "registry.example.com/gateway:1",
        "ports": [{"name": "http", "port": 4000}],
        "tokenPolicy": {"issuer": "mercato-gateway"}
    });
    for (name, spec) in [("users", users), ("gateway", gateway)] {
        cluster.put(
            &format!("{MSVC}/{name}"),
            json!({"apiVersion": "mercato.dev/v1alpha1", "kind": "MarketplaceService",
                   "metadata": {"name": name, "namespace": "shop"}, "spec": spec}),
        );
    }
    cluster
}

fn kubeconfig(dir: &Path, server: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let config = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {server}\n\
         users:\n- name: fake\n  user:\n    token: test\ncontexts:\n- name: fake\n  context:\n    \
         cluster: fake\n    user: fake\ncurrent-context: fake\n"
    );
    std::fs::write(&path, config).expect("kubeconfig written");
    // Readable by the image's non-root user.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("kubeconfig readable");
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Polls `check` every 100 ms until it gives a value, for at most `patience`.
async fn eventually<T>(what: &str, patience: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} within {patience:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get(client: &reqwest::Client, url: &str) -> Option<(u16, String)> {
    let response = client.get(url).send().await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.ok()?))
}

/// What every run must show: probes, a reconcile of each object, and the metrics the alert
/// rules and dashboard read.
async fn serves_reconciles_and_exports(cluster: &Cluster, http: SocketAddr) {
    let client = reqwest::Client::new();
    let base = format!("http://{http}");
    let mut ready = false;
    for _ in 0..300 {
        if let Some((200, _)) = get(&client, &format!("{base}/readyz")).await {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "/readyz answers 200 within 30 s");
    assert_eq!(
        get(&client, &format!("{base}/healthz")).await.map(|a| a.0),
        Some(200)
    );
    for name in ["users", "gateway"] {
        eventually(
            &format!("{name} reconciled"),
            Duration::from_secs(30),
            || {
                let deployment =
                    cluster.get(&format!("/apis/apps/v1/namespaces/shop/deployments/{name}"));
                let status = cluster.get(&format!("{MSVC}/{name}"))?["status"]["conditions"]
                    .as_array()
                    .map(Vec::len)?;
                (deployment.is_some() && status > 0).then_some(())
            },
        )
        .await;
    }
    let mut exported = Default::default();
    for _ in 0..100 {
        let (_, text) = get(&client, &format!("{base}/metrics"))
            .await
            .expect("/metrics answers");
        exported = exported_names(&text);
        if exported.contains("operator_marketplaceservice_ready") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dir = monitoring_dir();
    let queries: Vec<_> = alert_rules(&dir.join("alerts.yaml"))
        .into_iter()
        .chain(dashboard_queries(&dir.join("dashboards")))
        .collect();
    let problems = unexported(&queries, &exported, is_operator_metric);
    assert!(problems.is_empty(), "{problems:#?}\nexported: {exported:?}");
    assert!(
        queries.iter().any(|q| q.promql.contains("operator_")),
        "the rules read the operator's metrics"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_runs_against_an_api_server_and_stops_on_sigterm() {
    let cluster = platform();
    let api = api_server::serve(cluster.clone()).await;
    let dir = tempfile::tempdir().expect("a folder");
    let config = kubeconfig(dir.path(), &format!("http://{api}"));
    let http: SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("an address");
    let child = Command::new(env!("CARGO_BIN_EXE_mercato-operator"))
        .arg("run")
        .env("KUBECONFIG", &config)
        .env("LISTEN_ADDR", http.to_string())
        .env("WATCH_TOPOLOGY", "false")
        .env("WATCH_DNS_ENDPOINTS", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the operator starts");
    let mut child = Stopped(child);
    serves_reconciles_and_exports(&cluster, http).await;

    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let status = eventually("exit after SIGTERM", Duration::from_secs(30), || {
        child.0.try_wait().expect("waitable")
    })
    .await;
    assert!(status.success(), "{status}");
}

/// A child process killed when the test ends, passed or not.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_image_runs_read_only_as_non_root_and_stops_on_sigterm() {
    let image = containers::image("operator");
    containers::require_image(&image);
    let cluster = platform();
    let api = api_server::serve(cluster.clone()).await;
    let dir = tempfile::tempdir().expect("a folder");
    // A host name the image resolves itself (from the hosts file podman writes).
    let config = kubeconfig(
        dir.path(),
        &format!("http://mercato-api.test:{}", api.port()),
    );
    let http: SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("an address");
    let options: Vec<String> = [
        "--read-only",
        "--user=10001",
        "--network=host",
        "--add-host=mercato-api.test:127.0.0.1",
        &format!("--volume={}:/etc/mercato/kubeconfig:ro", config.display()),
        "--env=KUBECONFIG=/etc/mercato/kubeconfig",
        &format!("--env=LISTEN_ADDR={http}"),
        "--env=WATCH_TOPOLOGY=false",
        "--env=WATCH_DNS_ENDPOINTS=false",
    ]
    .map(str::to_owned)
    .to_vec();
    let container = Container::run(
        &format!("mercato-operator-test-{}", http.port()),
        &options,
        &image,
        &["run"],
    );
    serves_reconciles_and_exports(&cluster, http).await;

    let code = container.stop(Duration::from_secs(25));
    assert_eq!(
        code,
        0,
        "exit code after SIGTERM; logs:\n{}",
        container.logs()
    );
}
