//! Nothing secret reaches the logs: passwords, refresh tokens, codes and link tokens are never
//! written, even at the most verbose level.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::helpers::{PASSWORD, link_token, spawn_app};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_password_token_or_code_appears_in_the_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .init();
    let app = spawn_app().await;

    let session = app.signup("secretive").await;
    let refresh = session["refresh_token"].as_str().unwrap().to_owned();
    let verify = link_token(
        &app.email("verify_email", "secretive@example.test").await,
        "verify_url",
    );
    let (wrong, _) = app
        .post(
            "/signin",
            None,
            &json!({"login": "secretive", "password": "a wrong password", "device_id": "dev-1"}),
        )
        .await;
    let (challenged, challenge) = app
        .post(
            "/signin",
            None,
            &json!({"login": "secretive", "password": PASSWORD, "device_id": "other"}),
        )
        .await;
    let code = app
        .email("sign_in_code", "secretive@example.test")
        .await
        .vars["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (otp, _) = app
        .post(
            "/signin/otp",
            None,
            &json!({"challenge_id": challenge["challenge_id"], "code": code}),
        )
        .await;
    let (refreshed, _) = app
        .post("/refresh", None, &json!({"refresh_token": refresh}))
        .await;
    let (forgot, _) = app
        .post(
            "/password/forgot",
            None,
            &json!({"email": "secretive@example.test"}),
        )
        .await;
    let reset = link_token(
        &app.email("forgot_password", "secretive@example.test").await,
        "reset_url",
    );
    let (was_reset, _) = app
        .post(
            "/password/reset",
            None,
            &json!({"token": reset, "password": "another long passphrase"}),
        )
        .await;
    let (verified, _) = app
        .post("/verify-email", None, &json!({"token": verify}))
        .await;

    // Each secret went all the way through the code that handles it.
    assert_eq!(
        (
            wrong, challenged, otp, refreshed, forgot, was_reset, verified
        ),
        (401, 202, 200, 200, 202, 204, 200)
    );
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("account created"),
        "the capture works: {} bytes",
        logs.len()
    );
    for (what, secret) in [
        ("password", PASSWORD),
        ("wrong password", "a wrong password"),
        ("new password", "another long passphrase"),
        ("refresh token", refresh.as_str()),
        ("verification token", verify.as_str()),
        ("reset token", reset.as_str()),
    ] {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
    // Six digits can occur by chance inside timestamps and latencies: look for the code as a
    // value of its own.
    for form in [
        format!("\"{code}\""),
        format!("\":{code}"),
        format!("={code}"),
        format!(": {code}"),
    ] {
        assert!(
            !logs.contains(&form),
            "the sign-in code appears in the logs as {form}"
        );
    }
    app.stop().await;
}
