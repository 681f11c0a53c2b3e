//! Forwarding: method, path, query, body, status; tokens; header hygiene; failures.

use mercato_common::testing::{caller, scrape_metrics};
use serde_json::Value;

use crate::helpers::{Options, read, start_gateway, start_upstream};

#[tokio::test]
async fn method_path_query_and_body_reach_the_owning_service() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let alice = caller("alice", true);
    let token = gateway.keys.minter().mint_user_token(&alice).unwrap();

    let (status, _, get) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/gigs?q=logo&min_price=500"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, _, post) = read(
        gateway
            .client
            .patch(gateway.url("/api/v1/gigs/0192"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": "New"}))
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(
        (
            get["method"].as_str(),
            get["path"].as_str(),
            get["query"].as_str()
        ),
        (Some("GET"), Some("/v1/gigs"), Some("q=logo&min_price=500"))
    );
    assert_eq!(
        (post["method"].as_str(), post["path"].as_str()),
        (Some("PATCH"), Some("/v1/gigs/0192"))
    );
    assert_eq!(post["body"], r#"{"title":"New"}"#);
}

#[tokio::test]
async fn each_request_carries_an_internal_token_for_the_service_with_the_caller() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let alice = caller("alice", true);
    let token = gateway.keys.minter().mint_user_token(&alice).unwrap();

    let (_, _, signed_in) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/buyers/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, _, anonymous) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/sellers/random"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    let internal = |body: &Value| {
        body["headers"]["authorization"]
            .as_str()
            .unwrap()
            .strip_prefix("Bearer ")
            .unwrap()
            .to_owned()
    };
    let verified = gateway
        .keys
        .verifier("users")
        .verify(&internal(&signed_in))
        .unwrap();
    assert_eq!(verified.caller, Some(alice));
    let request_id = signed_in["headers"]["x-request-id"]
        .as_str()
        .expect("a request id");
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    assert_ne!(
        verified.token_id.as_deref(),
        Some(request_id),
        "the request id travels beside the token, not in it"
    );
    assert!(
        gateway
            .keys
            .verifier("gigs")
            .verify(&internal(&signed_in))
            .is_err(),
        "the token is for users only"
    );
    assert_eq!(
        gateway
            .keys
            .verifier("users")
            .verify(&internal(&anonymous))
            .unwrap()
            .caller,
        None
    );
    assert_ne!(
        internal(&signed_in),
        token,
        "the user's own token never reaches a service"
    );
}

#[tokio::test]
async fn headers_a_client_must_never_set_are_dropped() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let forged_internal = gateway
        .keys
        .internal_token("users", Some(&caller("mallory", true)));

    let (_, _, body) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/sellers/random"))
            .header("x-user-id", "0192")
            .header("x-internal-token", &forged_internal)
            .header("x-forwarded-for", "10.0.0.1")
            .header("x-request-id", "forged")
            .header("connection", "close, x-keep")
            .header("x-keep", "only for this connection")
            .header("accept-language", "de")
            .send()
            .await
            .unwrap(),
    )
    .await;

    let headers = body["headers"].as_object().unwrap();
    assert!(
        !headers.contains_key("x-user-id") && !headers.contains_key("x-internal-token"),
        "{headers:?}"
    );
    assert!(
        !headers.contains_key("x-keep") && !headers.contains_key("connection"),
        "a header the client's Connection names stays on that connection: {headers:?}"
    );
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_ne!(headers["x-request-id"], "forged");
    assert_eq!(headers["accept-language"], "de");
    let internal = headers["authorization"]
        .as_str()
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap();
    assert_eq!(
        gateway
            .keys
            .verifier("users")
            .verify(internal)
            .unwrap()
            .caller,
        None,
        "a forged identity is not forwarded"
    );
}

#[tokio::test]
async fn a_service_4xx_passes_through_and_a_5xx_becomes_a_generic_502() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;

    let (teapot, _, body) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/gigs"))
            .header("x-test-status", "418")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let response = gateway
        .client
        .get(gateway.url("/api/v1/gigs"))
        .header("x-test-status", "500")
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let (failed, _, error) = read(response).await;

    assert_eq!(teapot, 418);
    assert_eq!(
        body["error"]["code"], "teapot",
        "4xx bodies are the service's own"
    );
    assert_eq!(failed, 502);
    assert_eq!(error["error"]["code"], "upstream_error");
    assert_eq!(error["error"]["request_id"], request_id);
    assert!(!error.to_string().contains("10.0.0.1"));
}

#[tokio::test]
async fn a_slow_service_gives_504_and_a_missing_one_503_while_the_gateway_stays_healthy() {
    let upstream = start_upstream().await;
    let mut options = Options::new(&upstream);
    options.upstreams.push("chat=http://127.0.0.1:9".into());
    let gateway = start_gateway(options).await;
    let token = gateway
        .keys
        .minter()
        .mint_user_token(&caller("alice", true))
        .unwrap();

    let (slow, _, timeout) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/gigs"))
            .header("x-test-sleep-ms", "2500")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (down, _, unreachable) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/conversations"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (health, _, _) = read(
        gateway
            .client
            .get(gateway.url("/healthz"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(
        (slow, timeout["error"]["code"].as_str()),
        (504, Some("upstream_timeout"))
    );
    assert_eq!(
        (down, unreachable["error"]["code"].as_str()),
        (503, Some("service_unavailable"))
    );
    assert_eq!(health, 200);
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_large_bodies_are_refused_in_the_common_shape() {
    let upstream = start_upstream().await;
    let mut options = Options::new(&upstream);
    options.extra.push("--max-body-bytes=1024".into());
    let gateway = start_gateway(options).await;

    let (missing, _, not_found) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/nothing"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (wrong, wrong_headers, wrong_method) = read(
        gateway
            .client
            .delete(gateway.url("/api/v1/sellers/me"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (large, _, too_large) = read(
        gateway
            .client
            .post(gateway.url("/api/v1/auth/password/forgot"))
            .body(vec![b'a'; 4096])
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(
        (missing, not_found["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(
        (wrong, wrong_method["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    assert_eq!(
        wrong_headers["allow"], "PATCH, GET",
        "the methods of /sellers/me and of /sellers/{{id}}, which it also matches"
    );
    assert!(
        wrong_method["error"]["request_id"].is_string(),
        "{wrong_method}"
    );
    assert_eq!(
        (large, too_large["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
}

#[tokio::test]
async fn metrics_count_requests_by_public_route_pattern() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    for path in ["/api/v1/gigs/0192", "/api/v1/gigs/0193", "/api/v1/nope"] {
        gateway.client.get(gateway.url(path)).send().await.unwrap();
    }

    let text = scrape_metrics(gateway.addr).await;
    let counted = |route: &str, status: &str| {
        text.lines().any(|line| {
            line.starts_with("http_requests_total{")
                && line.contains(&format!("route=\"{route}\""))
                && line.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(counted("/api/v1/gigs/{id}", "200"), "{text}");
    assert!(
        text.contains("gateway_upstream_requests_total{service=\"gigs\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("gateway_upstream_duration_seconds_count{service=\"gigs\"} 2"),
        "{text}"
    );
    assert!(counted("/api/v1/{*rest}", "404"), "{text}");
    assert!(!text.contains("/api/v1/gigs/0192"), "{text}");
}
