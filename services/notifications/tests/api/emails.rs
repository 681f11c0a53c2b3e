//! Requests in, emails out: once each, never half-filled, failures sorted.

use std::time::Duration;

use mercato_common::testing::{DeadLetter, TestRedis, TestSmtpSink, eventually, scrape_metrics};
use serde_json::json;

use crate::helpers::{request, spawn_app, spawn_app_with_redis, verify_vars};

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
    app.settled(2).await;

    // The sink stores an email before it accepts it, so after both deliveries its count is final.
    assert_eq!(sink.emails().len(), 1);
    assert!(
        sink.emails()[0]
            .message_id
            .contains(&envelope.id.to_string())
    );
    assert_eq!(
        app.email_count("emails_sent_total", "sign_in_code").await,
        1.0
    );
    assert_eq!(
        app.email_count("emails_deduplicated_total", "sign_in_code")
            .await,
        1.0,
        "the second delivery was recognised as sent"
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
    eventually("a send to fail", Duration::from_secs(20), || async {
        (app.email_count("emails_failed_total", "verify_email").await >= 1.0).then_some(())
    })
    .await;
    let sink = TestSmtpSink::start_on(port, None).await;
    let counts = app.settled(1).await;

    assert_eq!(sink.emails().len(), 1);
    assert_eq!(counts.dead_lettered, 0);
    assert!(counts.retried >= 1, "it was retried: {counts:?}");
    assert_eq!(
        app.email_count("emails_sent_total", "verify_email").await,
        1.0
    );
    assert!(
        app.broker
            .get(&app.topology().dead_letter_queue)
            .await
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_permanent_smtp_rejection_dead_letters_the_request_without_retries() {
    let sink = TestSmtpSink::start_on(TestSmtpSink::free_port(), Some("@nowhere.test")).await;
    let app = spawn_app(sink.port, 5).await;

    app.publish(&request(
        "ghost@nowhere.test",
        "verify_email",
        verify_vars(),
    ))
    .await;
    let DeadLetter { reason, attempt } = app.next_dead_letter().await;

    assert!(
        reason.starts_with("rejected:") && reason.contains("550"),
        "{reason}"
    );
    assert_eq!(attempt, 1, "a permanent failure is not retried");
    assert_eq!(
        app.email_count("emails_failed_total", "verify_email").await,
        1.0
    );
    assert_eq!(
        app.email_count("emails_retried_total", "verify_email")
            .await,
        0.0
    );
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
    let DeadLetter { reason, attempt } = app.next_dead_letter().await;
    app.settled(1).await;

    assert!(
        reason.starts_with("rejected:") && reason.contains("verify_url"),
        "{reason}"
    );
    assert_eq!(attempt, 1);
    assert!(sink.emails().is_empty(), "no half-filled email was sent");
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_template_or_a_request_without_a_valid_recipient_is_dead_lettered() {
    let sink = TestSmtpSink::start().await;
    let app = spawn_app(sink.port, 5).await;

    app.publish(&request("erin@example.test", "welcome_gift", json!({})))
        .await;
    let unknown = app.next_dead_letter().await;
    app.publish(&request("", "verify_email", verify_vars()))
        .await;
    let no_recipient = app.next_dead_letter().await;
    app.settled(2).await;

    assert!(
        unknown.reason.starts_with("rejected:") && unknown.reason.contains("unknown template"),
        "{unknown:?}"
    );
    assert!(
        no_recipient.reason.starts_with("rejected:")
            && no_recipient.reason.contains("not an email address"),
        "{no_recipient:?}"
    );
    assert_eq!((unknown.attempt, no_recipient.attempt), (1, 1));
    assert!(sink.emails().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn readiness_checks_the_broker_and_redis_and_metrics_count_sent_emails() {
    let sink = TestSmtpSink::start().await;
    let mut redis = TestRedis::start();
    let app = spawn_app_with_redis(sink.port, 5, &redis.url()).await;
    app.publish(&request(
        "frank@example.test",
        "verify_email",
        verify_vars(),
    ))
    .await;
    app.settled(1).await;
    let readyz = || async {
        let response = reqwest::get(format!("http://{}/readyz", app.addr))
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<serde_json::Value>().await.unwrap())
    };

    let (status, ready) = readyz().await;
    let metrics = scrape_metrics(app.addr).await;
    redis.stop();
    let (down_status, down) = readyz().await;

    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["checks"]["rabbitmq"], "ok");
    assert_eq!(ready["checks"]["redis"], "ok");
    assert_eq!(
        app.email_count("emails_sent_total", "verify_email").await,
        1.0
    );
    assert!(
        metrics.contains("email_send_duration_seconds_bucket"),
        "{metrics}"
    );
    assert_eq!(down_status, 503, "{down}");
    assert_eq!(down["checks"]["redis"], "failing", "{down}");
    assert_eq!(down["checks"]["rabbitmq"], "ok", "{down}");
    app.stop().await;
}
