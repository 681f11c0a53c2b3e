//! Sign-in: indistinguishable failures, lockout, one-time codes for new devices.

use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.signup("frank").await;

    let (unknown_status, unknown) = app
        .post(
            "/signin",
            None,
            &json!({"login": "nobody", "password": PASSWORD, "device_id": "dev-1"}),
        )
        .await;
    let (wrong_status, wrong) = app
        .post(
            "/signin",
            None,
            &json!({"login": "frank", "password": "wrong password!", "device_id": "dev-1"}),
        )
        .await;
    let (ok_status, ok) = app
        .post(
            "/signin",
            None,
            &json!({"login": "FRANK@example.test", "password": PASSWORD, "device_id": "dev-1"}),
        )
        .await;

    assert_eq!(unknown_status, 401);
    assert_eq!(wrong_status, 401);
    assert_eq!(unknown["error"]["code"], wrong["error"]["code"]);
    assert_eq!(unknown["error"]["message"], wrong["error"]["message"]);
    assert_eq!(ok_status, 200, "{ok}");
    assert_eq!(ok["user"]["username"], "frank");
    app.stop().await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = spawn_app().await;
    app.signup("gina").await;
    for _ in 0..3 {
        let (status, _) = app
            .post(
                "/signin",
                None,
                &json!({"login": "gina", "password": "not it at all", "device_id": "dev-1"}),
            )
            .await;
        assert_eq!(status, 401);
    }

    let (status, body) = app
        .post(
            "/signin",
            None,
            &json!({"login": "gina", "password": PASSWORD, "device_id": "dev-1"}),
        )
        .await;

    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("account_locked")),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_new_device_needs_the_emailed_code_which_then_trusts_it() {
    let app = spawn_app().await;
    app.signup("hank").await;

    let (status, challenge) = app
        .post(
            "/signin",
            None,
            &json!({"login": "hank", "password": PASSWORD, "device_id": "laptop"}),
        )
        .await;
    let code = app.email("sign_in_code", "hank@example.test").await.vars["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let challenge_id = challenge["challenge_id"].as_str().unwrap().to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (wrong_status, _) = app
        .post(
            "/signin/otp",
            None,
            &json!({"challenge_id": challenge_id, "code": wrong}),
        )
        .await;
    let (ok_status, session) = app
        .post(
            "/signin/otp",
            None,
            &json!({"challenge_id": challenge_id, "code": code}),
        )
        .await;
    let (reuse_status, _) = app
        .post(
            "/signin/otp",
            None,
            &json!({"challenge_id": challenge_id, "code": code}),
        )
        .await;
    let (trusted, _) = app
        .post(
            "/signin",
            None,
            &json!({"login": "hank", "password": PASSWORD, "device_id": "laptop"}),
        )
        .await;

    assert_eq!(status, 202);
    assert_eq!(challenge["otp_required"], true);
    assert_eq!(wrong_status, 401);
    assert_eq!(ok_status, 200);
    assert_eq!(session["user"]["username"], "hank");
    assert_eq!(reuse_status, 401, "a code works once");
    assert_eq!(trusted, 200, "the device is trusted now");
    app.stop().await;
}

#[tokio::test]
async fn a_code_is_bound_to_its_challenge_expires_and_allows_five_attempts() {
    let app = spawn_app().await;
    app.signup("ida").await;
    app.signup("jon").await;
    let (_, ida_challenge) = app
        .post(
            "/signin",
            None,
            &json!({"login": "ida", "password": PASSWORD, "device_id": "phone"}),
        )
        .await;
    let ida_code = app.email("sign_in_code", "ida@example.test").await.vars["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, jon_challenge) = app
        .post(
            "/signin",
            None,
            &json!({"login": "jon", "password": PASSWORD, "device_id": "phone"}),
        )
        .await;
    let jon_code = app.email("sign_in_code", "jon@example.test").await.vars["code"]
        .as_str()
        .unwrap()
        .to_owned();

    // Ida's code on Jon's challenge does not sign anyone in (it counts as a wrong code).
    let mut wrong_codes = 0;
    if ida_code != jon_code {
        wrong_codes += 1;
        let (cross, _) = app
            .post(
                "/signin/otp",
                None,
                &json!({"challenge_id": jon_challenge["challenge_id"], "code": ida_code}),
            )
            .await;
        assert_eq!(cross, 401);
    }
    // Expired: the challenge's clock runs out.
    sqlx::query("UPDATE otp_challenges SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id = ?")
        .bind(ida_challenge["challenge_id"].as_str().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (expired, _) = app
        .post(
            "/signin/otp",
            None,
            &json!({"challenge_id": ida_challenge["challenge_id"], "code": ida_code}),
        )
        .await;
    assert_eq!(expired, 401);
    // Exhausted: after five wrong codes even the right one is refused.
    let wrong = if jon_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    while wrong_codes < 5 {
        wrong_codes += 1;
        let (status, _) = app
            .post(
                "/signin/otp",
                None,
                &json!({"challenge_id": jon_challenge["challenge_id"], "code": wrong}),
            )
            .await;
        assert_eq!(status, 401);
    }
    let (exhausted, body) = app
        .post(
            "/signin/otp",
            None,
            &json!({"challenge_id": jon_challenge["challenge_id"], "code": jon_code}),
        )
        .await;
    assert_eq!(
        (exhausted, body["error"]["code"].as_str()),
        (429, Some("challenge_exhausted")),
        "{body}"
    );
    app.stop().await;
}
