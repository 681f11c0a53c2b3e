//! Forgotten, reset and changed passwords.

use serde_json::json;

use crate::helpers::{PASSWORD, caller_of, link_token, spawn_app};

#[tokio::test]
async fn forgot_always_answers_202_and_emails_only_real_accounts() {
    let app = spawn_app().await;
    app.signup("mia").await;

    let (unknown, _) = app
        .post(
            "/password/forgot",
            None,
            &json!({"email": "ghost@example.test"}),
        )
        .await;
    let (known, _) = app
        .post(
            "/password/forgot",
            None,
            &json!({"email": "MIA@example.test"}),
        )
        .await;
    let email = app.email("forgot_password", "mia@example.test").await;
    // The email request is written with the answer, in one transaction: no waiting needed.
    let to_ghost: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mercato_outbox WHERE event_type = 'email.requested.v1' AND envelope LIKE '%ghost@example.test%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let to_mia: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mercato_outbox WHERE event_type = 'email.requested.v1' AND envelope LIKE '%\"forgot_password\"%' AND envelope LIKE '%mia@example.test%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();

    assert_eq!((unknown, known), (202, 202));
    assert_eq!(
        (to_ghost, to_mia),
        (0, 1),
        "only the real account is emailed"
    );
    assert!(
        email.vars["reset_url"]
            .as_str()
            .unwrap()
            .starts_with("https://mercato.test/reset-password?token=")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_reset_token_works_once_expires_and_ends_every_session() {
    let app = spawn_app().await;
    let session = app.signup("nils").await;
    app.post(
        "/password/forgot",
        None,
        &json!({"email": "nils@example.test"}),
    )
    .await;
    let token = link_token(
        &app.email("forgot_password", "nils@example.test").await,
        "reset_url",
    );

    let (weak, _) = app
        .post(
            "/password/reset",
            None,
            &json!({"token": token, "password": "short"}),
        )
        .await;
    let (reset, _) = app
        .post(
            "/password/reset",
            None,
            &json!({"token": token, "password": "a brand new passphrase"}),
        )
        .await;
    let (again, _) = app
        .post(
            "/password/reset",
            None,
            &json!({"token": token, "password": "another new passphrase"}),
        )
        .await;
    let (refresh, _) = app
        .post(
            "/refresh",
            None,
            &json!({"refresh_token": session["refresh_token"]}),
        )
        .await;
    let (signin, _) = app
        .post(
            "/signin",
            None,
            &json!({"login": "nils", "password": "a brand new passphrase", "device_id": "dev-1"}),
        )
        .await;
    app.email("password_changed", "nils@example.test").await;

    assert_eq!(weak, 422, "a weak password does not use up the token");
    assert_eq!(reset, 204);
    assert_eq!(again, 400, "a used token does not work twice");
    assert_eq!(refresh, 401, "sessions end with a reset");
    assert_eq!(signin, 200);

    app.post(
        "/password/forgot",
        None,
        &json!({"email": "nils@example.test"}),
    )
    .await;
    let expiring = link_token(
        &app.email("forgot_password", "nils@example.test").await,
        "reset_url",
    );
    sqlx::query("UPDATE link_tokens SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE purpose = 'reset_password' AND used_at IS NULL")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (expired, _) = app
        .post(
            "/password/reset",
            None,
            &json!({"token": expiring, "password": "yet another passphrase"}),
        )
        .await;
    assert_eq!(expired, 400);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_sessions() {
    let app = spawn_app().await;
    let session = app.signup("olaf").await;
    let olaf = caller_of(&session);

    let (wrong, body) = app.post("/password/change", Some(&olaf), &json!({"current_password": "not my password", "new_password": "a brand new passphrase"})).await;
    let (changed, _) = app
        .post(
            "/password/change",
            Some(&olaf),
            &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
        )
        .await;
    let (refresh, _) = app
        .post(
            "/refresh",
            None,
            &json!({"refresh_token": session["refresh_token"]}),
        )
        .await;
    let (old, _) = app
        .post(
            "/signin",
            None,
            &json!({"login": "olaf", "password": PASSWORD, "device_id": "dev-1"}),
        )
        .await;
    let (new, _) = app
        .post(
            "/signin",
            None,
            &json!({"login": "olaf", "password": "a brand new passphrase", "device_id": "dev-1"}),
        )
        .await;
    let (anonymous, _) = app
        .post(
            "/password/change",
            None,
            &json!({"current_password": PASSWORD, "new_password": "x"}),
        )
        .await;

    assert_eq!(
        (wrong, body["error"]["code"].as_str()),
        (403, Some("wrong_password"))
    );
    assert_eq!(changed, 204);
    assert_eq!(refresh, 401);
    assert_eq!(old, 401);
    assert_eq!(new, 200, "the new password signs in");
    assert_eq!(anonymous, 401);
    let (_, me) = app.get("/me", Some(&olaf)).await;
    assert_eq!(me["user"]["username"], "olaf");
    app.stop().await;
}
