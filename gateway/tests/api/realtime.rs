//! The browsers' Socket.IO endpoint: who it admits, and how long.

use std::time::Duration;

use mercato_common::testing::{TestKeys, TestSocket, caller};
use mercato_gateway::limits::Clock;
use serde_json::json;

use crate::helpers::{Options, start_gateway, start_upstream};

#[tokio::test]
async fn a_socket_without_a_valid_access_token_is_refused() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let base = gateway.url("");
    let ann = caller("ann", true);
    let internal = gateway.keys.internal_token("chat", Some(&ann));
    let forged = TestKeys::new().minter().mint_user_token(&ann).unwrap();
    for (auth, why) in [
        (None, "no token"),
        (Some(json!({"token": "not.a.token"})), "garbage"),
        (Some(json!({"token": forged})), "signed by another key"),
        (Some(json!({"token": internal})), "an internal token"),
        (Some(json!({"other": 1})), "no token field"),
    ] {
        let mut socket = TestSocket::connect(&base, auth, &[]).await;
        assert!(socket.outcome().await.is_err(), "{why} was admitted");
        socket.close().await;
    }
    let token = gateway.keys.minter().mint_user_token(&ann).unwrap();
    let socket = TestSocket::admitted(&base, &token).await;
    socket.close().await;
}

#[tokio::test]
async fn the_session_cookie_opens_a_socket_only_from_an_allowed_origin() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let base = gateway.url("");
    let token = gateway
        .keys
        .minter()
        .mint_user_token(&caller("ann", true))
        .unwrap();
    let cookie = format!("mercato_access={token}");
    let mut from_elsewhere = TestSocket::connect(
        &base,
        None,
        &[("Cookie", &cookie), ("Origin", "https://evil.example")],
    )
    .await;
    assert!(from_elsewhere.outcome().await.is_err());
    from_elsewhere.close().await;
    let mut from_the_app = TestSocket::connect(
        &base,
        None,
        &[("Cookie", &cookie), ("Origin", "https://app.mercato.test")],
    )
    .await;
    assert_eq!(from_the_app.outcome().await, Ok(()));
    from_the_app.close().await;
}

#[tokio::test]
async fn a_socket_is_told_its_session_expired_and_closed_unless_it_sent_a_fresh_token() {
    let upstream = start_upstream().await;
    let clock = Clock::manual_now();
    let mut options = Options::new(&upstream);
    options.clock = clock.clone();
    let keys = options.keys.clone();
    let gateway = start_gateway(options).await;
    let base = gateway.url("");
    let ann = caller("ann", true);
    let minter = keys.minter().with_clock(clock.clone());
    let short = minter
        .clone()
        .with_user_token_ttl(Duration::from_secs(60))
        .mint_user_token(&ann)
        .unwrap();

    // One socket renews its session with a fresh token; the other does not.
    let mut renewed = TestSocket::admitted(&base, &short).await;
    let mut lapsing = TestSocket::admitted(&base, &short).await;
    let bob_token = minter.mint_user_token(&caller("bob", true)).unwrap();
    let answer = renewed
        .ask("authenticate", json!({"token": bob_token}))
        .await;
    assert_eq!(answer["ok"], false, "another user's token: {answer}");
    let fresh = minter
        .clone()
        .with_user_token_ttl(Duration::from_secs(900))
        .mint_user_token(&ann)
        .unwrap();
    let answer = renewed.ask("authenticate", json!({"token": fresh})).await;
    assert_eq!(answer["ok"], true, "{answer}");

    clock.advance(Duration::from_secs(61));
    let told = lapsing.next("session:expired").await;
    assert!(told["message"].as_str().unwrap().contains("expired"));
    lapsing.next("close").await;

    // The renewed socket is still open: it still answers, until its new token lapses too.
    let answer = renewed
        .ask("authenticate", json!({"token": "not.a.token"}))
        .await;
    assert_eq!(answer["ok"], false);
    clock.advance(Duration::from_secs(900));
    renewed.next("session:expired").await;
    renewed.close().await;
    lapsing.close().await;
}
