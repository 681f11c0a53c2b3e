//! The lists: a gig's, a seller's and a buyer's reviews, newest first, page by page, with the
//! aggregate of the whole list and the reviewers' names and pictures.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::spawn_app;

fn ratings(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rating"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_gigs_a_sellers_and_a_buyers_reviews_page_by_page_with_their_aggregate() {
    let app = spawn_app().await;
    let [(seller, seller_id), (ann, _), (bob, _), (cat, _)] =
        app.people(["sam", "ann", "bob", "cat"]).await;
    let gig = Uuid::now_v7();
    for (buyer, stars) in [(&ann, 5), (&bob, 3), (&cat, 5)] {
        let order = app.completed(buyer, &seller, Some(gig)).await;
        assert_eq!(app.review(buyer, &order, stars).await.0, 201);
        if buyer.user_id == ann.user_id {
            assert_eq!(app.review(&seller, &order, 4).await.0, 201);
        }
    }
    // A review of another of the seller's gigs counts for the seller, not for this gig.
    let other = app.completed(&ann, &seller, None).await;
    assert_eq!(app.review(&ann, &other, 1).await.0, 201);

    let (status, first) = app.get(&format!("/v1/gigs/{gig}/reviews?limit=2")).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get(&format!("/v1/gigs/{gig}/reviews?limit=2&cursor={cursor}"))
        .await;
    let (_, of_seller) = app.get(&format!("/v1/sellers/{seller_id}/reviews")).await;
    let (_, of_ann) = app
        .get(&format!("/v1/buyers/{}/reviews", ann.user_id))
        .await;
    let (_, of_bob) = app
        .get(&format!("/v1/buyers/{}/reviews", bob.user_id))
        .await;

    assert_eq!(status, 200);
    assert_eq!(ratings(&first), [5, 3], "newest first");
    assert_eq!(ratings(&second), [5]);
    assert_eq!(second["next_cursor"], Value::Null);
    assert_eq!(first["items"][0]["reviewer"]["username"], "cat");
    assert_eq!(
        first["items"][0]["reviewer"]["picture_url"],
        "https://media.test/cat.png"
    );
    assert_eq!(
        first["aggregate"],
        json!({"count": 3, "average": 4.33, "per_star": [0, 0, 1, 0, 2]})
    );
    assert_eq!(
        second["aggregate"], first["aggregate"],
        "the whole list's, on every page"
    );
    assert_eq!(ratings(&of_seller), [1, 5, 3, 5]);
    assert_eq!(of_seller["aggregate"]["per_star"], json!([1, 0, 1, 0, 2]));
    assert_eq!(ratings(&of_ann), [4]);
    assert_eq!(of_ann["items"][0]["direction"], "seller_to_buyer");
    assert_eq!(of_ann["items"][0]["reviewer"]["username"], "sam");
    assert_eq!(of_bob["items"], json!([]));
    assert_eq!(
        of_bob["aggregate"],
        json!({"count": 0, "average": 0.0, "per_star": [0, 0, 0, 0, 0]})
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_sellers_ids_that_are_not_ids_and_forged_cursors_are_refused() {
    let app = spawn_app().await;

    let (unknown, _) = app
        .get(&format!("/v1/sellers/{}/reviews", Uuid::now_v7()))
        .await;
    let (not_an_id, _) = app.get("/v1/gigs/nonsense/reviews").await;
    let (_, forged) = app
        .get(&format!("/v1/gigs/{}/reviews?cursor=abc", Uuid::now_v7()))
        .await;
    let (limit, _) = app
        .get(&format!("/v1/gigs/{}/reviews?limit=101", Uuid::now_v7()))
        .await;

    assert_eq!(unknown, 404);
    assert_eq!(not_an_id, 404);
    assert_eq!(forged["error"]["code"], "invalid_cursor");
    assert_eq!(limit, 422);
    app.stop().await;
}
