//! In-app notifications: stored for the party each step concerns, listed with the unread
//! count, marked read only by their recipient, and pushed in real time through the hub.

use mercato_common::realtime::{DELIVER, Delivery};
use mercato_common::testing::TestSocket;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn each_step_notifies_the_other_party_who_reads_them_alone() {
    let app = spawn_app().await;
    let [buyer, seller, stranger] = app.users(["pia", "sam", "tom"]).await;
    let id = app.paid(&buyer, &seller).await;
    app.step(
        &seller,
        &id,
        "extensions",
        &json!({"days": 1, "reason": "x"}),
    )
    .await;
    app.step(&seller, &id, "deliveries", &json!({"message": "Done"}))
        .await;

    let (_, sellers) = app.get("/v1/notifications", &seller).await;
    let (_, buyers) = app.get("/v1/notifications", &buyer).await;

    let kinds = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kinds(&sellers), ["order_placed"]);
    assert_eq!(
        kinds(&buyers),
        [
            "order_delivered",
            "extension_requested",
            "payment_confirmed"
        ]
    );
    assert_eq!(buyers["unread_count"], 3);
    assert!(
        buyers["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sam delivered")
    );
    let alert = buyers["items"][0]["id"].as_str().unwrap();

    let (theirs, _) = app
        .post(
            &format!("/v1/notifications/{alert}/read"),
            &stranger,
            &json!({}),
        )
        .await;
    let (sellers_try, _) = app
        .post(
            &format!("/v1/notifications/{alert}/read"),
            &seller,
            &json!({}),
        )
        .await;
    let (status, read) = app
        .post(
            &format!("/v1/notifications/{alert}/read"),
            &buyer,
            &json!({}),
        )
        .await;
    let (_, again) = app
        .post(
            &format!("/v1/notifications/{alert}/read"),
            &buyer,
            &json!({}),
        )
        .await;

    assert_eq!((theirs, sellers_try), (404, 404));
    assert_eq!(status, 200);
    assert!(read["read_at"].is_string());
    assert_eq!(
        again["read_at"], read["read_at"],
        "reading twice keeps the first time"
    );
    let (_, unread) = app.get("/v1/notifications?unread=true", &buyer).await;
    assert_eq!(unread["unread_count"], 2);
    assert_eq!(kinds(&unread), ["extension_requested", "payment_confirmed"]);
    let (_, page) = app.get("/v1/notifications?limit=1", &buyer).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = app
        .get(
            &format!("/v1/notifications?limit=1&cursor={cursor}"),
            &buyer,
        )
        .await;
    assert_eq!(kinds(&next), ["extension_requested"]);
    app.stop().await;
}

#[tokio::test]
async fn a_notification_is_pushed_to_its_recipient_through_the_hub() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let mut gateway = TestSocket::admitted(
        &format!("http://{}", app.addr),
        &app.api.keys.internal_token("orders", None),
    )
    .await;
    let id = app.paid(&buyer, &seller).await;
    // The payment's two alerts come first: the seller's, then the buyer's.
    for (to, kind) in [
        (seller.user_id, "order_placed"),
        (buyer.user_id, "payment_confirmed"),
    ] {
        let delivery: Delivery = serde_json::from_value(gateway.next(DELIVER).await).unwrap();
        assert_eq!(
            (delivery.to, delivery.data["kind"].clone()),
            (vec![to], json!(kind))
        );
    }

    app.step(&seller, &id, "deliveries", &json!({"message": "Done"}))
        .await;

    let delivery: Delivery = serde_json::from_value(gateway.next(DELIVER).await).unwrap();
    assert_eq!(delivery.event, "order:notification");
    assert_eq!(delivery.to, [buyer.user_id]);
    assert_eq!(delivery.data["kind"], "order_delivered");
    assert_eq!(delivery.data["order_id"], json!(id));
    let (_, stored) = app.get("/v1/notifications", &buyer).await;
    assert_eq!(stored["items"][0]["id"], delivery.data["id"]);
    app.stop().await;
}
