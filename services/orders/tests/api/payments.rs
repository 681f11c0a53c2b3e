//! Paying: the sandbox's cards, and the webhook every outcome goes through (signature,
//! replay, duplicates).

use mercato_common::events::catalog::types::{EMAIL_REQUESTED, ORDER_PLACED};
use mercato_common::events::catalog::{EmailRequested, OrderPlaced};
use mercato_common::testing::TestNames;
use mercato_orders::payments::signature;
use serde_json::{Value, json};

use crate::helpers::{CARD_OK, TestApp, spawn_app};

const SANDBOX_SECRET: &[u8] = b"whsec_mercato_sandbox";

/// `POST /v1/payments/webhook` with `body` and the signature header `signature`.
async fn webhook(app: &TestApp, body: &[u8], signature: Option<&str>) -> (u16, Value) {
    let mut request = app
        .api
        .http
        .post(format!("{}/v1/payments/webhook", app.api.base))
        .bearer_auth(app.api.token(None))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("Stripe-Signature", signature);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn succeeded(event_id: &str, reference: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": event_id, "object": "event", "type": "payment_intent.succeeded",
        "data": {"object": {"id": reference, "object": "payment_intent"}}
    }))
    .unwrap()
}

#[tokio::test]
async fn a_paying_card_puts_the_order_in_progress_and_announces_it_with_receipts() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(
            &TestNames::new().named("placed"),
            &[ORDER_PLACED, EMAIL_REQUESTED],
        )
        .await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;

    let (status, paid) = app.pay_with(&buyer, &order, "4242 4242 4242 4242").await;

    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "in_progress");
    assert!(paid["paid_at"].is_string());
    let paid_at = chrono::DateTime::parse_from_rfc3339(paid["paid_at"].as_str().unwrap()).unwrap();
    let due_at = chrono::DateTime::parse_from_rfc3339(paid["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due_at - paid_at, chrono::Duration::days(3));
    assert_eq!(
        paid["payment"]["confirmation_url"],
        Value::Null,
        "nothing left to pay"
    );
    let actions: Vec<&str> = paid["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["place", "confirm_payment"]);
    assert_eq!(
        paid["history"][1]["by"],
        Value::Null,
        "the service confirmed it"
    );
    // Now the seller sees it.
    let id = paid["id"].as_str().unwrap();
    assert_eq!(app.order(&seller, id).await["role"], "seller");
    app.outbox_drained().await;
    let published = app.broker.drain(&tap).await;
    let placed: Vec<OrderPlaced> = published
        .iter()
        .filter(|e| e.event_type == ORDER_PLACED)
        .map(|e| e.decode().unwrap())
        .collect();
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].price.amount, 2_500);
    assert_eq!(placed[0].seller_user_id, seller.user_id);
    let mut emails: Vec<(String, String)> = published
        .iter()
        .filter(|e| e.event_type == EMAIL_REQUESTED)
        .map(|e| {
            let email: EmailRequested = e.decode().unwrap();
            (email.template, email.to)
        })
        .collect();
    emails.sort();
    assert_eq!(
        emails,
        [
            ("order_placed".to_owned(), "sam@example.test".to_owned()),
            ("order_receipt".to_owned(), "pia@example.test".to_owned()),
        ]
    );
    // Paying again is a conflict: it is paid.
    let (again, answer) = app.pay_with(&buyer, &order, CARD_OK).await;
    assert_eq!(again, 409);
    assert_eq!(answer["error"]["fields"]["status"], json!(["in_progress"]));
    app.stop().await;
}

#[tokio::test]
async fn a_declined_card_fails_the_order_and_places_nothing() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(&TestNames::new().named("placed"), &[ORDER_PLACED])
        .await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;

    let (status, failed) = app.pay_with(&buyer, &order, "4000000000000002").await;

    assert_eq!(status, 200, "{failed}");
    assert_eq!(failed["status"], "payment_failed");
    assert_eq!(failed["payment"]["error"], "Your card was declined.");
    let (_, alerts) = app.get("/v1/notifications", &buyer).await;
    assert_eq!(alerts["items"][0]["kind"], "payment_failed");
    let id = failed["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/v1/orders/{id}"), &seller).await.0, 404);
    app.outbox_drained().await;
    assert!(app.broker.drain(&tap).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_card_that_fails_later_leaves_the_order_waiting_then_failed() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;

    let (status, waiting) = app.pay_with(&buyer, &order, "4000000000000341").await;

    assert_eq!(status, 200);
    assert_eq!(waiting["status"], "pending_payment");
    let id = waiting["id"].as_str().unwrap();
    let failed = app
        .order_until(&buyer, id, "the late failure", |o| {
            o["status"] == "payment_failed"
        })
        .await;
    assert_eq!(failed["payment"]["error"], "Your card was declined.");
    app.stop().await;
}

#[tokio::test]
async fn a_card_that_is_not_a_test_card_or_a_payment_of_someone_else_is_refused() {
    let app = spawn_app().await;
    let [buyer, seller, stranger] = app.users(["pia", "sam", "tom"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;

    let (status, answer) = app.pay_with(&buyer, &order, "5555555555554444").await;
    let (theirs, _) = app.pay_with(&stranger, &order, CARD_OK).await;

    assert_eq!(status, 422);
    assert!(answer["error"]["fields"]["card_number"].is_array());
    assert_eq!(theirs, 404);
    let id = order["id"].as_str().unwrap();
    assert_eq!(app.order(&buyer, id).await["status"], "pending_payment");
    app.stop().await;
}

#[tokio::test]
async fn the_webhook_refuses_missing_forged_and_replayed_signatures() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;
    let reference = order["payment"]["reference"].as_str().unwrap();
    let body = succeeded("evt_1", reference);
    let now = app.clock.unix_seconds();

    let missing = webhook(&app, &body, None).await;
    let forged = webhook(
        &app,
        &body,
        Some(&signature::sign(b"whsec_guess", now, &body)),
    )
    .await;
    let tampered = webhook(
        &app,
        &succeeded("evt_1", "sbx_pi_other"),
        Some(&signature::sign(SANDBOX_SECRET, now, &body)),
    )
    .await;
    let replayed = webhook(
        &app,
        &body,
        Some(&signature::sign(SANDBOX_SECRET, now - 301, &body)),
    )
    .await;
    let garbage = webhook(
        &app,
        b"{}",
        Some(&signature::sign(SANDBOX_SECRET, now, b"{}")),
    )
    .await;

    for (status, answer) in [&missing, &forged, &tampered, &replayed] {
        assert_eq!(*status, 400, "{answer}");
        assert_eq!(answer["error"]["code"], "invalid_signature");
    }
    assert_eq!(garbage.0, 400);
    assert_eq!(garbage.1["error"]["code"], "invalid_event");
    let id = order["id"].as_str().unwrap();
    assert_eq!(app.order(&buyer, id).await["status"], "pending_payment");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(events, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_webhook_delivered_twice_or_about_an_unknown_payment_is_acknowledged_and_applied_once() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(&TestNames::new().named("placed"), &[ORDER_PLACED])
        .await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;
    let reference = order["payment"]["reference"].as_str().unwrap();
    let body = succeeded("evt_twice", reference);
    let header = signature::sign(SANDBOX_SECRET, app.clock.unix_seconds(), &body);

    let first = webhook(&app, &body, Some(&header)).await;
    let second = webhook(&app, &body, Some(&header)).await;
    // Another event saying the same after the order moved on changes nothing either.
    let late = succeeded("evt_late", reference);
    let late = webhook(
        &app,
        &late,
        Some(&signature::sign(
            SANDBOX_SECRET,
            app.clock.unix_seconds(),
            &late,
        )),
    )
    .await;
    let unknown = succeeded("evt_unknown", "pi_of_another_system");
    let unknown = webhook(
        &app,
        &unknown,
        Some(&signature::sign(
            SANDBOX_SECRET,
            app.clock.unix_seconds(),
            &unknown,
        )),
    )
    .await;
    let other_type = serde_json::to_vec(
        &json!({"id": "evt_other", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}}),
    )
    .unwrap();
    let other_type = webhook(
        &app,
        &other_type,
        Some(&signature::sign(
            SANDBOX_SECRET,
            app.clock.unix_seconds(),
            &other_type,
        )),
    )
    .await;

    assert_eq!(first, (200, json!({"received": true, "result": "applied"})));
    assert_eq!(
        second,
        (200, json!({"received": true, "result": "duplicate"}))
    );
    assert_eq!(late, (200, json!({"received": true, "result": "ignored"})));
    assert_eq!(
        unknown,
        (200, json!({"received": true, "result": "unknown_payment"}))
    );
    assert_eq!(
        other_type,
        (200, json!({"received": true, "result": "ignored"}))
    );
    let id = order["id"].as_str().unwrap();
    let paid = app.order(&buyer, id).await;
    assert_eq!(paid["status"], "in_progress");
    assert_eq!(paid["history"].as_array().unwrap().len(), 2);
    app.outbox_drained().await;
    assert_eq!(app.broker.drain(&tap).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn money_taken_for_an_order_that_ended_unpaid_goes_back_and_a_cancelled_payment_fails_the_order()
 {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let declined = app.unpaid(&buyer, gig).await;
    app.pay_with(&buyer, &declined, "4000000000000002").await;
    let reference = declined["payment"]["reference"].as_str().unwrap();
    let late = succeeded("evt_late_success", reference);

    let answer = webhook(
        &app,
        &late,
        Some(&signature::sign(
            SANDBOX_SECRET,
            app.clock.unix_seconds(),
            &late,
        )),
    )
    .await;

    assert_eq!(
        answer,
        (200, json!({"received": true, "result": "refunded"}))
    );
    let id = declined["id"].as_str().unwrap();
    let refunded = app
        .order_until(&buyer, id, "the refund", |o| o["refunded"]["amount"] != 0)
        .await;
    assert_eq!(refunded["status"], "payment_failed");
    assert_eq!(refunded["refunded"]["amount"], 2_500 + 338);

    // A payment cancelled at the provider ends its order as failed.
    let unpaid = app.unpaid(&buyer, gig).await;
    let cancelled = serde_json::to_vec(&json!({
        "id": "evt_cancelled", "type": "payment_intent.canceled",
        "data": {"object": {"id": unpaid["payment"]["reference"]}}
    }))
    .unwrap();
    let header = signature::sign(SANDBOX_SECRET, app.clock.unix_seconds(), &cancelled);
    assert_eq!(webhook(&app, &cancelled, Some(&header)).await.0, 200);
    let failed = app.order(&buyer, unpaid["id"].as_str().unwrap()).await;
    assert_eq!(failed["status"], "payment_failed");
    assert_eq!(failed["payment"]["error"], "the payment was cancelled");
    app.stop().await;
}
