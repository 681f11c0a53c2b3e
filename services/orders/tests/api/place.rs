//! Placing orders: the price is the server's, the key makes retries safe, and what cannot be
//! ordered is refused.

use futures_util::future::join_all;
use mercato_common::testing::caller;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_order_pays_the_gigs_price_plus_the_fee_and_waits_for_its_payment() {
    let app = spawn_app().await;
    let [buyer, seller, stranger] = app.users(["pia", "sam", "tom"]).await;
    let gig = app.gig_at(&seller, 2_500, true).await;

    let order = app.unpaid(&buyer, gig).await;

    assert_eq!(order["status"], "pending_payment");
    assert_eq!(order["role"], "buyer");
    assert_eq!(order["price"], json!({"amount": 2500, "currency": "USD"}));
    assert_eq!(order["service_fee"]["amount"], 138 + 200);
    assert_eq!(order["total"]["amount"], 2500 + 338);
    assert_eq!(order["seller"]["username"], "sam");
    assert_eq!(order["payment"]["provider"], "sandbox");
    let reference = order["payment"]["reference"].as_str().unwrap();
    assert_eq!(
        order["payment"]["confirmation_url"],
        format!("http://127.0.0.1:4000/api/v1/payments/sandbox/{reference}/confirm")
    );
    assert_eq!(order["history"][0]["action"], "place");
    let id = order["id"].as_str().unwrap();
    // Unpaid, it is the buyer's checkout: the seller does not see it yet, nor does anyone else.
    assert_eq!(app.get(&format!("/v1/orders/{id}"), &seller).await.0, 404);
    assert_eq!(app.get(&format!("/v1/orders/{id}"), &stranger).await.0, 404);
    let (_, sellers) = app.get("/v1/orders?role=seller", &seller).await;
    assert_eq!(sellers["items"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_client_cannot_send_a_price_a_fee_or_a_status() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;

    for extra in [
        json!({"price": {"amount": 1, "currency": "USD"}}),
        json!({"service_fee": {"amount": 0, "currency": "USD"}}),
        json!({"total": 1}),
        json!({"status": "completed"}),
    ] {
        let mut body = json!({"gig_id": gig, "requirements": "Please"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (status, answer) = app.place(&buyer, &body, Some("k1")).await;
        assert_eq!(status, 422, "{extra}: {answer}");
    }
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(orders, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_same_key_answers_the_same_order_and_another_body_with_it_is_refused() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let body = json!({"gig_id": gig, "requirements": "A logo"});

    let (first_status, first) = app.place(&buyer, &body, Some("key-1")).await;
    let (again_status, again) = app.place(&buyer, &body, Some("key-1")).await;
    let (other_status, other) = app
        .place(
            &buyer,
            &json!({"gig_id": gig, "requirements": "Two logos"}),
            Some("key-1"),
        )
        .await;
    let (missing_status, missing) = app.place(&buyer, &body, None).await;
    let (long_status, _) = app.place(&buyer, &body, Some(&"k".repeat(256))).await;

    assert_eq!(first_status, 201, "{first}");
    assert_eq!(again_status, 200, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["payment"]["reference"], first["payment"]["reference"]);
    assert_eq!(other_status, 422);
    assert_eq!(other["error"]["code"], "idempotency_key_reused");
    assert_eq!(missing_status, 400);
    assert_eq!(missing["error"]["code"], "invalid_idempotency_key");
    assert_eq!(long_status, 400);
    // Keys are per buyer: another buyer's same key is another order.
    let [other_buyer] = app.users(["quinn"]).await;
    let (status, theirs) = app.place(&other_buyer, &body, Some("key-1")).await;
    assert_eq!(status, 201);
    assert_ne!(theirs["id"], first["id"]);
    app.stop().await;
}

#[tokio::test]
async fn ten_concurrent_identical_requests_make_one_order() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let gig = app.gig(&seller).await;
    let body = json!({"gig_id": gig, "requirements": "A logo"});
    let key = Uuid::now_v7().to_string();

    let answers = join_all((0..10).map(|_| app.place(&buyer, &body, Some(&key)))).await;

    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == 201 || *status == 200),
        "{answers:?}"
    );
    let ids: std::collections::HashSet<_> = answers.iter().map(|(_, o)| o["id"].clone()).collect();
    assert_eq!(ids.len(), 1);
    let references: std::collections::HashSet<_> = answers
        .iter()
        .map(|(_, o)| o["payment"]["reference"].clone())
        .collect();
    assert_eq!(references.len(), 1);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    app.stop().await;
}

#[tokio::test]
async fn what_cannot_be_ordered_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let own = app.gig(&buyer).await;
    let paused = app.gig_at(&seller, 2_500, false).await;
    let deleted = app.gig(&seller).await;
    app.publish_all(&[crate::helpers::envelope(
        &mercato_common::events::catalog::GigDeleted {
            gig_id: deleted,
            seller_id: Uuid::now_v7(),
            seller_user_id: seller.user_id,
        },
    )])
    .await;
    let live = app.gig(&seller).await;
    let order = |body: serde_json::Value| {
        let app = &app;
        let buyer = &buyer;
        async move {
            let (status, answer) = app
                .place(buyer, &body, Some(&Uuid::now_v7().to_string()))
                .await;
            (
                status,
                answer["error"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
    };

    assert_eq!(
        order(json!({"gig_id": own, "requirements": "x"})).await,
        (403, "own_gig".into())
    );
    assert_eq!(
        order(json!({"gig_id": paused, "requirements": "x"})).await,
        (409, "gig_unavailable".into())
    );
    assert_eq!(
        order(json!({"gig_id": deleted, "requirements": "x"})).await,
        (404, "not_found".into())
    );
    assert_eq!(
        order(json!({"gig_id": Uuid::now_v7(), "requirements": "x"})).await,
        (404, "not_found".into())
    );
    assert_eq!(
        order(json!({"offer_id": Uuid::now_v7(), "requirements": "x"})).await,
        (404, "not_found".into())
    );
    assert_eq!(
        order(json!({"gig_id": live, "offer_id": Uuid::now_v7(), "requirements": "x"})).await,
        (422, "validation_failed".into())
    );
    assert_eq!(
        order(json!({"requirements": "x"})).await,
        (422, "validation_failed".into())
    );
    assert_eq!(
        order(json!({"gig_id": live, "requirements": "  "})).await,
        (422, "validation_failed".into())
    );
    assert_eq!(
        order(json!({"gig_id": live, "requirements": "x".repeat(5001)})).await,
        (422, "validation_failed".into())
    );
    // An unverified buyer places nothing.
    let unverified = caller("una", false);
    let (status, answer) = app
        .place(
            &unverified,
            &json!({"gig_id": live, "requirements": "x"}),
            Some("k"),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (403, Some("email_not_verified"))
    );
    app.stop().await;
}

#[tokio::test]
async fn an_accepted_offer_is_ordered_at_its_own_price_once() {
    let app = spawn_app().await;
    let [buyer, seller, other] = app.users(["pia", "sam", "tom"]).await;
    let gig = app.gig_at(&seller, 2_500, true).await;
    let offer = app.offer(&buyer, &seller, gig, 12_000).await;
    let body = json!({"offer_id": offer, "requirements": "As discussed"});

    let (status, order) = app.place(&buyer, &body, Some("a")).await;
    let (theirs, _) = app.place(&other, &body, Some("b")).await;
    let (twice, second) = app.place(&buyer, &body, Some("c")).await;

    assert_eq!(status, 201, "{order}");
    assert_eq!(order["price"]["amount"], 12_000);
    assert_eq!(order["service_fee"]["amount"], 660);
    assert_eq!(order["delivery_days"], 7);
    assert_eq!(order["offer_id"], json!(offer));
    assert_eq!(
        order["offer_description"],
        "Three logo concepts and the sources"
    );
    assert_eq!(
        theirs, 404,
        "an offer made to someone else does not exist for them"
    );
    assert_eq!(twice, 409);
    assert_eq!(second["error"]["code"], "offer_already_ordered");
    app.stop().await;
}
