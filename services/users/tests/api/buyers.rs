//! Buyers: created once from registration events, private fields only for themselves.

use chrono::Utc;
use mercato_common::events::Envelope;
use mercato_common::events::catalog::{UserEmailVerified, UserRegistered};
use mercato_common::testing::caller;
use mongodb::bson::{Document, doc};

use crate::helpers::{spawn_app, verified};

#[tokio::test]
async fn a_duplicated_registration_is_recognised_by_the_inbox_and_creates_one_buyer() {
    let app = spawn_app().await;
    let bob = caller("Bob_1", false);
    let registered = Envelope::new(
        "auth",
        None,
        &UserRegistered {
            user_id: bob.user_id,
            username: "Bob_1".into(),
            email: "bob@example.test".into(),
            country: "FR".into(),
            profile_picture_url: None,
            email_verified: false,
            registered_at: Utc::now(),
        },
    );

    app.publish(&registered).await;
    app.publish(&registered).await;
    let counts = app.settled(2).await;
    let (status, me) = app.get("/v1/buyers/me", Some(&bob)).await;

    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (counts.consumed, counts.duplicates),
        (2, 1),
        "both deliveries were handled and the second found in the inbox"
    );
    let buyers = app
        .mongo
        .db
        .collection::<Document>("buyers")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(buyers, 1);
    assert_eq!(me["username"], "Bob_1");
    assert_eq!(me["email"], "bob@example.test");
    assert_eq!(me["email_verified"], false);
    app.stop().await;
}

#[tokio::test]
async fn a_verification_that_arrives_before_the_registration_is_kept() {
    let app = spawn_app().await;
    let carol = caller("carol", false);

    app.publish_event(&UserEmailVerified {
        user_id: carol.user_id,
        verified_at: Utc::now(),
    })
    .await;
    app.settled(1).await;
    let early = app
        .mongo
        .db
        .collection::<Document>("buyers")
        .find_one(doc! {"_id": carol.user_id.to_string()})
        .await
        .unwrap();
    assert_eq!(
        early.and_then(|b| b.get_bool("email_verified").ok()),
        Some(true),
        "the verification was applied before the registration arrived"
    );
    app.register(&carol).await;

    let (_, me) = app.get("/v1/buyers/me", Some(&carol)).await;
    assert_eq!(me["email_verified"], true, "{me}");
    app.stop().await;
}

#[tokio::test]
async fn the_public_view_never_shows_private_fields() {
    let app = spawn_app().await;
    let dana = verified("dana");
    let other = verified("erik");
    app.register(&dana).await;

    let (status, public) = app.get("/v1/buyers/DANA", Some(&other)).await;
    let (_, anonymous) = app.get("/v1/buyers/dana", None).await;
    let (_, own) = app.get("/v1/buyers/dana", Some(&dana)).await;

    assert_eq!(status, 200);
    for view in [&public, &anonymous] {
        assert_eq!(view["username"], "dana");
        for private in ["email", "email_verified", "purchased_gigs"] {
            assert!(view.get(private).is_none(), "{private} leaked: {view}");
        }
    }
    assert_eq!(own["email"], "dana@example.test");
    assert_eq!(app.get("/v1/buyers/nobody", None).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn every_route_needs_a_gateway_token_for_users() {
    let app = spawn_app().await;
    let wrong_audience = app.keys.internal_token("gigs", None);
    let routes = [
        (reqwest::Method::GET, "/v1/buyers/me"),
        (reqwest::Method::GET, "/v1/buyers/someone"),
        (reqwest::Method::POST, "/v1/sellers"),
        (reqwest::Method::PATCH, "/v1/sellers/me"),
        (reqwest::Method::GET, "/v1/sellers/random"),
        (reqwest::Method::GET, "/v1/sellers/by-username/someone"),
        (
            reqwest::Method::GET,
            "/v1/sellers/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        ),
    ];

    for (method, path) in routes {
        let url = format!("{}{path}", app.base);
        let none = app
            .client
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap();
        let wrong = app
            .client
            .request(method.clone(), &url)
            .bearer_auth(&wrong_audience)
            .send()
            .await
            .unwrap();
        assert_eq!(
            (none.status().as_u16(), wrong.status().as_u16()),
            (401, 401),
            "{method} {path}"
        );
    }
    app.stop().await;
}
