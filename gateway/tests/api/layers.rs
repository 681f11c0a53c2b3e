//! What the gateway does around forwarding: load shedding per upstream, CORS for the allowed
//! origins only, and compression.

use crate::helpers::{Options, read, start_gateway, start_upstream};

#[tokio::test]
async fn an_upstream_at_its_in_flight_limit_sheds_requests_with_503() {
    let upstream = start_upstream().await;
    let mut options = Options::new(&upstream);
    options.extra.push("--upstream-max-in-flight=1".into());
    let gateway = start_gateway(options).await;
    let slow = gateway
        .client
        .get(gateway.url("/api/v1/gigs"))
        .header("x-test-sleep-ms", "800")
        .send();
    let get_gigs = || async {
        read(
            gateway
                .client
                .get(gateway.url("/api/v1/gigs"))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    // Probes until one finds the only slot taken by the slow request (within the 1 s upstream
    // timeout of the test gateway).
    let shed = async {
        for _ in 0..14 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let (status, _, body) = get_gigs().await;
            if status != 200 {
                return (status, body);
            }
        }
        panic!("no request was shed while the slow one held the slot");
    };

    let (slow, (shed_status, shed_body)) = tokio::join!(slow, shed);
    let (after, _, _) = get_gigs().await;

    assert_eq!(slow.unwrap().status().as_u16(), 200);
    assert_eq!(shed_status, 503);
    assert_eq!(shed_body["error"]["code"], "service_unavailable");
    assert_eq!(after, 200, "the slot is free again");
}

#[tokio::test]
async fn cors_answers_allowed_origins_only() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let preflight = |origin: &'static str| {
        gateway
            .client
            .request(reqwest::Method::OPTIONS, gateway.url("/api/v1/orders"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };

    let allowed = preflight("https://app.mercato.test").await.unwrap();
    let foreign = preflight("https://evil.example").await.unwrap();

    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        header(&allowed, "access-control-allow-origin").as_deref(),
        Some("https://app.mercato.test")
    );
    assert_eq!(
        header(&allowed, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert!(header(&allowed, "access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    assert_eq!(header(&foreign, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn responses_are_compressed_for_clients_that_accept_it() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let get = |encoding: Option<&'static str>| {
        let request = gateway.client.get(gateway.url("/api/v1/gigs?q=logo"));
        match encoding {
            Some(encoding) => request.header("accept-encoding", encoding),
            None => request,
        }
        .send()
    };

    let gzip = get(Some("gzip")).await.unwrap();
    let plain = get(None).await.unwrap();

    assert_eq!(gzip.status().as_u16(), 200);
    assert_eq!(
        gzip.headers()
            .get("content-encoding")
            .map(reqwest::header::HeaderValue::as_bytes),
        Some(&b"gzip"[..])
    );
    let bytes = gzip.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
    assert_eq!(plain.headers().get("content-encoding"), None);
}
