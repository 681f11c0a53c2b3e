//! Requests in, emails out: once each, never half-filled, failures sorted.

use std::time::Duration;

use mercato_common::testing::{TestSmtpSink, scrape_metrics};
use serde_json::json;

use crate::helpers::{request, settled_count, spawn_app, verify_vars};

#[tokio::test]
async fn a_requested_email_arrives_with_subject_recipient_and_working_link() {
    let sink = TestSmtpSink::start().await;
    let app = spawn_app(sink.port, 5).await;

    app.publish(&request(
        "alice@example.test",
        "verify_email",
        verify_vars(),
    ))
    .await;
    let emails = sink.wait_for(1, Duration::from_secs(20)).await;

    let email = &emails[0];
    assert_eq!(email.rcpt_to, vec!["alice@example.test"]);
    assert_eq!(email.to, "alice@example.test");
    assert_eq!(email.subject, "Confirm your email address");
    assert!(
        email.from.contains("no-reply@mercato.local"),
        "{}",
        email.from
    );
    let text = email.text.as_deref().unwrap();
    assert!(
        text.contains("https://mercato.example/verify-email?token=abc123"),
        "{text}"
    );
    let html = email.html.as_deref().unwrap().replace("&#x2f;", "/");
    assert!(
        html.contains("href=\"https://mercato.example/verify-email?token=abc123\""),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_duplicated_request_sends_one_email() {
    let sink = TestSmtpSink::start().await;
    let app = spawn_app(sink.port, 5).await;
    let envelope = request(
        "bob@example.test",
        "sign_in_code",
        json!({"username": "bob", "code": "123456", "expires_in_minutes": 10}),
    );

    app.publish(&envelope).await;
    app.publish(&envelope).await;
    sink.wait_for(1, Duration::from_secs(20)).await;

    assert_eq!(settled_count(&sink).await, 1);
    assert!(
        sink.emails()[0]
            .message_id
            .contains(&envelope.id.to_string())
    );
    app.stop().await;
}

#[tokio::test]
async fn with_the_smtp_server_down_then_up_the_email_arrives_once() {
    let port = TestSmtpSink::free_port();
    let app = spawn_app(port, 40).await;

    app.publish(&request(
        "carol@example.test",
        "verify_email",
        verify_vars(),
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let sink = TestSmtpSink::start_on(port, None).await;
    sink.wait_for(1, Duration::from_secs(30)).await;

    assert_eq!(settled_count(&sink).await, 1);
    assert!(
        app.broker
            .get(&app.topology().dead_letter_queue)
            .await
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_permanent_smtp_rejection_dead_letters_the_request() {
    let sink = TestSmtpSink::start_on(TestSmtpSink::free_port(), Some("@nowhere.test")).await;
    let app = spawn_app(sink.port, 5).await;

    app.publish(&request(
        "ghost@nowhere.test",
        "verify_email",
        verify_vars(),
    ))
    .await;
    let reason = app.dead_letter_reason().await;

    assert!(
        reason.contains("550") || reason.contains("permanent"),
        "{reason}"
    );
    assert_eq!(settled_count(&sink).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_missing_variable_dead_letters_the_request_and_sends_nothing() {
    let sink = TestSmtpSink::start().await;
    let app = spawn_app(sink.port, 5).await;
    let mut vars = verify_vars();
    vars.as_object_mut().unwrap().remove("verify_url");

    app.publish(&request("dave@example.test", "verify_email", vars))
        .await;
    let reason = app.dead_letter_reason().await;

    assert!(reason.contains("verify_url"), "{reason}");
    assert_eq!(settled_count(&sink).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_template_or_a_request_without_a_valid_recipient_is_dead_lettered() {
    let sink = TestSmtpSink::start().await;
    let app = spawn_app(sink.port, 5).await;

    app.publish(&request("erin@example.test", "welcome_gift", json!({})))
        .await;
    let unknown = app.dead_letter_reason().await;
    app.publish(&request("", "verify_email", verify_vars()))
        .await;
    let no_recipient = app.dead_letter_reason().await;

    assert!(unknown.contains("unknown template"), "{unknown}");
    assert!(
        no_recipient.contains("not an email address"),
        "{no_recipient}"
    );
    assert_eq!(settled_count(&sink).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn readiness_checks_the_broker_and_redis_and_metrics_count_sent_emails() {
    let sink = TestSmtpSink::start().await;
    let app = spawn_app(sink.port, 5).await;
    app.publish(&request(
        "frank@example.test",
        "verify_email",
        verify_vars(),
    ))
    .await;
    sink.wait_for(1, Duration::from_secs(20)).await;

    let ready: serde_json::Value = reqwest::get(format!("http://{}/readyz", app.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let metrics = scrape_metrics(app.addr).await;

    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["checks"]["rabbitmq"], "ok");
    assert_eq!(ready["checks"]["redis"], "ok");
    assert!(
        metrics.contains("emails_sent_total{template=\"verify_email\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("email_send_duration_seconds_bucket"),
        "{metrics}"
    );
    app.stop().await;
}
