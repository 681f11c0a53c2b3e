//! The platform starts, every component answers its probes, and services accept only internal
//! tokens minted by the gateway's published key for them.

use std::time::Duration;

use mercato_common::testing::{caller, eventually};
use mercato_e2e::Platform;
use serde_json::Value;

#[tokio::test]
async fn every_component_is_alive_and_ready() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();

    for component in std::iter::once(&platform.gateway).chain(&platform.services) {
        for probe in ["/healthz", "/metrics"] {
            let response = client.get(component.url(probe)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{} {probe}", component.name);
        }
        // A consuming service turns ready once its consumer is attached to the queue.
        eventually(
            &format!("{} to be ready", component.name),
            Duration::from_secs(15),
            || async {
                let status = client
                    .get(component.url("/readyz"))
                    .send()
                    .await
                    .ok()?
                    .status();
                (status == 200).then_some(())
            },
        )
        .await;
    }
    platform.stop().await;
}

#[tokio::test]
async fn services_refuse_requests_without_a_token_for_them() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let alice = caller("alice", true);
    let user_token = platform.keys.minter().mint_user_token(&alice).unwrap();

    for service in &platform.services {
        let url = service.url("/v1/anything");
        let other = if service.name == "auth" {
            "users"
        } else {
            "auth"
        };
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
            assert_eq!(response.status(), 401, "{} with {what}", service.name);
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["error"]["code"], "unauthorized",
                "{} with {what}",
                service.name
            );
            assert!(
                body["error"]["request_id"].is_string(),
                "{} with {what}",
                service.name
            );
        }

        let own = platform.keys.internal_token(service.name, Some(&alice));
        let response = client.get(&url).bearer_auth(own).send().await.unwrap();
        assert_eq!(
            response.status(),
            404,
            "{}: a valid token passes the gate to routing",
            service.name
        );
    }
    platform.stop().await;
}
