//! Profile pictures: a presigned upload straight to storage, then the key attached to the
//! seller profile, checked to be the caller's own upload.

use mercato_common::testing::put_upload;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{seller_profile, spawn_app, verified};

async fn put(upload: &Value, bytes: &'static [u8]) {
    assert_eq!(put_upload(upload, bytes).await, 200);
}

#[tokio::test]
async fn a_seller_attaches_their_own_uploaded_picture_and_anyone_can_see_it() {
    let app = spawn_app().await;
    let alice = verified("alice");
    let bob = verified("bob");
    app.register(&alice).await;
    let declaration = json!({"content_type": "image/png", "size": 5, "file_name": "me.png"});

    let (status, refused) = app
        .send(
            Method::POST,
            "/v1/uploads/profile-picture",
            &alice,
            &json!({"content_type": "application/pdf", "size": 6_000_000, "file_name": "cv.pdf"}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"]["fields"]["content_type"].is_array());
    assert!(refused["error"]["fields"]["size"].is_array());

    let (_, bobs) = app
        .send(
            Method::POST,
            "/v1/uploads/profile-picture",
            &bob,
            &declaration,
        )
        .await;
    put(&bobs, b"bob!!").await;
    let (status, upload) = app
        .send(
            Method::POST,
            "/v1/uploads/profile-picture",
            &alice,
            &declaration,
        )
        .await;
    assert_eq!(status, 201, "{upload}");
    let key = upload["key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with(&format!("profile-picture/{}/", alice.user_id)),
        "{key}"
    );

    let mut with_key = seller_profile();
    with_key["profile_picture_key"] = bobs["key"].clone();
    let (status, error) = app
        .send(Method::POST, "/v1/sellers", &alice, &with_key)
        .await;
    assert_eq!(status, 422, "another user's upload: {error}");
    assert!(error["error"]["fields"]["profile_picture_key"].is_array());
    with_key["profile_picture_key"] = json!(key);
    let (status, error) = app
        .send(Method::POST, "/v1/sellers", &alice, &with_key)
        .await;
    assert_eq!(status, 422, "nothing uploaded yet: {error}");

    put(&upload, b"alice").await;
    let (status, seller) = app
        .send(Method::POST, "/v1/sellers", &alice, &with_key)
        .await;
    assert_eq!(status, 201, "{seller}");
    let url = seller["profile_picture_url"].as_str().unwrap().to_owned();
    let (_, public) = app
        .get(
            &format!("/v1/sellers/{}", seller["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(public["profile_picture_url"], url.as_str());
    let picture = reqwest::get(&url).await.unwrap();
    assert_eq!(picture.status(), 200, "public images need no signature");
    assert_eq!(picture.bytes().await.unwrap().as_ref(), b"alice");

    let (_, second) = app
        .send(
            Method::POST,
            "/v1/uploads/profile-picture",
            &alice,
            &declaration,
        )
        .await;
    put(&second, b"new!!").await;
    let (status, edited) = app
        .send(
            Method::PATCH,
            "/v1/sellers/me",
            &alice,
            &json!({"profile_picture_key": second["key"]}),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_ne!(edited["profile_picture_url"], url.as_str());
    app.stop().await;
}
