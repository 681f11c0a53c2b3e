//! Seller profiles: who may create and edit them, validation, mass assignment, events.

use std::time::Duration;

use mercato_common::events::catalog::SellerCreated;
use mercato_common::events::mongo::OUTBOX;
use mercato_common::testing::caller;
use mongodb::bson::{Document, doc};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::time::timeout;

use crate::helpers::{seller_profile, spawn_app, verified};

#[tokio::test]
async fn an_unverified_caller_cannot_become_a_seller() {
    let app = spawn_app().await;
    let frank = caller("frank", false);
    app.register(&frank).await;

    let (status, body) = app
        .send(Method::POST, "/v1/sellers", &frank, &seller_profile())
        .await;

    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "email_not_verified");
    assert_eq!(app.get("/v1/sellers/by-username/frank", None).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn a_verified_buyer_becomes_a_seller_once_and_the_event_is_published() {
    let app = spawn_app().await;
    let mut events = app
        .broker
        .observe_envelopes("observer", &["seller.created.v1", "seller.updated.v1"])
        .await;
    let gina = verified("gina");
    app.register(&gina).await;

    let created = app.become_seller(&gina).await;
    let (again, conflict) = app
        .send(Method::POST, "/v1/sellers", &gina, &seller_profile())
        .await;
    let (_, by_id) = app
        .get(
            &format!("/v1/sellers/{}", created["id"].as_str().unwrap()),
            None,
        )
        .await;
    let (_, by_name) = app.get("/v1/sellers/by-username/GINA", None).await;
    let (_, buyer) = app.get("/v1/buyers/me", Some(&gina)).await;

    assert_eq!(created["username"], "gina");
    assert_eq!(created["country"], "DE", "copied from the buyer");
    assert_eq!(created["ratings"]["count"], 0);
    assert_eq!(
        (again, conflict["error"]["code"].as_str()),
        (409, Some("already_a_seller"))
    );
    assert_eq!(by_id["id"], created["id"]);
    assert_eq!(by_name["id"], created["id"]);
    assert_eq!(buyer["is_seller"], true);
    let published = timeout(Duration::from_secs(15), events.recv())
        .await
        .expect("seller.created.v1 is published")
        .expect("the observer runs");
    assert_eq!(published.event_type, "seller.created.v1");
    let payload: SellerCreated = published.decode().unwrap();
    assert_eq!(
        payload,
        SellerCreated {
            seller_id: created["id"].as_str().unwrap().parse().unwrap(),
            user_id: gina.user_id,
            username: "gina".into(),
            full_name: "Alice Example".into(),
            profile_picture_url: None,
            country: Some("DE".into()),
        }
    );
    let outbox = app
        .mongo
        .db
        .collection::<Document>(OUTBOX)
        .count_documents(doc! {"event_type": "seller.created.v1"})
        .await
        .unwrap();
    assert_eq!(outbox, 1, "the refused second attempt published nothing");
    app.broker.cleanup(&["observer"]).await;
    app.stop().await;
}

#[tokio::test]
async fn invalid_fields_are_all_reported_and_nothing_is_created() {
    let app = spawn_app().await;
    let hana = verified("hana");
    app.register(&hana).await;
    let mut body = seller_profile();
    body["full_name"] = json!("");
    body["skills"] = json!([]);
    body["social_links"] = json!(["ftp://example.test"]);
    body["response_time_hours"] = json!(0);
    let mut unknown_level = seller_profile();
    unknown_level["languages"] = json!([{"language": "English", "level": "expert"}]);

    let (status, error) = app.send(Method::POST, "/v1/sellers", &hana, &body).await;
    let (level_status, level) = app
        .send(Method::POST, "/v1/sellers", &hana, &unknown_level)
        .await;

    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"]["code"], "validation_failed");
    let mut reported: Vec<&str> = error["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    reported.sort_unstable();
    assert_eq!(
        reported,
        [
            "full_name",
            "response_time_hours",
            "skills",
            "social_links[0]"
        ],
        "{error}"
    );
    assert_eq!(level_status, 422, "{level}");
    assert!(
        level["error"]["fields"]["languages[0].level"][0]
            .as_str()
            .is_some_and(|m| m.contains("expert")),
        "{level}"
    );
    assert_eq!(app.get("/v1/sellers/by-username/hana", None).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn counters_and_ratings_cannot_be_mass_assigned() {
    let app = spawn_app().await;
    let ivan = verified("ivan");
    app.register(&ivan).await;
    for (field, value) in [
        ("ratings", json!({"count": 1000})),
        ("completed_jobs", json!(50)),
        ("total_earnings", json!(99999)),
    ] {
        let mut create = seller_profile();
        create[field] = value;
        let (status, body) = app.send(Method::POST, "/v1/sellers", &ivan, &create).await;
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(
            body["error"]["code"], "validation_failed",
            "{field}: {body}"
        );
    }
    assert_eq!(app.get("/v1/sellers/by-username/ivan", None).await.0, 404);

    let seller = app.become_seller(&ivan).await;
    for (field, value) in [
        ("total_earnings", json!(99999)),
        ("completed_jobs", json!(50)),
        ("ratings", json!({"count": 9})),
        ("user_id", json!("x")),
    ] {
        let (status, body) = app
            .send(
                Method::PATCH,
                "/v1/sellers/me",
                &ivan,
                &json!({ field: value, "one_liner": "Changed one liner" }),
            )
            .await;
        assert_eq!(status, 422, "{field}: {body}");
    }

    let (_, after) = app
        .get(
            &format!("/v1/sellers/{}", seller["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        after["one_liner"], seller["one_liner"],
        "a refused patch changes nothing"
    );
    assert_eq!(after["completed_jobs"], 0);
    assert_eq!(after["ratings"]["count"], 0);
    app.stop().await;
}

#[tokio::test]
async fn a_user_edits_only_their_own_profile() {
    let app = spawn_app().await;
    let julia = verified("julia");
    let karl = verified("karl");
    app.register(&julia).await;
    app.register(&karl).await;
    let profile = app.become_seller(&julia).await;

    let (status, body) = app
        .send(
            Method::PATCH,
            "/v1/sellers/me",
            &karl,
            &json!({"full_name": "Hijacked"}),
        )
        .await;
    let (_, unchanged) = app
        .get(
            &format!("/v1/sellers/{}", profile["id"].as_str().unwrap()),
            None,
        )
        .await;
    let (own_status, own) = app
        .send(
            Method::PATCH,
            "/v1/sellers/me",
            &julia,
            &json!({"full_name": "Julia Example", "skills": ["Rust"]}),
        )
        .await;

    assert_eq!(status, 404, "{body}");
    assert_eq!(unchanged["full_name"], "Alice Example");
    assert_eq!(own_status, 200, "{own}");
    assert_eq!(own["full_name"], "Julia Example");
    assert_eq!(own["skills"], json!(["Rust"]));
    assert_eq!(
        own["languages"], profile["languages"],
        "fields not sent stay"
    );
    let (empty_status, _) = app
        .send(Method::PATCH, "/v1/sellers/me", &julia, &json!({}))
        .await;
    assert_eq!(empty_status, 400);
    app.stop().await;
}

#[tokio::test]
async fn featured_sellers_are_limited_and_the_limit_is_checked() {
    let app = spawn_app().await;
    for name in ["lena", "mark", "nina"] {
        let who = verified(name);
        app.register(&who).await;
        app.become_seller(&who).await;
    }

    let (status, two) = app.get("/v1/sellers/random?limit=2", None).await;
    let (_, all) = app.get("/v1/sellers/random?limit=100", None).await;
    let (too_many, _) = app.get("/v1/sellers/random?limit=101", None).await;
    let (zero, _) = app.get("/v1/sellers/random?limit=0", None).await;

    assert_eq!(status, 200);
    assert_eq!(two["items"].as_array().unwrap().len(), 2);
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s: &Value| s.get("total_earnings").is_none())
    );
    assert_eq!((too_many, zero), (422, 422));
    assert_eq!(app.get("/v1/sellers/not-a-uuid", None).await.0, 404);
    app.stop().await;
}
