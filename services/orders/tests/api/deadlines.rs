//! The limits in time and number: a buyer's revisions are bounded, and a delivery nobody
//! answers completes by itself when its days are over (a manual clock moves them).

use std::time::Duration;

use mercato_common::testing::{eventually, metric_sum, scrape_metrics};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_buyer_gets_two_revisions_then_must_complete() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let id = app.paid(&buyer, &seller).await;
    for _ in 0..2 {
        app.step(&seller, &id, "deliveries", &json!({"message": "Try"}))
            .await;
        let (status, _) = app
            .step(&buyer, &id, "revision", &json!({"message": "Again"}))
            .await;
        assert_eq!(status, 200);
    }
    app.step(&seller, &id, "deliveries", &json!({"message": "Last"}))
        .await;

    let (status, answer) = app
        .step(&buyer, &id, "revision", &json!({"message": "Again"}))
        .await;

    assert_eq!(status, 409);
    assert_eq!(answer["error"]["code"], "revisions_exhausted");
    assert_eq!(app.order(&buyer, &id).await["status"], "delivered");
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_nobody_answers_completes_by_itself_when_its_days_are_over() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let id = app.paid(&buyer, &seller).await;
    let other = app.paid(&buyer, &seller).await;
    app.step(&seller, &id, "deliveries", &json!({"message": "Done"}))
        .await;
    app.clock.advance(Duration::from_secs(3600));
    app.step(
        &seller,
        &other,
        "deliveries",
        &json!({"message": "Done too"}),
    )
    .await;

    // Just short of three days after the first delivery: the task looks (twice, so at least
    // once after the clock moved) and leaves it.
    app.clock
        .advance(Duration::from_secs(3 * 24 * 3600 - 3600 - 1));
    let rounds = || async {
        let metrics = scrape_metrics(app.addr).await;
        metric_sum(&metrics, "orders_job_rounds_total", &[])
    };
    let before = rounds().await;
    eventually(
        "two rounds of the periodic task",
        Duration::from_secs(10),
        || async { (rounds().await >= before + 2.0).then_some(()) },
    )
    .await;
    assert_eq!(app.order(&buyer, &id).await["status"], "delivered");
    app.clock.advance(Duration::from_secs(1));
    let completed = app
        .order_until(&seller, &id, "the automatic completion", |o| {
            o["status"] == "completed"
        })
        .await;

    let last = completed["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "complete");
    assert_eq!(last["by"], Value::Null);
    assert!(last["note"].as_str().unwrap().contains("automatically"));
    assert_eq!(
        app.order(&buyer, &other).await["status"],
        "delivered",
        "its days are not over"
    );
    let (_, buyers) = app.get("/v1/notifications", &buyer).await;
    assert_eq!(buyers["items"][0]["kind"], "order_completed");
    app.stop().await;
}

#[tokio::test]
async fn an_extension_still_open_at_the_delivery_is_withdrawn_and_a_new_one_may_follow_a_revision()
{
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let id = app.paid(&buyer, &seller).await;
    let (_, asked) = app
        .step(
            &seller,
            &id,
            "extensions",
            &json!({"days": 3, "reason": "More time"}),
        )
        .await;
    let first = asked["extensions"][0]["id"].as_str().unwrap().to_owned();
    let due_before = app.order(&buyer, &id).await["due_at"].clone();

    let (_, delivered) = app
        .step(&seller, &id, "deliveries", &json!({"message": "Done"}))
        .await;
    app.step(&buyer, &id, "revision", &json!({"message": "Again"}))
        .await;
    let (late, _) = app
        .step(
            &buyer,
            &id,
            &format!("extensions/{first}/approve"),
            &json!({}),
        )
        .await;
    let (again, asked_again) = app
        .step(
            &seller,
            &id,
            "extensions",
            &json!({"days": 1, "reason": "One more day"}),
        )
        .await;

    assert_eq!(delivered["extensions"][0]["status"], "withdrawn");
    assert!(delivered["extensions"][0]["resolved_at"].is_string());
    assert_eq!(late, 409, "a withdrawn request cannot be approved");
    assert_eq!(app.order(&buyer, &id).await["due_at"], due_before);
    assert_eq!(again, 201, "{asked_again}");
    assert_eq!(asked_again["extensions"][1]["status"], "pending");
    app.stop().await;
}
