//! The lifecycle: every legal transition with what it changes and announces, every illegal one
//! refused with the current status, and refunds on cancellation (the limits in time and number
//! are in `deadlines.rs`).

use mercato_common::events::catalog::types;
use mercato_common::events::catalog::{
    EmailRequested, OrderCancelled, OrderCompleted, OrderExtensionResolved,
};
use mercato_common::storage::Purpose;
use mercato_common::testing::{TestNames, put_upload};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn due(order: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(order["due_at"].as_str().unwrap()).unwrap()
}

/// Uploads a small PDF for delivery as `who`; its key.
async fn uploaded_pdf(app: &TestApp, who: &mercato_common::token::Caller) -> String {
    let (status, upload) = app
        .post(
            "/v1/uploads/delivery",
            who,
            &json!({"file_name": "logo.pdf", "content_type": "application/pdf", "size": 9}),
        )
        .await;
    assert_eq!(status, 201, "{upload}");
    assert_eq!(put_upload(&upload, b"%PDF-1.4\n").await, 200);
    let key = upload["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(Purpose::Delivery.slug()));
    key
}

#[tokio::test]
async fn an_order_goes_through_every_step_and_each_is_announced_recorded_and_told() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(
            &TestNames::new().named("lifecycle"),
            &[
                types::ORDER_EXTENSION_REQUESTED,
                types::ORDER_EXTENSION_RESOLVED,
                types::ORDER_DELIVERED,
                types::ORDER_COMPLETED,
                types::EMAIL_REQUESTED,
            ],
        )
        .await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let id = app.paid(&buyer, &seller).await;
    let first_due = due(&app.order(&buyer, &id).await);

    // The seller asks for 2 days; the buyer approves: the due date moves by 2 days.
    let (status, asked) = app
        .step(
            &seller,
            &id,
            "extensions",
            &json!({"days": 2, "reason": "The client asked for a new colour"}),
        )
        .await;
    assert_eq!(status, 201, "{asked}");
    let extension = asked["extensions"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(asked["extensions"][0]["status"], "pending");
    assert_eq!(due(&asked), first_due, "asking moves nothing");
    let (twice, again) = app
        .step(
            &seller,
            &id,
            "extensions",
            &json!({"days": 1, "reason": "More"}),
        )
        .await;
    assert_eq!(
        (twice, again["error"]["code"].as_str()),
        (409, Some("extension_pending"))
    );
    let (status, approved) = app
        .step(
            &buyer,
            &id,
            &format!("extensions/{extension}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(due(&approved) - first_due, chrono::Duration::days(2));
    let (resolved_again, _) = app
        .step(
            &buyer,
            &id,
            &format!("extensions/{extension}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(resolved_again, 409);

    // Another request, rejected: the due date stays.
    let (_, asked) = app
        .step(
            &seller,
            &id,
            "extensions",
            &json!({"days": 5, "reason": "Holidays"}),
        )
        .await;
    let second = asked["extensions"][1]["id"].as_str().unwrap().to_owned();
    let (_, rejected) = app
        .step(
            &buyer,
            &id,
            &format!("extensions/{second}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(rejected["extensions"][1]["status"], "rejected");
    assert_eq!(due(&rejected), due(&approved));

    // Delivered with a file, sent back once, delivered again, completed.
    let key = uploaded_pdf(&app, &seller).await;
    let (status, delivered) = app
        .step(
            &seller,
            &id,
            "deliveries",
            &json!({"message": "Here is the logo", "attachments": [{"key": key, "name": "logo.pdf"}]}),
        )
        .await;
    assert_eq!(status, 201, "{delivered}");
    assert_eq!(delivered["status"], "delivered");
    let file = &delivered["deliveries"][0]["files"][0];
    assert_eq!(file["content_type"], "application/pdf");
    assert_eq!(file["size"], 9);
    let download = reqwest::get(file["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"%PDF-1.4\n");
    assert!(delivered["auto_complete_at"].is_string());
    let (status, revising) = app
        .step(
            &buyer,
            &id,
            "revision",
            &json!({"message": "Bigger letters please"}),
        )
        .await;
    assert_eq!(status, 200, "{revising}");
    assert_eq!(revising["status"], "in_progress");
    assert_eq!(revising["revisions"], json!({"used": 1, "allowed": 2}));
    assert_eq!(revising["auto_complete_at"], Value::Null);
    app.step(
        &seller,
        &id,
        "deliveries",
        &json!({"message": "Bigger now"}),
    )
    .await;
    let (status, completed) = app.step(&buyer, &id, "complete", &json!({})).await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["status"], "completed");

    let history: Vec<(String, String)> = completed["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap().to_owned(),
                h["to_status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("place", "pending_payment"),
        ("confirm_payment", "in_progress"),
        ("request_extension", "in_progress"),
        ("approve_extension", "in_progress"),
        ("request_extension", "in_progress"),
        ("reject_extension", "in_progress"),
        ("deliver", "delivered"),
        ("request_revision", "in_progress"),
        ("deliver", "delivered"),
        ("complete", "completed"),
    ];
    assert_eq!(
        history,
        expected.map(|(a, s)| (a.to_owned(), s.to_owned())).to_vec()
    );
    assert_eq!(completed["history"][9]["by"], json!(buyer.user_id));
    assert_eq!(completed["history"][6]["by"], json!(seller.user_id));

    app.outbox_drained().await;
    let published = app.broker.drain(&tap).await;
    let kinds: Vec<&str> = published
        .iter()
        .filter(|e| e.event_type != types::EMAIL_REQUESTED)
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            types::ORDER_EXTENSION_REQUESTED,
            types::ORDER_EXTENSION_RESOLVED,
            types::ORDER_EXTENSION_REQUESTED,
            types::ORDER_EXTENSION_RESOLVED,
            types::ORDER_DELIVERED,
            types::ORDER_DELIVERED,
            types::ORDER_COMPLETED,
        ]
    );
    let resolved: Vec<OrderExtensionResolved> = published
        .iter()
        .filter(|e| e.event_type == types::ORDER_EXTENSION_RESOLVED)
        .map(|e| e.decode().unwrap())
        .collect();
    assert!(resolved[0].approved && !resolved[1].approved);
    let done: OrderCompleted = published
        .iter()
        .find(|e| e.event_type == types::ORDER_COMPLETED)
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(
        done.earnings.amount, 2_500,
        "the seller earns the price, not the fee"
    );
    // Each email to the person it is for: the seller of the new order, the buyer its receipt;
    // then the buyer hears of requests and deliveries, the seller of answers and the completion.
    let emails: Vec<(String, String)> = published
        .iter()
        .filter(|e| e.event_type == types::EMAIL_REQUESTED)
        .map(|e| {
            let email: EmailRequested = e.decode().unwrap();
            (email.template, email.to)
        })
        .collect();
    let to = |template: &str, who: &str| (template.to_owned(), format!("{who}@example.test"));
    assert_eq!(
        emails,
        [
            to("order_placed", "sam"),
            to("order_receipt", "pia"),
            to("extension_requested", "pia"),
            to("extension_resolved", "sam"),
            to("extension_requested", "pia"),
            to("extension_resolved", "sam"),
            to("order_delivered", "pia"),
            to("order_delivered", "pia"),
            to("order_completed", "sam"),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn every_step_not_allowed_in_a_status_is_a_conflict_naming_the_status() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    // One order per status a party can act in.
    let in_progress = app.paid(&buyer, &seller).await;
    let delivered = app.paid(&buyer, &seller).await;
    app.step(
        &seller,
        &delivered,
        "deliveries",
        &json!({"message": "Done"}),
    )
    .await;
    let completed = app.paid(&buyer, &seller).await;
    app.step(
        &seller,
        &completed,
        "deliveries",
        &json!({"message": "Done"}),
    )
    .await;
    app.step(&buyer, &completed, "complete", &json!({})).await;
    let cancelled = app.paid(&buyer, &seller).await;
    app.step(&buyer, &cancelled, "cancel", &json!({})).await;
    let gig = app.gig(&seller).await;
    let unpaid = app.unpaid(&buyer, gig).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let failed_order = app.unpaid(&buyer, gig).await;
    app.pay_with(&buyer, &failed_order, "4000000000000002")
        .await;
    let failed = failed_order["id"].as_str().unwrap().to_owned();

    // (status, order), then each step by the party allowed to take it, and whether it may.
    let orders = [
        ("in_progress", &in_progress),
        ("delivered", &delivered),
        ("completed", &completed),
        ("cancelled", &cancelled),
        ("pending_payment", &unpaid),
        ("payment_failed", &failed),
    ];
    for (status, id) in orders {
        let steps: [(&str, &mercato_common::token::Caller, Value, bool); 5] = [
            (
                "deliveries",
                &seller,
                json!({"message": "More"}),
                status == "in_progress",
            ),
            (
                "extensions",
                &seller,
                json!({"days": 1, "reason": "x"}),
                status == "in_progress",
            ),
            (
                "revision",
                &buyer,
                json!({"message": "Again"}),
                status == "delivered",
            ),
            ("complete", &buyer, json!({}), status == "delivered"),
            ("cancel", &buyer, json!({}), status == "in_progress"),
        ];
        for (action, who, body, allowed) in steps {
            if allowed {
                continue;
            }
            let (code, answer) = app.step(who, id, action, &body).await;
            if status == "pending_payment" || status == "payment_failed" {
                // The seller does not see an unpaid order at all.
                if who.user_id == seller.user_id {
                    assert_eq!(code, 404, "{action} on {status}: {answer}");
                    continue;
                }
            }
            assert_eq!(code, 409, "{action} on {status}: {answer}");
            assert_eq!(answer["error"]["code"], "invalid_transition");
            assert_eq!(
                answer["error"]["fields"]["status"],
                json!([status]),
                "{action}"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn cancelling_refunds_everything_before_a_delivery_and_the_price_after_one() {
    let app = spawn_app().await;
    let tap = app
        .broker
        .tap(
            &TestNames::new().named("cancel"),
            &[types::ORDER_CANCELLED, types::EMAIL_REQUESTED],
        )
        .await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let before = app.paid(&buyer, &seller).await;
    let after = app.paid(&buyer, &seller).await;
    app.step(&seller, &after, "deliveries", &json!({"message": "v1"}))
        .await;
    app.step(&buyer, &after, "revision", &json!({"message": "No"}))
        .await;

    let (status, cancelled) = app
        .step(
            &buyer,
            &before,
            "cancel",
            &json!({"reason": "Changed my mind"}),
        )
        .await;
    let (by_seller, _) = app.step(&seller, &after, "cancel", &json!({})).await;

    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(by_seller, 200);
    let full = app
        .order_until(&buyer, &before, "the refund", |o| {
            o["refunded"]["amount"] != 0
        })
        .await;
    assert_eq!(full["refunded"]["amount"], 2_500 + 338);
    let partial = app
        .order_until(&buyer, &after, "the refund", |o| {
            o["refunded"]["amount"] != 0
        })
        .await;
    assert_eq!(partial["refunded"]["amount"], 2_500);
    let refunds: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, amount FROM refunds ORDER BY created_at")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        refunds,
        [("succeeded".into(), 2_838), ("succeeded".into(), 2_500)]
    );
    // The other party is told: the seller of the buyer's cancellation, and the other way.
    let (_, sellers) = app.get("/v1/notifications", &seller).await;
    assert!(
        sellers["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "order_cancelled" && a["order_id"] == json!(before))
    );
    let (_, buyers) = app.get("/v1/notifications", &buyer).await;
    assert!(
        buyers["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "order_cancelled" && a["order_id"] == json!(after))
    );
    app.outbox_drained().await;
    let published = app.broker.drain(&tap).await;
    let events: Vec<OrderCancelled> = published
        .iter()
        .filter(|e| e.event_type == types::ORDER_CANCELLED)
        .map(|e| e.decode().unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].cancelled_by, buyer.user_id);
    assert_eq!(events[0].reason.as_deref(), Some("Changed my mind"));
    assert_eq!(events[0].refund.amount, 2_838);
    assert_eq!(events[1].cancelled_by, seller.user_id);
    let emails: Vec<String> = published
        .iter()
        .filter(|e| e.event_type == types::EMAIL_REQUESTED)
        .map(|e| e.decode::<EmailRequested>().unwrap())
        .filter(|e| e.template == "order_cancelled")
        .map(|e| e.to)
        .collect();
    assert_eq!(emails, ["sam@example.test", "pia@example.test"]);
    app.stop().await;
}
