//! Listing and managing gigs: who may, what is checked, and what is announced.

use std::time::Duration;

use mercato_common::testing::{caller, eventually};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{logo_gig, spawn_app};

#[tokio::test]
async fn invalid_and_read_only_fields_are_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let mut bad = logo_gig();
    bad["title"] = json!("short");
    bad["category"] = json!("cooking");
    bad["price"] = json!({"amount": 100, "currency": "EUR"});
    bad["delivery_days"] = json!(0);
    bad["tags"] = json!([]);

    let (status, error) = app.post("/v1/gigs", &anna.caller, &bad).await;

    assert_eq!(status, 422, "{error}");
    let fields = &error["error"]["fields"];
    for field in [
        "title",
        "category",
        "price.amount",
        "price.currency",
        "delivery_days",
        "tags",
    ] {
        assert!(fields[field].is_array(), "{field} missing: {error}");
    }
    for read_only in ["rating_count", "active", "seller_user_id", "id"] {
        let mut body = logo_gig();
        body[read_only] = json!(true);
        let (status, error) = app.post("/v1/gigs", &anna.caller, &body).await;
        assert_eq!(status, 422, "{read_only}: {error}");
        assert!(error["error"]["fields"][read_only].is_array(), "{error}");
    }
    let gigs: i64 = sqlx::query_scalar("SELECT count(*) FROM gigs")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(gigs, 0);
    app.stop().await;
}

#[tokio::test]
async fn only_a_verified_seller_lists_gigs() {
    let app = spawn_app().await;
    let buyer = caller("bob", true);
    let unverified = caller("uma", false);

    let (not_seller, refused) = app.post("/v1/gigs", &buyer, &logo_gig()).await;
    let (not_verified, refused_too) = app.post("/v1/gigs", &unverified, &logo_gig()).await;

    assert_eq!(
        (not_seller, refused["error"]["code"].as_str()),
        (403, Some("not_a_seller"))
    );
    assert_eq!(
        (not_verified, refused_too["error"]["code"].as_str()),
        (403, Some("email_not_verified"))
    );
    let anna = app.seller("anna").await;
    let gig = app.create(&anna, &logo_gig()).await;
    assert_eq!(gig["seller"]["username"], "anna");
    assert_eq!(gig["seller"]["id"], anna.seller_id.to_string());
    assert_eq!(gig["tags"], json!(["quality", "fast"]));
    assert_eq!(
        gig["category"],
        json!({"slug": "graphics-design", "name": "Graphics & Design"})
    );
    assert_eq!(gig["rating"]["count"], 0);
    app.stop().await;
}

#[tokio::test]
async fn only_the_owner_edits_pauses_activates_or_deletes_and_to_anyone_else_the_gig_does_not_exist()
 {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(
            "gig-events",
            &["gig.created.v1", "gig.updated.v1", "gig.deleted.v1"],
        )
        .await;
    let anna = app.seller("anna").await;
    let ben = app.seller("ben").await;
    let gig = app.create(&anna, &logo_gig()).await;
    let path = format!("/v1/gigs/{}", gig["id"].as_str().unwrap());
    let edit = json!({"delivery_days": 7});

    for (method, suffix, body) in [
        (Method::PATCH, "", Some(&edit)),
        (Method::POST, "/pause", None),
        (Method::POST, "/activate", None),
        (Method::DELETE, "", None),
    ] {
        let (status, error) = app
            .request(
                method.clone(),
                &format!("{path}{suffix}"),
                Some(&ben.caller),
                body,
            )
            .await;
        assert_eq!(
            (status, error["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{method} {suffix} by another seller"
        );
    }
    let (unchanged, still) = app.get(&path, None).await;
    assert_eq!((unchanged, still["delivery_days"].as_i64()), (200, Some(3)));

    let (edited, after_edit) = app
        .request(Method::PATCH, &path, Some(&anna.caller), Some(&edit))
        .await;
    assert_eq!(
        (edited, after_edit["delivery_days"].as_i64()),
        (200, Some(7))
    );
    let (paused, after_pause) = app
        .post(&format!("{path}/pause"), &anna.caller, &json!({}))
        .await;
    assert_eq!(
        (paused, after_pause["active"].as_bool()),
        (200, Some(false))
    );
    assert_eq!(
        app.get(&path, None).await.0,
        404,
        "a paused gig is hidden from others"
    );
    assert_eq!(app.get(&path, Some(&ben.caller)).await.0, 404);
    assert_eq!(
        app.get(&path, Some(&anna.caller)).await.0,
        200,
        "its owner still sees it"
    );
    let (activated, after_activate) = app
        .post(&format!("{path}/activate"), &anna.caller, &json!({}))
        .await;
    assert_eq!(
        (activated, after_activate["active"].as_bool()),
        (200, Some(true))
    );
    let (deleted, _) = app
        .request(Method::DELETE, &path, Some(&anna.caller), None)
        .await;
    assert_eq!(deleted, 204);
    assert_eq!(
        app.get(&path, Some(&anna.caller)).await.0,
        404,
        "deleted for everyone"
    );
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM gigs WHERE deleted_at IS NOT NULL")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the row stays for the orders in flight");

    // One event per change that happened, none for the refused ones.
    eventually("the outbox to drain", Duration::from_secs(15), || async {
        (app.broker.depth(&tap).await == 5).then_some(())
    })
    .await;
    let types: Vec<String> = app
        .broker
        .drain(&tap)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types,
        [
            "gig.created.v1",
            "gig.updated.v1",
            "gig.updated.v1",
            "gig.updated.v1",
            "gig.deleted.v1"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_edit_is_checked_like_a_new_gig_and_a_new_category_needs_its_sub_categories() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let gig = app.create(&anna, &logo_gig()).await;
    let path = format!("/v1/gigs/{}", gig["id"].as_str().unwrap());

    for (body, field) in [
        (json!({"category": "data"}), "sub_categories"),
        (json!({"sub_categories": ["seo"]}), "sub_categories[0]"),
        (
            json!({"price": {"amount": 1, "currency": "USD"}}),
            "price.amount",
        ),
        (json!({}), "body"),
    ] {
        let (status, error) = app
            .request(Method::PATCH, &path, Some(&anna.caller), Some(&body))
            .await;
        assert_eq!(status, 422, "{body}: {error}");
        assert!(
            error["error"]["fields"][field].is_array(),
            "{body}: {error}"
        );
    }
    let (moved, gig) = app
        .request(
            Method::PATCH,
            &path,
            Some(&anna.caller),
            Some(&json!({"category": "data", "sub_categories": ["data-entry"]})),
        )
        .await;
    assert_eq!(moved, 200, "{gig}");
    assert_eq!(
        gig["sub_categories"],
        json!([{"slug": "data-entry", "name": "Data Entry"}])
    );
    app.stop().await;
}
