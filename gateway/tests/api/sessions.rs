//! Sessions: sign-in issues tokens and cookies; bearer and cookie both work; refresh rotates;
//! bad tokens are 401; cookie requests need an allowed origin.

use mercato_common::testing::{TestKeys, caller};
use serde_json::json;

use crate::helpers::{Options, read, start_gateway, start_upstream};

const ORIGIN: &str = "https://app.mercato.test";

#[tokio::test]
async fn sign_in_sets_cookies_and_both_cookie_and_bearer_sessions_work() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;

    let (status, headers, body) = read(
        gateway
            .client
            .post(gateway.url("/api/v1/auth/signin"))
            .json(&json!({"login": "alice", "password": "pw"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let cookies: Vec<String> = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let access = body["access_token"].as_str().unwrap().to_owned();

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["username"], "alice");
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("mercato_access={access};"))
                && c.contains("HttpOnly")
                && c.contains("SameSite=Lax")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("mercato_refresh=refresh-") && c.contains("Path=/api/v1/auth")),
        "{cookies:?}"
    );

    let (_, _, by_bearer) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/buyers/me"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, _, by_cookie) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/buyers/me"))
            .header("cookie", format!("mercato_access={access}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    for seen in [by_bearer, by_cookie] {
        let internal = seen["headers"]["authorization"]
            .as_str()
            .unwrap()
            .strip_prefix("Bearer ")
            .unwrap()
            .to_owned();
        assert_eq!(
            gateway
                .keys
                .verifier("users")
                .verify(&internal)
                .unwrap()
                .caller
                .unwrap()
                .username,
            "alice"
        );
        assert!(
            seen["headers"].get("cookie").is_none(),
            "cookies never reach a service"
        );
    }
}

#[tokio::test]
async fn refresh_hands_the_cookie_to_auth_and_rotates_the_cookies_and_signout_clears_them() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;

    let (status, headers, body) = read(
        gateway
            .client
            .post(gateway.url("/api/v1/auth/refresh"))
            .header("cookie", "mercato_refresh=old-token")
            .header("origin", ORIGIN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let set: Vec<String> = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();

    assert_eq!(status, 200);
    assert_eq!(body["received"], json!({"refresh_token": "old-token"}));
    let access = body["access_token"].as_str().unwrap();
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_ne!(refresh, "old-token");
    assert_eq!(
        set,
        [
            format!("mercato_access={access}; Path=/; Max-Age=900; HttpOnly; SameSite=Lax"),
            format!(
                "mercato_refresh={refresh}; Path=/api/v1/auth; Max-Age=3600; HttpOnly; SameSite=Lax"
            ),
        ],
        "both cookies carry the rotated tokens"
    );

    let response = gateway
        .client
        .post(gateway.url("/api/v1/auth/signout"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    let cleared: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(response.status(), 204);
    // Each is cleared on the path it was set on, or a browser would keep it.
    assert_eq!(
        cleared,
        [
            "mercato_access=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            "mercato_refresh=; Path=/api/v1/auth; Max-Age=0; HttpOnly; SameSite=Lax",
        ]
    );
}

#[tokio::test]
async fn expired_forged_or_garbage_access_tokens_get_401() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let alice = caller("alice", true);
    let expired = gateway.keys.expired_user_token(&alice);
    let forged = TestKeys::new().minter().mint_user_token(&alice).unwrap();
    let internal = gateway.keys.internal_token("users", Some(&alice));

    for (what, token) in [
        ("expired", expired),
        ("forged", forged),
        ("an internal token", internal),
        ("garbage", "x.y.z".to_owned()),
    ] {
        for path in ["/api/v1/buyers/me", "/api/v1/sellers/random"] {
            let (status, _, body) = read(
                gateway
                    .client
                    .get(gateway.url(path))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, 401, "{what} on {path}");
            assert_eq!(body["error"]["code"], "invalid_token", "{what} on {path}");
        }
    }
    let (status, _, _) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/buyers/me"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "signed-in routes need a caller");
}

#[tokio::test]
async fn a_cookie_session_needs_an_allowed_origin_for_unsafe_methods() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let access = gateway
        .keys
        .minter()
        .mint_user_token(&caller("alice", true))
        .unwrap();
    let cookie = format!("mercato_access={access}");
    let post = |origin: Option<&str>| {
        let mut request = gateway
            .client
            .post(gateway.url("/api/v1/gigs"))
            .header("cookie", &cookie)
            .json(&json!({"title": "x"}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };

    let (missing, _, body) = read(post(None).await.unwrap()).await;
    let (foreign, _, _) = read(post(Some("https://evil.test")).await.unwrap()).await;
    let (allowed, _, _) = read(post(Some(ORIGIN)).await.unwrap()).await;
    let (bearer, _, _) = read(
        gateway
            .client
            .post(gateway.url("/api/v1/gigs"))
            .bearer_auth(&access)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (safe, _, _) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/buyers/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(
        (missing, body["error"]["code"].as_str()),
        (403, Some("csrf_rejected"))
    );
    assert_eq!(foreign, 403);
    assert_eq!((allowed, bearer, safe), (200, 200, 200));
}
