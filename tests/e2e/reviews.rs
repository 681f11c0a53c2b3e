//! Reviews through the gateway: an order completed, both parties review it, and the seller's
//! page, the gig, the buyer's profile and the lists show the ratings; the same
//! `review.created.v1` delivered again changes no aggregate; each reviewed person is emailed once.

use std::time::Duration;

use mercato_common::events::catalog::types::REVIEW_CREATED;
use mercato_common::testing::{ConsumerCounts, TestNames, eventually, scrape_metrics};
use mercato_e2e::Platform;
use mercato_e2e::contract::send;
use serde_json::{Value, json};

use crate::chat::post;
use crate::orders::{pay, place};
use crate::people::{listed_gig, verified_seller, verified_user};

/// `GET /api/v1<path>` (anonymous) once `check` holds for the answer.
async fn get_when(
    platform: &Platform,
    client: &reqwest::Client,
    path: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    eventually(what, Duration::from_secs(20), || async {
        let answer = send(client.get(platform.gateway.url(&format!("/api/v1{path}")))).await;
        (answer.status == 200 && check(&answer.body)).then_some(answer.body)
    })
    .await
}

/// Reviews `order` as `who`, once reviews has heard the order completed.
async fn review(
    platform: &Platform,
    client: &reqwest::Client,
    who: &str,
    order: &str,
    rating: i32,
) -> Value {
    eventually("reviews to hear of the completion", Duration::from_secs(20), || async {
        let answer = send(
            client
                .post(platform.gateway.url("/api/v1/reviews"))
                .bearer_auth(who)
                .json(&json!({"order_id": order, "rating": rating, "text": "Clear, quick and friendly."})),
        )
        .await;
        (answer.status == 201).then_some(answer.body)
    })
    .await
}

#[tokio::test]
async fn both_parties_review_a_completed_order_and_every_page_shows_the_ratings_once() {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let seller = verified_seller(&platform, &client, "sam").await;
    let buyer = verified_user(&platform, &client, "bea").await;
    let stranger = verified_user(&platform, &client, "eve").await;
    let gig = listed_gig(&platform, &client, &seller).await;
    let gig_id = gig["id"].as_str().unwrap().to_owned();
    let seller_id = gig["seller"]["id"].as_str().unwrap().to_owned();
    let tap = platform
        .broker
        .tap(&TestNames::new().named("reviews"), &[REVIEW_CREATED])
        .await;
    let order = place(
        &platform,
        &client,
        &buyer,
        json!({"gig_id": gig_id, "requirements": "A logo"}),
    )
    .await;
    pay(&platform, &client, &buyer, &order).await;
    let id = order["id"].as_str().unwrap().to_owned();
    post(
        &platform,
        &client,
        &seller,
        &format!("/orders/{id}/deliveries"),
        json!({"message": "Done"}),
    )
    .await;
    post(
        &platform,
        &client,
        &buyer,
        &format!("/orders/{id}/complete"),
        json!({}),
    )
    .await;
    let emails_before = platform.mail.emails().len();

    // A stranger cannot review it; neither party twice.
    let by_buyer = review(&platform, &client, &buyer, &id, 5).await;
    let by_seller = review(&platform, &client, &seller, &id, 4).await;
    let strangers = send(
        client
            .post(platform.gateway.url("/api/v1/reviews"))
            .bearer_auth(&stranger)
            .json(&json!({"order_id": id, "rating": 1, "text": "I never ordered this."})),
    )
    .await;
    let again = send(
        client
            .post(platform.gateway.url("/api/v1/reviews"))
            .bearer_auth(&buyer)
            .json(&json!({"order_id": id, "rating": 1, "text": "Changed my mind."})),
    )
    .await;
    assert_eq!(by_buyer["direction"], "buyer_to_seller");
    assert_eq!(by_seller["direction"], "seller_to_buyer");
    assert_eq!(strangers.status, 404);
    assert_eq!(
        (again.status, again.body["error"]["code"].as_str()),
        (409, Some("already_reviewed"))
    );

    let five = json!({"count": 1, "average": 5.0, "stars": {"one": 0, "two": 0, "three": 0, "four": 0, "five": 1}});
    let seller_page = get_when(
        &platform,
        &client,
        "/sellers/by-username/sam",
        "the seller's rating",
        |s| s["ratings"]["count"] == 1,
    )
    .await;
    assert_eq!(seller_page["ratings"], five);
    let gig_page = get_when(
        &platform,
        &client,
        &format!("/gigs/{gig_id}"),
        "the gig's rating",
        |g| g["rating"]["count"] == 1,
    )
    .await;
    assert_eq!(gig_page["rating"]["average"], 5.0);
    assert_eq!(gig_page["seller"]["rating"]["count"], 1);
    let buyer_page = get_when(
        &platform,
        &client,
        "/buyers/bea",
        "the buyer's rating",
        |b| b["ratings"]["count"] == 1,
    )
    .await;
    assert_eq!(buyer_page["ratings"]["average"], 4.0);
    let listed = get_when(
        &platform,
        &client,
        &format!("/sellers/{seller_id}/reviews"),
        "the seller's list",
        |l| l["aggregate"]["count"] == 1,
    )
    .await;
    assert_eq!(listed["items"][0]["reviewer"]["username"], "bea");
    assert_eq!(listed["aggregate"]["per_star"], json!([0, 0, 0, 0, 1]));
    let of_gig = get_when(
        &platform,
        &client,
        &format!("/gigs/{gig_id}/reviews"),
        "the gig's list",
        |l| l["aggregate"]["count"] == 1,
    )
    .await;
    assert_eq!(of_gig["items"][0]["id"], by_buyer["id"]);
    let order_view = eventually(
        "orders to attach both reviews",
        Duration::from_secs(20),
        || async {
            let answer = send(
                client
                    .get(platform.gateway.url(&format!("/api/v1/orders/{id}")))
                    .bearer_auth(&buyer),
            )
            .await;
            (answer.body["reviews"]["by_seller"].is_string()
                && answer.body["reviews"]["by_buyer"].is_string())
            .then_some(answer.body)
        },
    )
    .await;
    assert_eq!(order_view["reviews"]["by_buyer"], by_buyer["id"]);

    // The same two events delivered again: users and gigs find them in their inboxes.
    let published = platform.broker.drain(&tap).await;
    assert_eq!(published.len(), 2);
    let duplicates = |service: &'static str| {
        let addr = platform.service(service).addr;
        async move { ConsumerCounts::parse(&scrape_metrics(addr).await, service).duplicates }
    };
    let (users_before, gigs_before) = (duplicates("users").await, duplicates("gigs").await);
    for envelope in &published {
        platform.broker.publish(envelope).await;
    }
    eventually(
        "users and gigs to see the duplicates",
        Duration::from_secs(20),
        || async {
            (duplicates("users").await >= users_before + 2
                && duplicates("gigs").await > gigs_before)
                .then_some(())
        },
    )
    .await;
    let seller_page =
        send(client.get(platform.gateway.url("/api/v1/sellers/by-username/sam"))).await;
    assert_eq!(seller_page.body["ratings"], five);
    let gig_page = send(client.get(platform.gateway.url(&format!("/api/v1/gigs/{gig_id}")))).await;
    assert_eq!(gig_page.body["rating"]["count"], 1);
    let buyer_page = send(client.get(platform.gateway.url("/api/v1/buyers/bea"))).await;
    assert_eq!(buyer_page.body["ratings"]["count"], 1);

    // Each reviewed person was emailed once.
    let emails = platform
        .mail
        .wait_for(emails_before + 3, Duration::from_secs(60))
        .await;
    let reviews: Vec<(String, String)> = emails[emails_before..]
        .iter()
        .filter(|e| e.subject.contains("-star review"))
        .map(|e| (e.rcpt_to.join(","), e.subject.clone()))
        .collect();
    assert_eq!(
        reviews,
        [
            (
                "sam@example.test".to_owned(),
                "bea left you a 5-star review".to_owned()
            ),
            (
                "bea@example.test".to_owned(),
                "sam left you a 4-star review".to_owned()
            ),
        ]
    );
    platform.stop().await;
}
