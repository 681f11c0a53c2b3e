//! Sign-up rules, uniqueness, verification.

use mercato_common::events::catalog::{UserEmailVerified, UserRegistered};
use serde_json::json;

use crate::helpers::{caller_of, link_token, signup_body, spawn_app};

#[tokio::test]
async fn sign_up_creates_the_account_signs_in_and_publishes_registration_and_verification() {
    let app = spawn_app().await;

    let session = app.signup("Alice_1").await;
    let registered = app
        .event("user.registered.v1", |_| true)
        .await
        .decode::<UserRegistered>()
        .unwrap();
    let email = app.email("verify_email", "alice_1@example.test").await;

    assert_eq!(session["user"]["username"], "Alice_1");
    assert_eq!(session["user"]["email"], "alice_1@example.test");
    assert_eq!(session["user"]["email_verified"], false);
    assert!(session["refresh_token"].as_str().unwrap().len() >= 40);
    assert!(session["user"].get("password_hash").is_none());
    assert_eq!(registered.username, "Alice_1");
    assert!(
        email.vars["verify_url"]
            .as_str()
            .unwrap()
            .starts_with("https://mercato.test/verify-email?token=")
    );
    app.stop().await;
}

#[tokio::test]
async fn usernames_and_emails_are_unique_whatever_their_case() {
    let app = spawn_app().await;
    app.signup("bob").await;

    let mut same_name = signup_body("BOB");
    same_name["email"] = json!("other@example.test");
    let (name_status, name_body) = app.post("/signup", None, &same_name).await;
    let mut same_email = signup_body("robert");
    same_email["email"] = json!("BOB@Example.TEST");
    let (email_status, email_body) = app.post("/signup", None, &same_email).await;

    assert_eq!(
        (name_status, name_body["error"]["code"].as_str()),
        (409, Some("username_taken"))
    );
    assert_eq!(
        (email_status, email_body["error"]["code"].as_str()),
        (409, Some("email_taken"))
    );
    app.stop().await;
}

#[tokio::test]
async fn invalid_fields_get_422_with_a_reason_per_field() {
    let app = spawn_app().await;
    let body = json!({"username": "a", "email": "not-an-email", "password": "password123", "country": "Germany"});

    let (status, error) = app.post("/signup", None, &body).await;

    assert_eq!(status, 422, "{error}");
    let fields = &error["error"]["fields"];
    for field in ["username", "email", "password", "country"] {
        assert!(fields[field].is_array(), "{field} missing: {error}");
    }
    // Valid in every other way: only the unknown field is refused, and nothing is created.
    let mut unknown = signup_body("carol");
    unknown["is_admin"] = json!(true);
    let (unknown_status, refused) = app.post("/signup", None, &unknown).await;
    assert_eq!(unknown_status, 422, "{refused}");
    assert!(
        refused["error"]["fields"]["is_admin"].is_array(),
        "{refused}"
    );
    // serde would fill the fields from an array, in declaration order: only objects are bodies.
    let positional = json!(["carol", "carol@example.test", "correct horse battery", "DE"]);
    let (array_status, array_refused) = app.post("/signup", None, &positional).await;
    assert_eq!(array_status, 422, "{array_refused}");
    assert_eq!(
        array_refused["error"]["fields"]["body"],
        json!(["must be a JSON object"])
    );
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
    let (accepted, _) = app.post("/signup", None, &signup_body("carol")).await;
    assert_eq!(accepted, 201, "the same body without it is accepted");
    app.stop().await;
}

#[tokio::test]
async fn a_verification_token_works_once_and_a_resend_voids_the_old_one() {
    let app = spawn_app().await;
    let session = app.signup("dora").await;
    let first = link_token(
        &app.email("verify_email", "dora@example.test").await,
        "verify_url",
    );

    let (resend, _) = app
        .post(
            "/verify-email/resend",
            Some(&caller_of(&session)),
            &json!({}),
        )
        .await;
    let second = link_token(
        &app.email("verify_email", "dora@example.test").await,
        "verify_url",
    );
    let (old_status, old) = app
        .post("/verify-email", None, &json!({"token": first}))
        .await;
    let (ok_status, verified) = app
        .post("/verify-email", None, &json!({"token": second}))
        .await;
    let (again_status, _) = app
        .post("/verify-email", None, &json!({"token": second}))
        .await;
    let event = app
        .event("user.email_verified.v1", |_| true)
        .await
        .decode::<UserEmailVerified>()
        .unwrap();

    assert_eq!(resend, 202);
    assert_eq!(
        (old_status, old["error"]["code"].as_str()),
        (400, Some("invalid_token"))
    );
    assert_eq!(ok_status, 200);
    assert_eq!(verified["user"]["email_verified"], true);
    assert_eq!(again_status, 400, "a used token does not work twice");
    assert_eq!(
        event.user_id.to_string(),
        session["user"]["id"].as_str().unwrap()
    );
    app.stop().await;
}

#[tokio::test]
async fn no_route_answers_without_a_gateway_token() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/v1/auth/signup", app.base))
        .json(&signup_body("eve"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let user_token = app
        .keys
        .minter()
        .mint_user_token(&mercato_common::testing::caller("eve", true))
        .unwrap();
    let response = app
        .client
        .get(format!("{}/v1/auth/me", app.base))
        .bearer_auth(user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    app.stop().await;
}
