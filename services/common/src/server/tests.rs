//! Black-box tests of the server over real sockets on port 0.

use std::time::Duration;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde_json::Value;
use tokio::sync::Notify;

use super::*;
use crate::error::ApiError;

async fn start(
    router: Router,
    drain: Duration,
) -> (
    SocketAddr,
    Shutdown,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let mut config = CommonConfig::for_tests();
    config.shutdown_drain_seconds = drain.as_secs();
    let server = HttpServer::new("test", config, router)
        .bind()
        .await
        .unwrap();
    let addr = server.local_addr();
    let shutdown = server.shutdown();
    let handle = tokio::spawn(server.run());
    (addr, shutdown, handle)
}

fn app() -> Router {
    Router::new()
        .route(
            "/boom",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("secret detail in a panic");
                }
                "unreachable"
            }),
        )
        .route(
            "/fail",
            get(|| async {
                Err::<(), _>(ApiError::internal(anyhow::anyhow!(
                    "db at 10.1.2.3 refused"
                )))
            }),
        )
        .route("/items/{id}", get(|| async { "item" }))
}

#[tokio::test]
async fn binding_port_zero_reports_the_real_port_and_answers_health() {
    let (addr, _shutdown, _handle) = start(app(), Duration::ZERO).await;
    assert_ne!(addr.port(), 0);

    let response = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "alive");
}

/// A route `/slow` that says when a request has arrived and answers only when released.
fn held_route() -> (Router, Arc<Notify>, Arc<Notify>) {
    let (arrived, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let router = Router::new().route(
        "/slow",
        get({
            let (arrived, release) = (Arc::clone(&arrived), Arc::clone(&release));
            move || async move {
                arrived.notify_one();
                release.notified().await;
                "done"
            }
        }),
    );
    (router, arrived, release)
}

#[tokio::test]
async fn readyz_turns_false_when_shutdown_starts_while_a_slow_request_completes() {
    let (router, arrived, release) = held_route();
    let (addr, shutdown, handle) = start(router, Duration::from_secs(1)).await;
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.get(format!("http://{addr}/slow")).send().await }
    });
    arrived.notified().await;
    shutdown.trigger();

    let ready = crate::testing::eventually("readyz to answer 503", Duration::from_secs(5), || {
        let client = client.clone();
        async move {
            let ready = client
                .get(format!("http://{addr}/readyz"))
                .send()
                .await
                .unwrap();
            (ready.status() == 503).then_some(ready)
        }
    })
    .await;
    assert_eq!(
        ready.json::<Value>().await.unwrap()["status"],
        "shutting_down"
    );

    release.notify_one();
    let slow = slow.await.unwrap().unwrap();
    assert_eq!(slow.status(), 200);
    assert_eq!(slow.text().await.unwrap(), "done");

    tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err(),
        "listener must be closed"
    );
}

#[tokio::test]
async fn a_failing_readiness_check_makes_readyz_503_without_leaking_the_reason() {
    let config = CommonConfig::for_tests();
    let server = HttpServer::new("test", config, app());
    server.readiness().add_check("database", || async {
        Err("connection refused to 10.9.9.9:5432".to_owned())
    });
    let server = server.bind().await.unwrap();
    let addr = server.local_addr();
    tokio::spawn(server.run());

    let response = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();

    assert_eq!(response.status(), 503);
    let body = response.text().await.unwrap();
    assert!(body.contains("\"database\":\"failing\""), "{body}");
    assert!(!body.contains("10.9.9.9"), "{body}");
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_in_the_common_shape() {
    let (addr, _shutdown, _handle) = start(app(), Duration::ZERO).await;
    let client = reqwest::Client::new();

    let missing = client
        .get(format!("http://{addr}/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let request_id = missing.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["request_id"], request_id);

    let wrong = client
        .delete(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["error"]["code"],
        "method_not_allowed"
    );
}

#[tokio::test]
async fn a_panic_and_an_internal_error_answer_500_with_no_internal_text() {
    let (addr, _shutdown, _handle) = start(app(), Duration::ZERO).await;

    for path in ["/boom", "/fail"] {
        let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        assert_eq!(response.status(), 500, "{path}");
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.text().await.unwrap();
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], "internal_error");
        assert_eq!(json["error"]["request_id"], request_id);
        assert!(
            !body.contains("secret") && !body.contains("10.1.2.3"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn an_inbound_request_id_is_kept_when_sane_and_replaced_when_not() {
    let (addr, _shutdown, _handle) = start(app(), Duration::ZERO).await;
    let client = reqwest::Client::new();

    let kept = client
        .get(format!("http://{addr}/nope"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "abc-123");

    let forged = "x\"} {\"admin\":true";
    let replaced = client
        .get(format!("http://{addr}/nope"))
        .header("x-request-id", forged)
        .send()
        .await
        .unwrap();
    let id = replaced.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, forged);
    assert!(uuid::Uuid::parse_str(id).is_ok());
}

#[tokio::test]
async fn metrics_count_requests_by_matched_route_not_raw_path() {
    let (addr, _shutdown, _handle) = start(app(), Duration::ZERO).await;
    let client = reqwest::Client::new();
    for id in ["a1", "b2", "c3"] {
        client
            .get(format!("http://{addr}/items/{id}"))
            .send()
            .await
            .unwrap();
    }

    let text = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(
        crate::testing::metric_sum(&text, "http_requests_total", &[("route", "/items/{id}")]),
        3.0,
        "{text}"
    );
    assert!(!text.contains("/items/a1"), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}
