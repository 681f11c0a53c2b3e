//! Custom offers: who may make and answer them, once, before they expire; one event per change.

use std::time::Duration;

use mercato_common::events::catalog::types::{OFFER_ACCEPTED, OFFER_DECLINED};
use mercato_common::events::catalog::{OfferAccepted, OfferDeclined};
use mercato_common::testing::{TestNames, eventually};
use mercato_common::token::Caller;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn offer_body(expires_in: chrono::Duration) -> Value {
    json!({"offer": {
        "description": "Three logo concepts, two revisions",
        "price": 12_500,
        "delivery_days": 5,
        "expires_at": (chrono::Utc::now() + expires_in).to_rfc3339(),
    }})
}

/// Bob (seller of a gig) and Ann (buyer) in a conversation about it; returns its id.
async fn seller_and_buyer(app: &TestApp) -> (Caller, Caller, String) {
    let [ann, bob] = app.users(["ann", "bob"]).await;
    let gig = app.gig(&bob, "A logo").await;
    let conversation = app.open(&ann, &bob, Some(gig)).await;
    (bob, ann, conversation["id"].as_str().unwrap().to_owned())
}

async fn make_offer(app: &TestApp, seller: &Caller, conversation: &str) -> String {
    let (status, message) = app
        .post(
            &format!("/v1/conversations/{conversation}/messages"),
            seller,
            &offer_body(chrono::Duration::days(3)),
        )
        .await;
    assert_eq!(status, 201, "{message}");
    assert_eq!(message["offer"]["status"], "pending");
    message["offer"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn only_the_gigs_seller_makes_an_offer_for_it() {
    let app = spawn_app().await;
    let (bob, ann, conversation) = seller_and_buyer(&app).await;
    let path = format!("/v1/conversations/{conversation}/messages");
    let (status, refused) = app
        .post(&path, &ann, &offer_body(chrono::Duration::days(1)))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("not_gig_seller"))
    );

    let plain = app.open(&ann, &bob, None).await;
    let (status, refused) = app
        .post(
            &format!(
                "/v1/conversations/{}/messages",
                plain["id"].as_str().unwrap()
            ),
            &bob,
            &offer_body(chrono::Duration::days(1)),
        )
        .await;
    assert_eq!(status, 422, "no gig to base it on: {refused}");
    assert!(refused["error"]["fields"]["offer.gig_id"].is_array());

    let (status, refused) = app
        .post(&path, &bob, &offer_body(chrono::Duration::days(31)))
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"]["fields"]["offer.expires_at"].is_array());

    let made = make_offer(&app, &bob, &conversation).await;
    let (_, page) = app.get(&path, &ann).await;
    assert_eq!(page["items"][0]["offer"]["id"], made.as_str());
    assert_eq!(
        page["items"][0]["offer"]["price"],
        json!({"amount": 12_500, "currency": "USD"})
    );
    assert_eq!(page["items"][0]["offer"]["gig"]["title"], "A logo");
    app.stop().await;
}

#[tokio::test]
async fn the_buyer_accepts_once_and_orders_hear_of_it_once_with_the_terms() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(&TestNames::new().named("offers"), &[OFFER_ACCEPTED])
        .await;
    let (bob, ann, conversation) = seller_and_buyer(&app).await;
    let offer = make_offer(&app, &bob, &conversation).await;
    let accept = format!("/v1/offers/{offer}/accept");

    let (status, refused) = app.post(&accept, &bob, &json!({})).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("not_offer_recipient"))
    );

    let accepts = (0..5).map(|_| {
        let (app, accept, ann) = (&app, &accept, &ann);
        async move { app.post(accept, ann, &json!({})).await }
    });
    let answers = futures_util::future::join_all(accepts).await;
    let accepted: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(accepted.len(), 1, "{answers:?}");
    assert_eq!(accepted[0]["status"], "accepted");
    for (status, body) in answers.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(
            (*status, body["error"]["code"].as_str()),
            (409, Some("offer_not_pending"))
        );
    }
    let (status, refused) = app
        .post(&format!("/v1/offers/{offer}/withdraw"), &bob, &json!({}))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("offer_not_pending"))
    );

    eventually("the acceptance event", Duration::from_secs(15), || async {
        (app.broker.depth(&tap).await >= 1).then_some(())
    })
    .await;
    let published = app.broker.drain(&tap).await;
    assert_eq!(published.len(), 1, "one event for one acceptance");
    let event: OfferAccepted = published[0].decode().unwrap();
    assert_eq!(event.offer_id.to_string(), offer);
    assert_eq!(event.buyer_user_id, ann.user_id);
    assert_eq!(event.seller_user_id, bob.user_id);
    assert_eq!(
        (event.price.amount, event.price.currency.as_str()),
        (12_500, "USD")
    );
    assert_eq!(event.delivery_days, 5);
    assert_eq!(event.description, "Three logo concepts, two revisions");
    app.stop().await;
}

#[tokio::test]
async fn declining_and_withdrawing_are_each_one_event_and_only_by_the_right_party() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(&TestNames::new().named("offers"), &[OFFER_DECLINED])
        .await;
    let (bob, ann, conversation) = seller_and_buyer(&app).await;
    let declined = make_offer(&app, &bob, &conversation).await;
    let withdrawn = make_offer(&app, &bob, &conversation).await;

    let (status, body) = app
        .post(&format!("/v1/offers/{declined}/decline"), &ann, &json!({}))
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("declined")));
    let (status, refused) = app
        .post(&format!("/v1/offers/{declined}/accept"), &ann, &json!({}))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("offer_not_pending"))
    );

    let (status, refused) = app
        .post(
            &format!("/v1/offers/{withdrawn}/withdraw"),
            &ann,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("not_offer_sender"))
    );
    let (status, body) = app
        .post(
            &format!("/v1/offers/{withdrawn}/withdraw"),
            &bob,
            &json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("withdrawn")));

    eventually("both events", Duration::from_secs(15), || async {
        (app.broker.depth(&tap).await >= 2).then_some(())
    })
    .await;
    let mut events: Vec<OfferDeclined> = app
        .broker
        .drain(&tap)
        .await
        .iter()
        .map(|e| e.decode().unwrap())
        .collect();
    events.sort_by_key(|e| e.withdrawn);
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0].offer_id.to_string(), events[0].withdrawn),
        (declined, false)
    );
    assert_eq!(
        (events[1].offer_id.to_string(), events[1].withdrawn),
        (withdrawn, true)
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expired_offer_cannot_be_accepted() {
    let app = spawn_app().await;
    let (bob, ann, conversation) = seller_and_buyer(&app).await;
    let path = format!("/v1/conversations/{conversation}/messages");
    let (status, message) = app
        .post(&path, &bob, &offer_body(chrono::Duration::seconds(2)))
        .await;
    assert_eq!(status, 201, "{message}");
    let offer = message["offer"]["id"].as_str().unwrap().to_owned();
    eventually("the offer to expire", Duration::from_secs(15), || async {
        let (_, page) = app.get(&path, &ann).await;
        (page["items"][0]["offer"]["status"] == "expired").then_some(())
    })
    .await;
    let (status, refused) = app
        .post(&format!("/v1/offers/{offer}/accept"), &ann, &json!({}))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("offer_expired"))
    );
    app.stop().await;
}
