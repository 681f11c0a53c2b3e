//! What the tests' people do first: sign up, verify their email by its link, become a seller,
//! list a gig.

use std::time::Duration;

use mercato_common::testing::eventually;
use mercato_e2e::Platform;
use mercato_e2e::contract::send;
use serde_json::{Value, json};

/// Everyone's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Signs `username` up from the device `browser-1`; the session answer and its cookies.
pub async fn sign_up(
    platform: &Platform,
    client: &reqwest::Client,
    username: &str,
) -> (Value, Vec<String>) {
    let response = send(
        client
            .post(platform.gateway.url("/api/v1/auth/signup"))
            .json(&json!({"username": username, "email": format!("{username}@example.test"), "password": PASSWORD, "country": "DE", "device_id": "browser-1"})),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    let set = response.cookies();
    (response.body, set)
}

/// The token of the link to `https://mercato.test<path>?token=` in an email's text.
pub fn link_token(text: &str, path: &str) -> String {
    let prefix = format!("https://mercato.test{path}?token=");
    text.split_whitespace()
        .find_map(|word| word.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {path} link in {text}"))
        .to_owned()
}

/// Verifies `username`'s address by the link in the `nth` email the platform sent (from 1).
pub async fn verify_by_email(
    platform: &Platform,
    client: &reqwest::Client,
    username: &str,
    nth: usize,
) {
    let email = platform
        .mail
        .wait_for(nth, Duration::from_secs(60))
        .await
        .remove(nth - 1);
    assert_eq!(email.rcpt_to, vec![format!("{username}@example.test")]);
    let token = link_token(&email.text.unwrap_or_default(), "/verify-email");
    let verified = send(
        client
            .post(platform.gateway.url("/api/v1/auth/verify-email"))
            .json(&json!({"token": token})),
    )
    .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
}

/// Signs `username` up, verifies the address by the link in their email and signs in again;
/// their access token, minted after the verification so it says so. Sign people up one after
/// another: each one's email is the next the platform sends.
pub async fn verified_user(
    platform: &Platform,
    client: &reqwest::Client,
    username: &str,
) -> String {
    let before = platform.mail.emails().len();
    sign_up(platform, client, username).await;
    verify_by_email(platform, client, username, before + 1).await;
    let signin = send(
        client
            .post(platform.gateway.url("/api/v1/auth/signin"))
            .json(&json!({"login": username, "password": PASSWORD, "device_id": "browser-1"})),
    )
    .await;
    assert_eq!(signin.status, 200, "{}", signin.body);
    signin.body["access_token"]
        .as_str()
        .expect("a session has an access token")
        .to_owned()
}

/// A verified user (see [`verified_user`]) who became a seller; their access token.
pub async fn verified_seller(
    platform: &Platform,
    client: &reqwest::Client,
    username: &str,
) -> String {
    let access = verified_user(platform, client, username).await;
    let seller = send(
        client
            .post(platform.gateway.url("/api/v1/sellers"))
            .bearer_auth(&access)
            .json(&json!({
                "full_name": "Fuzz Tester",
                "one_liner": "I test what you build",
                "description": "Ten years of breaking web applications on purpose.",
                "languages": [{"language": "English", "level": "fluent"}],
                "skills": ["testing"],
                "response_time_hours": 24,
            })),
    )
    .await;
    assert_eq!(seller.status, 201, "{}", seller.body);
    access
}

/// A gig the seller with the access token `seller` lists (75.00, 4 days), once gigs has heard
/// of the seller (by events: until then it refuses); the gig.
pub async fn listed_gig(platform: &Platform, client: &reqwest::Client, seller: &str) -> Value {
    eventually("gigs to know the seller", Duration::from_secs(20), || async {
        let answer = send(
            client
                .post(platform.gateway.url("/api/v1/gigs"))
                .bearer_auth(seller)
                .json(&json!({
                    "title": "I will design a hand lettered logo",
                    "description": "Hand lettering turned into a crisp vector logo, with three concepts.",
                    "category": "graphics-design",
                    "sub_categories": ["logo-design"],
                    "tags": ["logo"],
                    "price": {"amount": 7500, "currency": "USD"},
                    "delivery_days": 4,
                })),
        )
        .await;
        (answer.status == 201).then_some(answer.body)
    })
    .await
}
