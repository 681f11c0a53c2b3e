//! Writing reviews: only the parties of a completed order, once per side, within the limits;
//! each announced once and emailed to the reviewed person.

use mercato_common::events::catalog::types::{EMAIL_REQUESTED, REVIEW_CREATED};
use mercato_common::events::catalog::{EmailRequested, ReviewCreated, ReviewDirection};
use mercato_common::testing::{TestNames, caller};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Completed, completion, spawn_app};

#[tokio::test]
async fn each_party_reviews_the_other_once_and_each_review_is_announced_and_emailed() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(
            &TestNames::new().named("reviews"),
            &[REVIEW_CREATED, EMAIL_REQUESTED],
        )
        .await;
    let [(buyer, _), (seller, _)] = app.people(["pia", "sam"]).await;
    let order = app.completed(&buyer, &seller, None).await;

    let (by_buyer, buyers) = app.review(&buyer, &order, 5).await;
    let (by_seller, sellers) = app.review(&seller, &order, 4).await;
    let (again, twice) = app.review(&buyer, &order, 1).await;

    assert_eq!(by_buyer, 201, "{buyers}");
    assert_eq!(buyers["direction"], "buyer_to_seller");
    assert_eq!(buyers["reviewee_user_id"], json!(seller.user_id));
    assert_eq!(buyers["reviewer"]["username"], "pia");
    assert_eq!(
        buyers["reviewer"]["picture_url"],
        "https://media.test/pia.png"
    );
    assert_eq!(by_seller, 201, "{sellers}");
    assert_eq!(sellers["direction"], "seller_to_buyer");
    assert_eq!(sellers["reviewee_user_id"], json!(buyer.user_id));
    assert_eq!(again, 409);
    assert_eq!(twice["error"]["code"], "already_reviewed");
    app.db.outbox_drained().await;
    let published = app.broker.drain(&tap).await;
    let reviews: Vec<ReviewCreated> = published
        .iter()
        .filter(|e| e.event_type == REVIEW_CREATED)
        .map(|e| e.decode().unwrap())
        .collect();
    assert_eq!(reviews.len(), 2);
    assert_eq!(
        (reviews[0].direction, reviews[0].rating, reviews[0].gig_id),
        (ReviewDirection::BuyerToSeller, 5, order.gig_id)
    );
    assert_eq!(
        (reviews[1].direction, reviews[1].rating),
        (ReviewDirection::SellerToBuyer, 4)
    );
    let emails: Vec<(String, String)> = published
        .iter()
        .filter(|e| e.event_type == EMAIL_REQUESTED)
        .map(|e| {
            let email: EmailRequested = e.decode().unwrap();
            (email.template, email.to)
        })
        .collect();
    assert_eq!(
        emails,
        [
            ("review_received".to_owned(), "sam@example.test".to_owned()),
            ("review_received".to_owned(), "pia@example.test".to_owned()),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn only_the_parties_of_an_order_reviews_knows_completed_may_review_it() {
    let app = spawn_app().await;
    let [(buyer, _), (seller, _), (stranger, _)] = app.people(["pia", "sam", "tom"]).await;
    let order = app.completed(&buyer, &seller, None).await;
    // An order orders has not announced completed yet: reviews does not know it.
    let pending = Completed {
        order_id: Uuid::now_v7(),
        gig_id: Uuid::now_v7(),
    };

    let (theirs, answer) = app.review(&stranger, &order, 1).await;
    let (early, _) = app.review(&buyer, &pending, 5).await;
    let unverified = caller("una", false);
    let (unverified, refused) = app.review(&unverified, &order, 5).await;

    assert_eq!(theirs, 404);
    assert_eq!(answer["error"]["code"], "not_found");
    assert_eq!(early, 404);
    assert_eq!(unverified, 403);
    assert_eq!(refused["error"]["code"], "email_not_verified");
    // Once it completes, the buyer may review it.
    app.publish_all(&[completion(&pending, &buyer, &seller)])
        .await;
    assert_eq!(app.review(&buyer, &pending, 5).await.0, 201);
    // The completion delivered again changes nothing.
    app.publish_all(&[completion(&pending, &buyer, &seller)])
        .await;
    let known: i64 = sqlx::query_scalar("SELECT count(*) FROM completed_orders")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(known, 2);
    app.stop().await;
}

#[tokio::test]
async fn a_review_outside_the_limits_is_refused_with_every_problem() {
    let app = spawn_app().await;
    let [(buyer, _), (seller, _)] = app.people(["pia", "sam"]).await;
    let order = app.completed(&buyer, &seller, None).await;

    for (body, field) in [
        (
            json!({"order_id": order.order_id, "rating": 0, "text": "Long enough text"}),
            Some("rating"),
        ),
        (
            json!({"order_id": order.order_id, "rating": 6, "text": "Long enough text"}),
            Some("rating"),
        ),
        (
            json!({"order_id": order.order_id, "rating": 5, "text": "Too short"}),
            Some("text"),
        ),
        (
            json!({"order_id": order.order_id, "rating": 5, "text": "x".repeat(1001)}),
            Some("text"),
        ),
        (
            json!({"order_id": order.order_id, "rating": 5, "text": "Long enough text", "direction": "seller_to_buyer"}),
            None,
        ),
        (
            json!({"order_id": "not-an-id", "rating": 5, "text": "Long enough text"}),
            None,
        ),
    ] {
        let (status, answer) = app.post("/v1/reviews", &buyer, &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        if let Some(field) = field {
            assert!(answer["error"]["fields"][field].is_array(), "{answer}");
        }
    }
    let reviews: i64 = sqlx::query_scalar("SELECT count(*) FROM reviews")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reviews, 0);
    app.stop().await;
}
