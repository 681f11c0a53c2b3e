//! What a user does, through the gateway only: sign up, get the email, verify, sign in with
//! cookies, refresh, sign out. Every answer is checked against the public API contract.

use std::time::Duration;

use mercato_common::testing::eventually;
use mercato_e2e::contract::{Answer, send};
use mercato_e2e::{ORIGIN, Platform};
use serde_json::json;

use crate::people::{PASSWORD, link_token, sign_up};

fn cookie(set: &[String], name: &str) -> String {
    set.iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .cloned()
        .unwrap_or_else(|| panic!("no {name} cookie in {set:?}"))
}

/// A browser's unsafe request: cookies, and the origin the gateway allows.
async fn post_from_browser(
    platform: &Platform,
    client: &reqwest::Client,
    path: &str,
    cookie: &str,
) -> Answer {
    send(
        client
            .post(platform.gateway.url(path))
            .header("cookie", cookie)
            .header("origin", ORIGIN),
    )
    .await
}

#[tokio::test]
async fn signing_up_creates_the_buyer_and_emails_a_verification_link_that_works() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();

    let (session, _) = sign_up(&platform, &client, "paula").await;
    let access = session["access_token"].as_str().unwrap().to_owned();
    let buyer = eventually("the buyer to exist", Duration::from_secs(20), || async {
        let response = send(
            client
                .get(platform.gateway.url("/api/v1/buyers/me"))
                .bearer_auth(&access),
        )
        .await;
        (response.status == 200).then_some(response.body)
    })
    .await;
    assert_eq!(buyer["username"], "paula");
    assert_eq!(buyer["email_verified"], false);

    let email = platform
        .mail
        .wait_for(1, Duration::from_secs(60))
        .await
        .remove(0);
    assert_eq!(email.rcpt_to, vec!["paula@example.test"]);
    assert_eq!(email.subject, "Confirm your email address");
    let token = link_token(&email.text.unwrap(), "/verify-email");
    let verified = send(
        client
            .post(platform.gateway.url("/api/v1/auth/verify-email"))
            .json(&json!({"token": token})),
    )
    .await;
    assert_eq!(verified.status, 200);
    assert_eq!(verified.body["user"]["email_verified"], true);

    eventually(
        "the buyer to be verified",
        Duration::from_secs(20),
        || async {
            let response = send(
                client
                    .get(platform.gateway.url("/api/v1/buyers/me"))
                    .bearer_auth(&access),
            )
            .await;
            (response.body["email_verified"] == true).then_some(())
        },
    )
    .await;
    platform.stop().await;
}

#[tokio::test]
async fn a_browser_signs_in_refreshes_and_signs_out_with_cookies() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    sign_up(&platform, &client, "quinn").await;

    let signin = send(
        client
            .post(platform.gateway.url("/api/v1/auth/signin"))
            .json(&json!({"login": "quinn", "password": PASSWORD, "device_id": "browser-1"})),
    )
    .await;
    assert_eq!(signin.status, 200);
    let set = signin.cookies();
    let (access, refresh) = (
        cookie(&set, "mercato_access"),
        cookie(&set, "mercato_refresh"),
    );

    let me = send(
        client
            .get(platform.gateway.url("/api/v1/auth/me"))
            .header("cookie", &access),
    )
    .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["username"], "quinn");

    let refreshed = post_from_browser(&platform, &client, "/api/v1/auth/refresh", &refresh).await;
    assert_eq!(refreshed.status, 200);
    let rotated = refreshed.cookies();
    let (new_access, new_refresh) = (
        cookie(&rotated, "mercato_access"),
        cookie(&rotated, "mercato_refresh"),
    );
    assert_ne!(new_refresh, refresh);

    let replay = post_from_browser(&platform, &client, "/api/v1/auth/refresh", &refresh).await;
    assert_eq!(replay.status, 401, "an old refresh token is refused");

    let me_again = send(
        client
            .get(platform.gateway.url("/api/v1/auth/me"))
            .header("cookie", &new_access),
    )
    .await;
    assert_eq!(me_again.status, 200, "the rotated access cookie works");

    let signout = post_from_browser(
        &platform,
        &client,
        "/api/v1/auth/signout",
        &format!("{new_access}; {new_refresh}"),
    )
    .await;
    assert_eq!(signout.status, 204);
    let mut cleared = signout.cookies();
    cleared.sort();
    assert_eq!(
        cleared,
        ["mercato_access=", "mercato_refresh="],
        "both cookies are cleared"
    );
    let after = post_from_browser(&platform, &client, "/api/v1/auth/refresh", &new_refresh).await;
    assert_eq!(after.status, 401, "the session ended on the server too");
    platform.stop().await;
}
