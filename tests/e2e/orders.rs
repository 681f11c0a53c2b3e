//! Orders through the gateway, as a buyer and a seller live them: a custom offer accepted in
//! chat becomes an order at the offer's price, paid in the sandbox, extended, delivered and
//! completed, with each step arriving live on the other party's socket, counted in the users
//! service, and emailed to the right person once; and a broker restart in the middle of
//! placements that loses and duplicates nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use mercato_common::testing::{TestSocket, eventually, rabbitmqctl};
use mercato_e2e::Platform;
use mercato_e2e::contract::send;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::chat::{post, seller_buyer_and_conversation};
use crate::people::{listed_gig, verified_seller, verified_user};

/// Places an order of `body` as `buyer` through the gateway, once orders knows what it
/// names; the order.
pub(crate) async fn place(
    platform: &Platform,
    client: &reqwest::Client,
    buyer: &str,
    body: Value,
) -> Value {
    let key = Uuid::now_v7().to_string();
    eventually(
        "orders to know what is ordered",
        Duration::from_secs(20),
        || async {
            let answer = send(
                client
                    .post(platform.gateway.url("/api/v1/orders"))
                    .bearer_auth(buyer)
                    .header("Idempotency-Key", &key)
                    .json(&body),
            )
            .await;
            (answer.status == 201).then_some(answer.body)
        },
    )
    .await
}

/// Pays `order` in the sandbox as `buyer`; the order after.
pub(crate) async fn pay(
    platform: &Platform,
    client: &reqwest::Client,
    buyer: &str,
    order: &Value,
) -> Value {
    let url = order["payment"]["confirmation_url"]
        .as_str()
        .expect("a sandbox order has a confirmation URL");
    let path = url
        .strip_prefix("https://mercato.test")
        .expect("the confirmation URL is the platform's");
    let answer = send(
        client
            .post(platform.gateway.url(path))
            .bearer_auth(buyer)
            .json(&json!({"card_number": "4242424242424242"})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// The `kind` of the next `order:notification` on `socket`.
async fn next_alert(socket: &mut TestSocket) -> String {
    socket.next("order:notification").await["kind"]
        .as_str()
        .expect("a notification has a kind")
        .to_owned()
}

/// The profile of the seller `sam` as he sees it himself, once `check` holds for it.
async fn seller_profile_when(
    platform: &Platform,
    client: &reqwest::Client,
    seller: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    eventually(what, Duration::from_secs(20), || async {
        let answer = send(
            client
                .get(platform.gateway.url("/api/v1/sellers/by-username/sam"))
                .bearer_auth(seller),
        )
        .await;
        (answer.status == 200 && check(&answer.body)).then_some(answer.body)
    })
    .await
}

#[tokio::test]
async fn an_offer_becomes_a_paid_order_that_both_parties_take_to_completion_live() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let (seller, buyer, conversation) = seller_buyer_and_conversation(&platform, &client).await;
    let id = conversation["id"].as_str().unwrap();
    let base = platform.gateway.url("");
    let mut sam = TestSocket::admitted(&base, &seller).await;
    let mut bea = TestSocket::admitted(&base, &buyer).await;
    let emails_before = platform.mail.emails().len();

    let offer = post(
        &platform,
        &client,
        &seller,
        &format!("/conversations/{id}/messages"),
        json!({"offer": {
            "description": "A mascot and the logo, with sources",
            "price": 12_000,
            "delivery_days": 6,
            "expires_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
        }}),
    )
    .await;
    let offer_id = offer["offer"]["id"].as_str().unwrap();
    post(
        &platform,
        &client,
        &buyer,
        &format!("/offers/{offer_id}/accept"),
        json!({}),
    )
    .await;
    let order = place(
        &platform,
        &client,
        &buyer,
        json!({"offer_id": offer_id, "requirements": "The bakery's name is Crumbs"}),
    )
    .await;
    assert_eq!(
        order["price"]["amount"], 12_000,
        "the offer's price, not the gig's"
    );
    assert_eq!(order["total"]["amount"], 12_000 + 660);
    let order_id = order["id"].as_str().unwrap().to_owned();

    let paid = pay(&platform, &client, &buyer, &order).await;
    assert_eq!(paid["status"], "in_progress");
    assert_eq!(next_alert(&mut sam).await, "order_placed");
    assert_eq!(next_alert(&mut bea).await, "payment_confirmed");
    seller_profile_when(&platform, &client, &seller, "one ongoing job", |s| {
        s["ongoing_jobs"] == 1
    })
    .await;

    let step = |who: &str, action: &str, body: Value| {
        let path = format!("/orders/{order_id}/{action}");
        let who = who.to_owned();
        let platform = &platform;
        let client = &client;
        async move { post(platform, client, &who, &path, body).await }
    };
    let asked = step(
        &seller,
        "extensions",
        json!({"days": 2, "reason": "The mascot takes longer"}),
    )
    .await;
    assert_eq!(next_alert(&mut bea).await, "extension_requested");
    let extension = asked["extensions"][0]["id"].as_str().unwrap();
    step(
        &buyer,
        &format!("extensions/{extension}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(next_alert(&mut sam).await, "extension_resolved");
    step(&seller, "deliveries", json!({"message": "Here they are"})).await;
    assert_eq!(next_alert(&mut bea).await, "order_delivered");
    let completed = step(&buyer, "complete", json!({})).await;
    assert_eq!(completed["status"], "completed");
    assert_eq!(next_alert(&mut sam).await, "order_completed");

    let profile = seller_profile_when(&platform, &client, &seller, "the completed job", |s| {
        s["completed_jobs"] == 1
    })
    .await;
    assert_eq!(profile["ongoing_jobs"], 0);
    assert_eq!(
        profile["total_earnings"],
        json!([{"amount": 12_000, "currency": "USD"}])
    );
    let purchases = send(
        client
            .get(platform.gateway.url("/api/v1/buyers/me"))
            .bearer_auth(&buyer),
    )
    .await;
    assert_eq!(
        purchases.body["purchased_gigs"],
        json!([order["gig"]["id"]])
    );
    // Nothing arrived for the wrong person: each socket's notifications are all its own.
    let sams = send(
        client
            .get(platform.gateway.url("/api/v1/notifications"))
            .bearer_auth(&seller),
    )
    .await;
    let kinds: Vec<&str> = sams.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["order_completed", "extension_resolved", "order_placed"]
    );

    // Every email of the order, once, to the right person.
    let emails = platform
        .mail
        .wait_for(emails_before + 7, Duration::from_secs(60))
        .await;
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for email in &emails[emails_before..] {
        got.entry(email.rcpt_to.join(","))
            .or_default()
            .push(email.subject.clone());
    }
    let sam_subjects = &got["sam@example.test"];
    let bea_subjects = &got["bea@example.test"];
    let count =
        |subjects: &[String], start: &str| subjects.iter().filter(|s| s.starts_with(start)).count();
    assert_eq!(
        count(bea_subjects, "sam sent you a custom offer"),
        1,
        "{got:?}"
    );
    assert_eq!(count(sam_subjects, "New order from bea"), 1, "{got:?}");
    assert_eq!(count(bea_subjects, "Your receipt for"), 1, "{got:?}");
    assert_eq!(
        count(bea_subjects, "sam asks for 2 more days"),
        1,
        "{got:?}"
    );
    assert_eq!(count(sam_subjects, "Extension approved"), 1, "{got:?}");
    assert_eq!(
        count(bea_subjects, "sam delivered your order"),
        1,
        "{got:?}"
    );
    assert_eq!(
        count(sam_subjects, "Order completed: you earned"),
        1,
        "{got:?}"
    );
    platform.stop().await;
}

#[tokio::test]
async fn only_the_parties_see_an_order_through_the_gateway() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let (_seller, buyer, conversation) = seller_buyer_and_conversation(&platform, &client).await;
    let stranger = verified_user(&platform, &client, "eve").await;
    let order = place(
        &platform,
        &client,
        &buyer,
        json!({"gig_id": conversation["gig"]["id"], "requirements": "A logo"}),
    )
    .await;
    let id = order["id"].as_str().unwrap();

    let theirs = send(
        client
            .get(platform.gateway.url(&format!("/api/v1/orders/{id}")))
            .bearer_auth(&stranger),
    )
    .await;
    let anonymous = send(client.get(platform.gateway.url(&format!("/api/v1/orders/{id}")))).await;
    let price = send(
        client
            .post(platform.gateway.url("/api/v1/orders"))
            .bearer_auth(&buyer)
            .header("Idempotency-Key", "tampered")
            .json(&json!({"gig_id": conversation["gig"]["id"], "requirements": "A logo", "price": {"amount": 1, "currency": "USD"}})),
    )
    .await;

    assert_eq!(theirs.status, 404);
    assert_eq!(anonymous.status, 401);
    assert_eq!(price.status, 422, "{}", price.body);
    platform.stop().await;
}

/// Restarts the local RabbitMQ, so scripts/test.sh runs it alone after every other test (its
/// name starts with `broker_restart`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_during_placements_loses_and_duplicates_nothing() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let seller = verified_seller(&platform, &client, "sam").await;
    let buyer = verified_user(&platform, &client, "bea").await;
    let gig = listed_gig(&platform, &client, &seller).await;
    let emails_before = platform.mail.emails().len();

    const ORDERS: usize = 12;
    for n in 0..ORDERS {
        if n == 4 {
            rabbitmqctl(&["stop_app"]);
        }
        if n == 8 {
            rabbitmqctl(&["start_app"]);
            rabbitmqctl(&["await_startup"]);
        }
        let order = place(
            &platform,
            &client,
            &buyer,
            json!({"gig_id": gig["id"], "requirements": format!("Logo number {n}")}),
        )
        .await;
        assert_eq!(
            pay(&platform, &client, &buyer, &order).await["status"],
            "in_progress"
        );
    }

    // users counted each placement once: none lost while the broker was away, none twice
    // after it came back.
    let profile = seller_profile_when(&platform, &client, &seller, "every order counted", |s| {
        s["ongoing_jobs"].as_i64() >= Some(ORDERS as i64)
    })
    .await;
    assert_eq!(profile["ongoing_jobs"], ORDERS);
    let emails = platform
        .mail
        .wait_for(emails_before + 2 * ORDERS, Duration::from_secs(60))
        .await;
    let receipts = emails[emails_before..]
        .iter()
        .filter(|e| e.subject.starts_with("Your receipt for"))
        .count();
    let new_orders = emails[emails_before..]
        .iter()
        .filter(|e| e.subject.starts_with("New order from bea"))
        .count();
    assert_eq!((receipts, new_orders), (ORDERS, ORDERS));
    platform.stop().await;
}
