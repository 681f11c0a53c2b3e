//! Gig covers: uploaded by the seller straight to storage, attached by key, read by anyone,
//! and removed by the clean-up once no gig uses them.

use mercato_common::testing::{caller, put_upload};
use mercato_gigs::store::covers_in_use;
use serde_json::{Value, json};

use crate::helpers::{logo_gig, spawn_app};

async fn put(upload: &Value, bytes: &'static [u8]) -> u16 {
    put_upload(upload, bytes).await
}

#[tokio::test]
async fn a_gig_shows_its_sellers_own_uploaded_cover() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let ben = app.seller("ben").await;
    let declaration = json!({"content_type": "image/webp", "size": 4, "file_name": "cover.webp"});

    let (status, refused) = app
        .post("/v1/uploads/gig-cover", &caller("bob", true), &declaration)
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("not_a_seller"))
    );
    let (status, bens) = app
        .post("/v1/uploads/gig-cover", &ben.caller, &declaration)
        .await;
    assert_eq!(status, 201, "{bens}");
    assert_eq!(put(&bens, b"ben!").await, 200);
    let (_, annas) = app
        .post("/v1/uploads/gig-cover", &anna.caller, &declaration)
        .await;
    assert_eq!(put(&annas, b"anna").await, 200);
    let (_, orphan) = app
        .post("/v1/uploads/gig-cover", &anna.caller, &declaration)
        .await;
    assert_eq!(put(&orphan, b"lost").await, 200);

    let mut body = logo_gig();
    body["cover_image_key"] = bens["key"].clone();
    let (status, error) = app.post("/v1/gigs", &anna.caller, &body).await;
    assert_eq!(status, 422, "another seller's upload: {error}");
    assert!(error["error"]["fields"]["cover_image_key"].is_array());

    body["cover_image_key"] = annas["key"].clone();
    let gig = app.create(&anna, &body).await;
    let url = gig["cover_image_url"].as_str().unwrap();
    let cover = reqwest::get(url).await.unwrap();
    assert_eq!(cover.status(), 200);
    assert_eq!(cover.bytes().await.unwrap().as_ref(), b"anna");

    let keys = [&annas["key"], &orphan["key"], &bens["key"]]
        .map(|k| k.as_str().unwrap().to_owned())
        .to_vec();
    let in_use = covers_in_use(&app.db.pool, keys).await.unwrap();
    assert_eq!(
        in_use.into_iter().collect::<Vec<_>>(),
        [annas["key"].as_str().unwrap()],
        "the clean-up keeps only the attached cover"
    );
    app.stop().await;
}
