//! The platform starts, every component answers its probes, and services accept only internal
//! tokens minted by the gateway's published key for them.

use mercato_common::testing::caller;
use mercato_e2e::Platform;
use serde_json::Value;

#[tokio::test]
async fn every_component_is_alive_and_ready() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();

    let components = std::iter::once(("gateway", &platform.gateway))
        .chain(platform.services.iter().map(|(n, s)| (*n, s)));
    for (name, server) in components {
        for probe in ["/healthz", "/readyz", "/metrics"] {
            let response = client.get(server.url(probe)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{name} {probe}");
        }
    }
    platform.stop().await;
}

#[tokio::test]
async fn services_refuse_requests_without_a_token_for_them() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let alice = caller("alice", true);
    let user_token = platform.keys.minter().mint_user_token(&alice).unwrap();

    for (name, server) in &platform.services {
        let url = server.url("/v1/anything");
        let other = if *name == "auth" { "users" } else { "auth" };
        let refused = [
            ("no token", None),
            ("a user token", Some(user_token.clone())),
            (
                "another service's token",
                Some(platform.keys.internal_token(other, Some(&alice))),
            ),
            ("garbage", Some("not.a.token".to_owned())),
        ];
        for (what, token) in refused {
            let mut request = client.get(&url);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{name} with {what}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthorized", "{name} with {what}");
            assert!(
                body["error"]["request_id"].is_string(),
                "{name} with {what}"
            );
        }

        let own = platform.keys.internal_token(name, Some(&alice));
        let response = client.get(&url).bearer_auth(own).send().await.unwrap();
        assert_eq!(
            response.status(),
            404,
            "{name}: a valid token passes the gate to routing"
        );
    }
    platform.stop().await;
}
