//! What gigs learns from events: sellers' snapshots and ratings, each applied once.

use std::time::Duration;

use chrono::Utc;
use mercato_common::events::Envelope;
use mercato_common::events::catalog::{
    ReviewCreated, ReviewDirection, SellerCreated, SellerUpdated,
};
use mercato_common::testing::eventually;
use uuid::Uuid;

use crate::helpers::{logo_gig, spawn_app};

#[tokio::test]
async fn a_gig_shows_the_sellers_latest_snapshot_whatever_order_the_events_arrive_in() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let gig = app.create(&anna, &logo_gig()).await;
    let path = format!("/v1/gigs/{}", gig["id"].as_str().unwrap());
    let updated = SellerUpdated {
        seller_id: anna.seller_id,
        user_id: anna.caller.user_id,
        username: "anna".into(),
        full_name: "Anna Renamed".into(),
        profile_picture_url: Some("https://img.example/anna.png".into()),
        country: Some("AT".into()),
    };
    app.publish_event(&updated).await;
    eventually("the new name", Duration::from_secs(15), || async {
        (app.get(&path, None).await.1["seller"]["full_name"] == "Anna Renamed").then_some(())
    })
    .await;

    // The creation, delivered again late with its original time, changes nothing.
    let mut stale = Envelope::new(
        "users",
        None,
        &SellerCreated {
            seller_id: anna.seller_id,
            user_id: anna.caller.user_id,
            username: "anna".into(),
            full_name: "anna Example".into(),
            profile_picture_url: None,
            country: Some("DE".into()),
        },
    );
    stale.occurred_at = Utc::now() - chrono::Duration::hours(1);
    app.broker.publish(&stale).await;
    app.settled(3).await;

    let (_, shown) = app.get(&path, None).await;
    assert_eq!(shown["seller"]["full_name"], "Anna Renamed");
    assert_eq!(shown["seller"]["country"], "AT");
    assert_eq!(
        shown["seller"]["profile_picture_url"],
        "https://img.example/anna.png"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_review_delivered_twice_counts_once_and_a_buyers_review_rates_no_gig() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let gig = app.create(&anna, &logo_gig()).await;
    let gig_id = Uuid::parse_str(gig["id"].as_str().unwrap()).unwrap();
    let review = Envelope::new(
        "reviews",
        None,
        &ReviewCreated {
            review_id: Uuid::now_v7(),
            order_id: Uuid::now_v7(),
            gig_id,
            reviewer_user_id: Uuid::now_v7(),
            reviewee_user_id: anna.caller.user_id,
            direction: ReviewDirection::BuyerToSeller,
            rating: 4,
        },
    );
    app.broker.publish(&review).await;
    app.broker.publish(&review).await;
    app.publish_event(&ReviewCreated {
        review_id: Uuid::now_v7(),
        order_id: Uuid::now_v7(),
        gig_id,
        reviewer_user_id: anna.caller.user_id,
        reviewee_user_id: Uuid::now_v7(),
        direction: ReviewDirection::SellerToBuyer,
        rating: 1,
    })
    .await;
    let counts = app.settled(4).await;

    assert_eq!(counts.duplicates, 1, "{counts:?}");
    let (_, shown) = app.get(&format!("/v1/gigs/{gig_id}"), None).await;
    assert_eq!(shown["rating"]["count"], 1);
    assert_eq!(shown["rating"]["average"], 4.0);
    assert_eq!(shown["rating"]["stars"]["four"], 1);
    assert_eq!(shown["seller"]["rating"]["count"], 1);
    app.stop().await;
}
