//! The Stripe provider against a local server standing in for Stripe's API: it checks each
//! request is exactly what Stripe expects (path, secret key, idempotency key, form fields) and
//! answers as Stripe does. The webhook is signed with the endpoint's secret as Stripe signs.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use mercato_orders::payments::stripe::Stripe;
use mercato_orders::payments::{
    NewPayment, NewRefund, PaymentError, PaymentProvider, ProviderKind, signature,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_with};

const SECRET_KEY: &str = "sk_test_local";
const WEBHOOK_SECRET: &str = "whsec_test_local";

/// One request the fake API received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    authorization: String,
    idempotency_key: String,
    content_type: String,
    form: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct FakeStripe {
    received: Arc<Mutex<Vec<Received>>>,
    /// When not 0, every request is answered with this status and Stripe's error body.
    fail_with: Arc<AtomicU16>,
}

async fn record(
    State(fake): State<FakeStripe>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap();
    fake.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        authorization: header("authorization"),
        idempotency_key: header("idempotency-key"),
        content_type: header("content-type"),
        form,
    });
    let failing = fake.fail_with.load(Ordering::SeqCst);
    if failing != 0 {
        return (
            StatusCode::from_u16(failing).unwrap(),
            axum::Json(
                json!({"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}}),
            ),
        );
    }
    let answer = if uri.path() == "/v1/refunds" {
        json!({"id": "re_test_1", "object": "refund", "status": "succeeded"})
    } else {
        json!({"id": "pi_test_1", "object": "payment_intent", "client_secret": "pi_test_1_secret_abc", "status": "requires_payment_method"})
    };
    (StatusCode::OK, axum::Json(answer))
}

/// Starts the fake API; its base URL.
async fn fake_stripe() -> (FakeStripe, String) {
    let fake = FakeStripe::default();
    let app = axum::Router::new()
        .route("/v1/payment_intents", post(record))
        .route("/v1/refunds", post(record))
        .route("/v1/payment_intents/{id}/cancel", post(record))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, base)
}

/// The orders service taking payments through the fake Stripe at `base`.
async fn stripe_app(base: &str) -> TestApp {
    spawn_with(|settings| {
        settings.payments.provider = ProviderKind::Stripe;
        settings.payments.stripe_api_base = base.to_owned();
        settings.payments.stripe_secret_key = Some(SecretString::from(SECRET_KEY));
        settings.payments.stripe_webhook_secret = Some(SecretString::from(WEBHOOK_SECRET));
    })
    .await
}

fn field<'a>(request: &'a Received, name: &str) -> Option<&'a str> {
    request
        .form
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn an_order_is_paid_through_a_payment_intent_and_refunded_on_cancel() {
    let (fake, base) = fake_stripe().await;
    let app = stripe_app(&base).await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig_at(&seller, 2_500, true).await;
    let body = json!({"gig_id": gig, "requirements": "A logo"});

    let (status, order) = app.place(&buyer, &body, Some("key-7")).await;
    let (again, _) = app.place(&buyer, &body, Some("key-7")).await;

    assert_eq!((status, again), (201, 200), "{order}");
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order["payment"]["provider"], "stripe");
    assert_eq!(order["payment"]["reference"], "pi_test_1");
    assert_eq!(order["payment"]["client_secret"], "pi_test_1_secret_abc");
    assert_eq!(order["payment"]["confirmation_url"], Value::Null);
    let received = fake.received.lock().unwrap().clone();
    assert_eq!(
        received.len(),
        1,
        "the retry reused the payment: {received:?}"
    );
    let intent = &received[0];
    assert_eq!(intent.path, "/v1/payment_intents");
    assert_eq!(intent.authorization, format!("Bearer {SECRET_KEY}"));
    assert_eq!(intent.idempotency_key, format!("order-{id}"));
    assert_eq!(intent.content_type, "application/x-www-form-urlencoded");
    assert_eq!(field(intent, "amount"), Some("2838"));
    assert_eq!(field(intent, "currency"), Some("usd"));
    assert_eq!(
        field(intent, "automatic_payment_methods[enabled]"),
        Some("true")
    );
    assert_eq!(field(intent, "metadata[order_id]"), Some(id.as_str()));

    // Stripe's webhook, signed with the endpoint's secret, confirms it.
    let event = serde_json::to_vec(&json!({
        "id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_test_1", "object": "payment_intent", "amount": 2838, "metadata": {"order_id": id}}}
    }))
    .unwrap();
    let sandbox_signed =
        signature::sign(b"whsec_mercato_sandbox", app.clock.unix_seconds(), &event);
    let stripe_signed =
        signature::sign(WEBHOOK_SECRET.as_bytes(), app.clock.unix_seconds(), &event);
    let send = |header: String| {
        let request = app
            .api
            .http
            .post(format!("{}/v1/payments/webhook", app.api.base))
            .bearer_auth(app.api.token(None))
            .header("Stripe-Signature", header)
            .body(event.clone());
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        send(sandbox_signed).await,
        400,
        "the sandbox's secret is not Stripe's"
    );
    assert_eq!(send(stripe_signed).await, 200);
    assert_eq!(app.order(&buyer, &id).await["status"], "in_progress");
    // The sandbox's page does not exist with Stripe.
    let (sandbox, _) = app
        .post(
            "/v1/payments/sandbox/pi_test_1/confirm",
            &buyer,
            &json!({"card_number": "4242424242424242"}),
        )
        .await;
    assert_eq!(sandbox, 404);

    let (status, _) = app.step(&buyer, &id, "cancel", &json!({})).await;
    assert_eq!(status, 200);
    let refunded = app
        .order_until(&buyer, &id, "the refund", |o| o["refunded"]["amount"] != 0)
        .await;

    assert_eq!(refunded["refunded"]["amount"], 2838);
    let received = fake.received.lock().unwrap().clone();
    let refund = received.iter().find(|r| r.path == "/v1/refunds").unwrap();
    assert_eq!(refund.authorization, format!("Bearer {SECRET_KEY}"));
    assert!(refund.idempotency_key.starts_with("refund-"));
    assert_eq!(field(refund, "payment_intent"), Some("pi_test_1"));
    assert_eq!(field(refund, "amount"), Some("2838"));
    assert_eq!(field(refund, "metadata[order_id]"), Some(id.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn stripes_refusals_are_final_and_its_failures_retryable() {
    let (fake, base) = fake_stripe().await;
    let stripe = Stripe::new(&base, SECRET_KEY, WEBHOOK_SECRET).unwrap();
    let payment = NewPayment {
        order_id: Uuid::now_v7(),
        amount: 1_000,
        currency: "USD",
        description: "test",
        idempotency_key: "order-x",
    };

    fake.fail_with.store(402, Ordering::SeqCst);
    let refused = stripe.start(&payment).await;
    fake.fail_with.store(500, Ordering::SeqCst);
    let failed = stripe
        .refund(&NewRefund {
            refund_id: Uuid::now_v7(),
            order_id: payment.order_id,
            payment_ref: "pi_1",
            amount: 500,
        })
        .await;
    fake.fail_with.store(0, Ordering::SeqCst);
    let started = stripe.start(&payment).await.unwrap();

    assert!(
        matches!(refused, Err(PaymentError::Refused(ref m)) if m == "Your card was declined."),
        "{refused:?}"
    );
    assert!(
        matches!(failed, Err(PaymentError::Unavailable(_))),
        "{failed:?}"
    );
    assert_eq!(started.reference, "pi_test_1");
    let unreachable = Stripe::new("http://127.0.0.1:9", SECRET_KEY, WEBHOOK_SECRET)
        .unwrap()
        .start(&payment)
        .await;
    assert!(matches!(unreachable, Err(PaymentError::Unavailable(_))));
}

#[tokio::test]
async fn a_placement_whose_payment_cannot_start_is_resumed_by_its_retry() {
    let (fake, base) = fake_stripe().await;
    let app = stripe_app(&base).await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let body = json!({"gig_id": gig, "requirements": "A logo"});

    fake.fail_with.store(503, Ordering::SeqCst);
    let (down, answer) = app.place(&buyer, &body, Some("k")).await;
    fake.fail_with.store(0, Ordering::SeqCst);
    let (retried, order) = app.place(&buyer, &body, Some("k")).await;

    assert_eq!(down, 503);
    assert_eq!(answer["error"]["code"], "payment_unavailable");
    assert_eq!(retried, 200, "{order}");
    assert_eq!(order["payment"]["client_secret"], "pi_test_1_secret_abc");
    let received = fake.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].idempotency_key, received[1].idempotency_key,
        "the same payment at Stripe"
    );
    app.stop().await;
}

/// Stripe's webhook for `event_type` about `pi_test_1`, signed with the endpoint's secret.
async fn stripe_webhook(app: &TestApp, event_id: &str, event_type: &str) -> u16 {
    let event = serde_json::to_vec(&json!({
        "id": event_id, "object": "event", "type": event_type,
        "data": {"object": {"id": "pi_test_1", "object": "payment_intent",
            "last_payment_error": {"message": "Your card has insufficient funds."}}}
    }))
    .unwrap();
    let header = signature::sign(WEBHOOK_SECRET.as_bytes(), app.clock.unix_seconds(), &event);
    app.api
        .http
        .post(format!("{}/v1/payments/webhook", app.api.base))
        .bearer_auth(app.api.token(None))
        .header("Stripe-Signature", header)
        .body(event)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_declined_payment_is_cancelled_at_stripe_so_no_later_attempt_can_take_the_money() {
    let (fake, base) = fake_stripe().await;
    let app = stripe_app(&base).await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;
    let id = order["id"].as_str().unwrap();

    assert_eq!(
        stripe_webhook(&app, "evt_failed", "payment_intent.payment_failed").await,
        200
    );

    let failed = app.order(&buyer, id).await;
    assert_eq!(failed["status"], "payment_failed");
    assert_eq!(
        failed["payment"]["error"],
        "Your card has insufficient funds."
    );
    let cancel = mercato_common::testing::eventually(
        "the cancellation at Stripe",
        std::time::Duration::from_secs(10),
        || async {
            fake.received
                .lock()
                .unwrap()
                .iter()
                .find(|r| r.path == "/v1/payment_intents/pi_test_1/cancel")
                .cloned()
        },
    )
    .await;
    assert_eq!(cancel.authorization, format!("Bearer {SECRET_KEY}"));
    assert_eq!(cancel.idempotency_key, "cancel-pi_test_1");
    app.stop().await;
}

#[tokio::test]
async fn a_refund_stripe_keeps_failing_ends_failed_for_a_person_instead_of_waiting_forever() {
    let (fake, base) = fake_stripe().await;
    let app = stripe_app(&base).await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let order = app.unpaid(&buyer, gig).await;
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(
        stripe_webhook(&app, "evt_paid", "payment_intent.succeeded").await,
        200
    );
    fake.fail_with.store(503, Ordering::SeqCst);

    let (status, _) = app.step(&buyer, &id, "cancel", &json!({})).await;

    assert_eq!(status, 200);
    let (state, attempts): (String, i32) = mercato_common::testing::eventually(
        "the refund to give up",
        std::time::Duration::from_secs(20),
        || async {
            let row: (String, i32) = sqlx::query_as("SELECT status, attempts FROM refunds")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            (row.0 != "pending").then_some(row)
        },
    )
    .await;
    assert_eq!(
        (state.as_str(), attempts),
        ("failed", mercato_orders::refunds::MAX_ATTEMPTS)
    );
    assert_eq!(app.order(&buyer, &id).await["refunded"]["amount"], 0);
    app.stop().await;
}
