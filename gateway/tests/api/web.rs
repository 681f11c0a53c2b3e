//! The web client at `/`: a built client in a folder, served with its caching and security
//! headers, client routes answered with `index.html`, and the API beside it unchanged.

use std::io::Read;

use http::StatusCode;

use crate::helpers::{Options, read, start_gateway, start_upstream};

const INDEX: &str = "<!doctype html><html><head><script type=\"module\" src=\"/assets/index-3f2a9c.js\"></script></head><body><div id=\"root\"></div></body></html>";

/// A client build: index.html, a hashed script large enough to be worth compressing, an icon.
fn build() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("assets")).unwrap();
    std::fs::write(root.path().join("index.html"), INDEX).unwrap();
    std::fs::write(
        root.path().join("assets/index-3f2a9c.js"),
        "console.log('mercato');\n".repeat(200),
    )
    .unwrap();
    std::fs::write(root.path().join("favicon.svg"), "<svg/>").unwrap();
    root
}

async fn gateway_serving(root: &std::path::Path) -> crate::helpers::TestGateway {
    gateway_with(root, "--web-origins=http://127.0.0.1:8333").await
}

/// A gateway serving the build in `root`, started with one more argument.
async fn gateway_with(root: &std::path::Path, argument: &str) -> crate::helpers::TestGateway {
    let upstream = start_upstream().await;
    let mut options = Options::new(&upstream);
    options.extra = vec![
        format!("--web-root={}", root.display()),
        argument.to_owned(),
    ];
    start_gateway(options).await
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response
        .headers()
        .get(name)
        .map_or("", |value| value.to_str().unwrap())
}

#[tokio::test]
async fn client_routes_and_email_links_open_the_application_with_a_strict_policy() {
    let root = build();
    let gateway = gateway_serving(root.path()).await;
    for path in [
        "/",
        "/verify-email?token=abc",
        "/reset-password?token=x",
        "/gigs/0193/edit",
    ] {
        let response = gateway.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        let policy = header(&response, "content-security-policy").to_owned();
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(
            policy.contains("connect-src 'self' http://127.0.0.1:8333;"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(response.text().await.unwrap(), INDEX);
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_good_and_sent_compressed_to_those_who_accept_it() {
    let root = build();
    let gateway = gateway_serving(root.path()).await;
    let url = gateway.url("/assets/index-3f2a9c.js");
    let plain = gateway.client.get(&url).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        header(&plain, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        header(&plain, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&plain, "content-encoding"), "");
    let original = plain.bytes().await.unwrap();
    assert_eq!(original.len(), 24 * 200);

    let gzipped = gateway
        .client
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&gzipped, "content-encoding"), "gzip");
    assert_eq!(header(&gzipped, "vary"), "accept-encoding");
    let body = gzipped.bytes().await.unwrap();
    assert!(body.len() < original.len() / 10, "{} bytes", body.len());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(body.as_ref())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, original);
}

#[tokio::test]
async fn an_unchanged_file_is_revalidated_without_its_body() {
    let root = build();
    let gateway = gateway_serving(root.path()).await;
    let first = gateway.get("/").await;
    let etag = header(&first, "etag").to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    let again = gateway
        .client
        .get(gateway.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    let other = gateway
        .client
        .get(gateway.url("/"))
        .header("if-none-match", "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_files_and_other_methods_are_plain_404s_and_the_api_is_untouched() {
    let root = build();
    let gateway = gateway_serving(root.path()).await;
    for path in ["/assets/index-000000.js", "/favicon.ico", "/api/v2/gigs"] {
        let (status, _, body) = read(gateway.get(path).await).await;
        assert_eq!(status, 404, "{path}");
        assert!(body["error"]["message"].is_string(), "{path}: {body}");
    }
    let (status, _, body) = read(
        gateway
            .client
            .post(gateway.url("/gigs"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let icon = gateway.get("/favicon.svg").await;
    assert_eq!(header(&icon, "content-type"), "image/svg+xml");

    // The API, its contract and the probes answer as without a client.
    let (status, _, body) = read(gateway.get("/api/v1/gigs").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["path"], "/v1/gigs",
        "the echo upstream saw the API request: {body}"
    );
    let contract = gateway.get("/api/v1/openapi.json").await;
    assert_eq!(header(&contract, "content-type"), "application/json");
    let health = gateway.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_ne!(header(&health, "content-type"), "text/html; charset=utf-8");
}

#[tokio::test]
async fn without_a_web_root_the_gateway_serves_only_the_api() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let (status, _, body) = read(gateway.get("/verify-email?token=x").await).await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn a_web_root_without_a_build_stops_the_start_with_the_reason() {
    let empty = tempfile::tempdir().unwrap();
    let upstream = start_upstream().await;
    let options = Options::new(&upstream);
    let pem = options.keys.signing.to_pkcs8_pem().unwrap();
    let config = <mercato_gateway::Config as clap::Parser>::try_parse_from([
        "gateway".to_owned(),
        format!(
            "--token-signing-key={}",
            secrecy::ExposeSecret::expose_secret(&pem)
        ),
        format!("--token-signing-kid={}", options.keys.signing.kid()),
        format!("--web-root={}", empty.path().display()),
    ])
    .unwrap();
    let error = mercato_gateway::server(&config, mercato_common::server::Shutdown::new())
        .await
        .unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("has no index.html"), "{message}");
}

#[tokio::test]
async fn a_stripe_key_reaches_the_page_and_opens_the_policy_to_stripe_js_only() {
    let root = build();
    let gateway = gateway_with(root.path(), "--stripe-publishable-key=pk_test_51Mercato").await;
    let response = gateway.get("/orders/0193").await;
    assert_eq!(response.status(), StatusCode::OK);
    let policy = header(&response, "content-security-policy").to_owned();
    assert!(
        policy.contains("script-src 'self' https://js.stripe.com;"),
        "{policy}"
    );
    assert!(
        policy.contains("connect-src 'self' https://api.stripe.com;"),
        "{policy}"
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<meta name=\"mercato-stripe-key\" content=\"pk_test_51Mercato\"></head>"),
        "{page}"
    );
    // The script files are served as they are.
    let script = gateway.get("/assets/index-3f2a9c.js").await;
    assert!(!script.text().await.unwrap().contains("pk_test"));
}

#[test]
fn a_malformed_stripe_key_is_refused_at_start() {
    for key in ["sk_test_secret", "pk_", "pk_test_\"><script>", ""] {
        let parsed = <mercato_gateway::Config as clap::Parser>::try_parse_from([
            "gateway".to_owned(),
            format!("--stripe-publishable-key={key}"),
        ]);
        let error = parsed.expect_err(key).to_string();
        assert!(
            error.contains("publishable")
                || error.contains("empty")
                || error.contains("value is required"),
            "{key}: {error}"
        );
    }
}
