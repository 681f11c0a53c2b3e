//! Refresh sessions: rotation, theft detection, sign-out.

use serde_json::json;

use crate::helpers::{caller_of, spawn_app};

#[tokio::test]
async fn each_refresh_rotates_and_reusing_an_old_token_revokes_the_family() {
    let app = spawn_app().await;
    let session = app.signup("kim").await;
    let first = session["refresh_token"].as_str().unwrap().to_owned();

    let (status, rotated) = app
        .post("/refresh", None, &json!({"refresh_token": first}))
        .await;
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    let (reuse, reuse_body) = app
        .post("/refresh", None, &json!({"refresh_token": first}))
        .await;
    let (after, _) = app
        .post("/refresh", None, &json!({"refresh_token": second}))
        .await;

    assert_eq!(status, 200);
    assert_ne!(first, second);
    assert_eq!(
        (reuse, reuse_body["error"]["code"].as_str()),
        (401, Some("refresh_reused"))
    );
    assert_eq!(
        after, 401,
        "the thief's reuse also ends the legitimate newer token"
    );
    app.stop().await;
}

#[tokio::test]
async fn sign_out_ends_the_session_and_unknown_tokens_are_refused() {
    let app = spawn_app().await;
    let session = app.signup("lea").await;
    let token = session["refresh_token"].as_str().unwrap().to_owned();

    let (not_an_object, refused) = app
        .post("/signout", Some(&caller_of(&session)), &json!([]))
        .await;
    assert_eq!(not_an_object, 422, "{refused}");
    let (still_valid, rotated) = app
        .post("/refresh", None, &json!({"refresh_token": token}))
        .await;
    assert_eq!(still_valid, 200, "a refused sign-out ends nothing");
    let token = rotated["refresh_token"].as_str().unwrap().to_owned();
    let (signout, _) = app
        .post(
            "/signout",
            Some(&caller_of(&session)),
            &json!({"refresh_token": token}),
        )
        .await;
    let (refresh, _) = app
        .post("/refresh", None, &json!({"refresh_token": token}))
        .await;
    let (unknown, _) = app
        .post("/refresh", None, &json!({"refresh_token": "made-up"}))
        .await;

    assert_eq!(signout, 204);
    assert_eq!(refresh, 401);
    assert_eq!(unknown, 401);
    app.stop().await;
}
