//! The hub gateways connect to: who may connect, what it delivers to whom, across replicas.

use mercato_common::realtime::{DELIVER, Delivery, PRESENCE, PresenceChange};
use mercato_common::testing::{TestKeys, TestSocket};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

/// A gateway's connection to the hub at `addr`.
async fn gateway(addr: std::net::SocketAddr, token: Option<String>) -> TestSocket {
    TestSocket::connect(
        &format!("http://{addr}"),
        token.map(|token| json!({"token": token})),
        &[],
    )
    .await
}

/// The next delivery the hub sent `gateway`.
async fn next(gateway: &mut TestSocket) -> Delivery {
    serde_json::from_value(gateway.next(DELIVER).await).unwrap()
}

#[tokio::test]
async fn only_a_gateway_token_for_chat_opens_the_hub() {
    let app = spawn_app().await;
    let refused = [
        None,
        Some(TestKeys::new().internal_token("chat", None)),
        Some(app.api.keys.internal_token("users", None)),
        Some("not.a.token".to_owned()),
    ];
    for token in refused {
        let mut gateway = gateway(app.addr, token.clone()).await;
        let outcome = gateway.outcome().await;
        assert!(outcome.is_err(), "{token:?} was let in");
        gateway.close().await;
    }
    let mut gateway = gateway(app.addr, Some(app.api.token(None))).await;
    assert_eq!(gateway.outcome().await, Ok(()));
    gateway.close().await;
    app.stop().await;
}

#[tokio::test]
async fn messages_reads_and_offer_changes_go_to_both_participants_and_presence_to_partners_only() {
    let app = spawn_app().await;
    let [ann, bob, eve] = app.users(["ann", "bob", "eve"]).await;
    let gig = app.gig(&bob, "A logo").await;
    let conversation = app.open(&ann, &bob, Some(gig)).await;
    let id = conversation["id"].as_str().unwrap();
    app.open(&eve, &ann, None).await;
    let mut gateway = gateway(app.addr, Some(app.api.token(None))).await;
    assert_eq!(gateway.outcome().await, Ok(()));

    let both = {
        let mut both = vec![ann.user_id, bob.user_id];
        both.sort();
        both
    };
    let sorted = |mut to: Vec<Uuid>| {
        to.sort();
        to
    };
    let sent = app.say(&ann, id, "hello bob").await;
    let delivery = next(&mut gateway).await;
    assert_eq!(delivery.event, "message:received");
    assert_eq!(sorted(delivery.to), both);
    assert_eq!(delivery.data, sent, "the message as the API answered it");

    app.post(
        &format!("/v1/conversations/{id}/read"),
        &bob,
        &json!({"up_to_seq": 1}),
    )
    .await;
    let delivery = next(&mut gateway).await;
    assert_eq!(delivery.event, "message:updated");
    assert_eq!(delivery.data["kind"], "read");
    assert_eq!(delivery.data["reader_id"], bob.user_id.to_string());

    let (status, offered) = app
        .post(
            &format!("/v1/conversations/{id}/messages"),
            &bob,
            &json!({"offer": {"description": "A logo", "price": 9_000, "delivery_days": 2,
                "expires_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339()}}),
        )
        .await;
    assert_eq!(status, 201, "{offered}");
    let delivery = next(&mut gateway).await;
    assert_eq!(delivery.data["offer"]["status"], "pending");
    let offer = offered["offer"]["id"].as_str().unwrap();
    app.post(&format!("/v1/offers/{offer}/accept"), &ann, &json!({}))
        .await;
    let delivery = next(&mut gateway).await;
    assert_eq!(delivery.event, "message:updated");
    assert_eq!(sorted(delivery.to), both);
    assert_eq!(delivery.data["kind"], "offer");
    assert_eq!(delivery.data["offer"]["status"], "accepted");

    // Bob comes online: only his partner hears of it (ann), not eve.
    gateway
        .client
        .emit(
            PRESENCE,
            serde_json::to_value(PresenceChange {
                user_id: bob.user_id,
                online: true,
            })
            .unwrap(),
        )
        .await
        .unwrap();
    let delivery = next(&mut gateway).await;
    assert_eq!(delivery.event, "presence");
    assert_eq!(delivery.to, vec![ann.user_id]);
    assert_eq!(
        delivery.data,
        json!({"user_id": bob.user_id, "online": true})
    );
    gateway.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_message_sent_through_either_replica_reaches_a_gateway_on_the_other_exactly_once() {
    let app = spawn_app().await;
    let [ann, bob] = app.users(["ann", "bob"]).await;
    let conversation = app.open(&ann, &bob, None).await;
    let id = conversation["id"].as_str().unwrap().to_owned();
    let replica = app.replica().await;
    let mut on_first = gateway(app.addr, Some(app.api.token(None))).await;
    let mut on_second = gateway(replica.addr, Some(app.api.token(None))).await;
    assert_eq!(on_first.outcome().await, Ok(()));
    assert_eq!(on_second.outcome().await, Ok(()));

    const SENDS: usize = 100;
    for i in 0..SENDS {
        let (api, who) = if i % 2 == 0 {
            (&app.api, &ann)
        } else {
            (&replica.api, &bob)
        };
        let (status, body) = api
            .post(
                &format!("/v1/conversations/{id}/messages"),
                who,
                &json!({"body": format!("m{i}")}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    for mut gateway in [on_first, on_second] {
        let mut seen = Vec::new();
        for _ in 0..SENDS {
            seen.push(next(&mut gateway).await.data["seq"].as_i64().unwrap());
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=SENDS as i64).collect::<Vec<_>>(), "each once");
        // A duplicate would have taken the place of a later message above, or wait here.
        assert!(gateway.drain().iter().all(|(event, _)| event != DELIVER));
        gateway.close().await;
    }
    replica.stop().await;
    app.stop().await;
}
