//! Chat through the gateway, as people use it: conversations, messages and offers over HTTP,
//! and what happens arriving live on their sockets (the Rust client and python-socketio),
//! with several gateway and chat replicas, and across a gateway restart.

use std::time::Duration;

use mercato_common::testing::{TestSocket, eventually};
use mercato_e2e::Platform;
use mercato_e2e::contract::send;
use mercato_e2e::pysocket::PySocket;
use serde_json::{Value, json};

use crate::people::{listed_gig, verified_seller, verified_user};

/// A seller with a gig and a buyer in a conversation about it: (seller's token, buyer's
/// token, the conversation as the buyer sees it).
pub(crate) async fn seller_buyer_and_conversation(
    platform: &Platform,
    client: &reqwest::Client,
) -> (String, String, Value) {
    let seller = verified_seller(platform, client, "sam").await;
    let buyer = verified_user(platform, client, "bea").await;
    let gig = listed_gig(platform, client, &seller).await;
    let conversation = eventually(
        "chat to know the seller and gig",
        Duration::from_secs(20),
        || async {
            let answer = send(
                client
                    .post(platform.gateway.url("/api/v1/conversations"))
                    .bearer_auth(&buyer)
                    .json(&json!({"with_username": "sam", "gig_id": gig["id"]})),
            )
            .await;
            (answer.status == 201).then_some(answer.body)
        },
    )
    .await;
    (seller, buyer, conversation)
}

pub(crate) async fn post(
    platform: &Platform,
    client: &reqwest::Client,
    token: &str,
    path: &str,
    body: Value,
) -> Value {
    let answer = send(
        client
            .post(platform.gateway.url(&format!("/api/v1{path}")))
            .bearer_auth(token)
            .json(&body),
    )
    .await;
    assert!(
        answer.status == 200 || answer.status == 201,
        "{path}: {} {}",
        answer.status,
        answer.body
    );
    answer.body
}

#[tokio::test]
async fn a_conversation_live_on_both_sides_and_nothing_of_it_for_a_stranger() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let (seller, buyer, conversation) = seller_buyer_and_conversation(&platform, &client).await;
    let stranger = verified_user(&platform, &client, "eve").await;
    let id = conversation["id"].as_str().unwrap();
    let seller_id = conversation["partner"]["user_id"].clone();
    let base = platform.gateway.url("");

    // The buyer has two tabs, one of them python-socketio; the stranger is online too.
    let mut tab = TestSocket::admitted(&base, &buyer).await;
    let mut py_tab = PySocket::connect(&base, &buyer);
    py_tab.admitted().await;
    let mut eve = TestSocket::admitted(&base, &stranger).await;
    let mut sam = TestSocket::admitted(&base, &seller).await;

    // The seller came online: his conversation partner hears of it.
    for presence in [tab.next("presence").await, py_tab.next("presence").await] {
        assert_eq!(presence, json!({"user_id": seller_id, "online": true}));
    }

    let sent = post(
        &platform,
        &client,
        &buyer,
        &format!("/conversations/{id}/messages"),
        json!({"body": "Hi Sam, can you do a mascot too?"}),
    )
    .await;
    assert_eq!(sam.next("message:received").await, sent);
    assert_eq!(
        tab.next("message:received").await,
        sent,
        "the sender's other tabs see it too"
    );
    assert_eq!(py_tab.next("message:received").await, sent);

    let offered = post(
        &platform,
        &client,
        &seller,
        &format!("/conversations/{id}/messages"),
        json!({"offer": {
            "description": "Logo and mascot, three concepts each",
            "price": 15_000,
            "delivery_days": 6,
            "expires_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
        }}),
    )
    .await;
    let received = py_tab.next("message:received").await;
    assert_eq!(received["offer"]["status"], "pending");
    assert_eq!(tab.next("message:received").await, offered);
    let offer = offered["offer"]["id"].as_str().unwrap();
    let accepted = post(
        &platform,
        &client,
        &buyer,
        &format!("/offers/{offer}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(accepted["status"], "accepted");
    let update = sam.next("message:updated").await;
    assert_eq!(
        (update["kind"].as_str(), update["offer"]["status"].as_str()),
        (Some("offer"), Some("accepted"))
    );

    let read = post(
        &platform,
        &client,
        &seller,
        &format!("/conversations/{id}/read"),
        json!({"up_to_seq": 1}),
    )
    .await;
    // The buyer's tab had the offer's update first; the read mark comes after it.
    let update = loop {
        let update = tab.next("message:updated").await;
        if update["kind"] == "read" {
            break update;
        }
    };
    assert_eq!(update["read_up_to"], read["read_up_to"]);

    // The seller leaves: the buyer's tabs hear it.
    sam.close().await;
    assert_eq!(
        tab.next("presence").await,
        json!({"user_id": seller_id, "online": false})
    );
    assert_eq!(py_tab.next("presence").await["online"], false);

    // The stranger heard nothing of it, and the API shows them nothing.
    let heard: Vec<String> = eve.drain().into_iter().map(|(event, _)| event).collect();
    assert!(heard.is_empty(), "the stranger heard {heard:?}");
    let peek = send(
        client
            .get(
                platform
                    .gateway
                    .url(&format!("/api/v1/conversations/{id}/messages")),
            )
            .bearer_auth(&stranger),
    )
    .await;
    assert_eq!(peek.status, 404);
    tab.close().await;
    eve.close().await;
    py_tab.close().await;
    platform.stop().await;
}

#[tokio::test]
async fn with_two_gateways_and_two_chat_replicas_every_message_reaches_each_socket_once() {
    let mut platform = Platform::start_with_gateway_flags(&["--rate-limit-per-ip=1000000"]).await;
    let client = reqwest::Client::new();
    let (seller, buyer, conversation) = seller_buyer_and_conversation(&platform, &client).await;
    let id = conversation["id"].as_str().unwrap().to_owned();
    let second = platform.second_gateway_and_chat().await;
    let first = platform.gateway.url("");
    let second = format!("http://{second}");
    let mut bea = TestSocket::admitted(&first, &buyer).await;
    let mut sam = TestSocket::admitted(&second, &seller).await;

    const MESSAGES: i64 = 1_000;
    for i in 0..MESSAGES {
        let (base, token) = if i % 2 == 0 {
            (&first, &buyer)
        } else {
            (&second, &seller)
        };
        let answer = client
            .post(format!("{base}/api/v1/conversations/{id}/messages"))
            .bearer_auth(token)
            .json(&json!({"body": format!("message {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201, "message {i}");
    }
    for socket in [&mut bea, &mut sam] {
        let mut seen = Vec::new();
        for _ in 0..MESSAGES {
            seen.push(
                socket.next("message:received").await["seq"]
                    .as_i64()
                    .unwrap(),
            );
        }
        seen.sort_unstable();
        assert_eq!(
            seen,
            (1..=MESSAGES).collect::<Vec<_>>(),
            "each message once"
        );
        let more: Vec<_> = socket
            .drain()
            .into_iter()
            .filter(|(e, _)| e == "message:received")
            .collect();
        assert!(more.is_empty(), "duplicates: {more:?}");
    }
    bea.close().await;
    sam.close().await;
    platform.stop().await;
}

#[tokio::test]
async fn after_a_gateway_restart_sockets_reconnect_and_receive_what_is_sent_after() {
    let mut platform = Platform::start().await;
    let client = reqwest::Client::new();
    let (seller, buyer, conversation) = seller_buyer_and_conversation(&platform, &client).await;
    let id = conversation["id"].as_str().unwrap().to_owned();
    let mut bea = PySocket::connect(&platform.gateway.url(""), &buyer);
    bea.admitted().await;

    platform.restart_gateway().await;
    bea.next("disconnect").await;
    bea.next("connect").await;
    // The new gateway reaches chat's hub on its own shortly after it starts; a message sent
    // from then on arrives. Until then one may be missed, as real time promises no more.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let arrived = 'sending: loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing arrived after the restart"
        );
        let sent = post(
            &platform,
            &client,
            &seller,
            &format!("/conversations/{id}/messages"),
            json!({"body": "still there?"}),
        )
        .await;
        while let Some(received) = bea
            .next_within("message:received", Duration::from_secs(1))
            .await
        {
            if received["seq"] == sent["seq"] {
                break 'sending received;
            }
        }
    };
    assert_eq!(arrived["body"], "still there?");
    bea.close().await;
    platform.stop().await;
}
