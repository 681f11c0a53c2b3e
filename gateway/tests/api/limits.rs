//! Rate limits, counted in Redis and shared by gateway replicas.

use crate::helpers::{Options, read, start_gateway, start_upstream};

#[tokio::test]
async fn the_per_ip_limit_is_shared_by_two_gateways_and_answers_429_with_retry_after() {
    let upstream = start_upstream().await;
    let first_options = Options::new(&upstream);
    let prefix = first_options.redis_prefix.clone();
    let mut first_options = first_options;
    first_options.extra.push("--rate-limit-per-ip=5".into());
    let first = start_gateway(first_options).await;
    let mut second_options = Options::new(&upstream);
    second_options.redis_prefix = prefix;
    second_options.extra.push("--rate-limit-per-ip=5".into());
    let second = start_gateway(second_options).await;

    let mut statuses = Vec::new();
    for i in 0..6 {
        let gateway = if i % 2 == 0 { &first } else { &second };
        let response = gateway
            .client
            .get(gateway.url("/api/v1/categories"))
            .send()
            .await
            .unwrap();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        let (status, _, body) = read(response).await;
        statuses.push(status);
        if status == 429 {
            assert_eq!(body["error"]["code"], "rate_limited");
            assert!(
                retry_after.is_some_and(|s| (1..=60).contains(&s)),
                "{retry_after:?}"
            );
        }
    }

    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429]);
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account() {
    let upstream = start_upstream().await;
    let mut options = Options::new(&upstream);
    options.extra.push("--rate-limit-per-account=2".into());
    let gateway = start_gateway(options).await;
    let sign_in = |login: &str| {
        gateway
            .client
            .post(gateway.url("/api/v1/auth/signin"))
            .json(&serde_json::json!({"login": login, "password": "x"}))
            .send()
    };

    let first = sign_in("victim").await.unwrap().status().as_u16();
    let second = sign_in("VICTIM").await.unwrap().status().as_u16();
    let third = sign_in("victim").await.unwrap().status().as_u16();
    let other = sign_in("someone-else").await.unwrap().status().as_u16();

    assert_eq!((first, second, third, other), (200, 200, 429, 200));
}
