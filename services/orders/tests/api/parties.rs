//! Who may do what: a third user finds no order on any route, and each party is refused the
//! other party's steps.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_third_user_finds_no_order_on_any_route() {
    let app = spawn_app().await;
    let [buyer, seller, stranger] = app.users(["pia", "sam", "tom"]).await;
    let id = app.paid(&buyer, &seller).await;
    let (_, asked) = app
        .step(
            &seller,
            &id,
            "extensions",
            &json!({"days": 1, "reason": "x"}),
        )
        .await;
    let extension = asked["extensions"][0]["id"].as_str().unwrap().to_owned();

    let (status, _) = app.get(&format!("/v1/orders/{id}"), &stranger).await;
    assert_eq!(status, 404);
    for (action, body) in [
        ("cancel", json!({})),
        ("extensions", json!({"days": 1, "reason": "x"})),
        (&*format!("extensions/{extension}/approve"), json!({})),
        (&*format!("extensions/{extension}/reject"), json!({})),
        ("deliveries", json!({"message": "x"})),
        ("revision", json!({"message": "x"})),
        ("complete", json!({})),
    ] {
        let (status, answer) = app.step(&stranger, &id, action, &body).await;
        assert_eq!(status, 404, "{action}: {answer}");
        assert_eq!(answer["error"]["code"], "not_found");
    }
    let (_, listed) = app.get("/v1/orders", &stranger).await;
    assert_eq!(listed["items"], json!([]));
    // Ids that are not ids, or of nothing, are the same 404.
    assert_eq!(app.get("/v1/orders/not-an-id", &buyer).await.0, 404);
    assert_eq!(
        app.get(&format!("/v1/orders/{}", Uuid::now_v7()), &buyer)
            .await
            .0,
        404
    );
    let (status, _) = app
        .step(
            &buyer,
            &id,
            &format!("extensions/{}/approve", Uuid::now_v7()),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(app.order(&buyer, &id).await["status"], "in_progress");
    app.stop().await;
}

#[tokio::test]
async fn each_party_is_refused_the_other_partys_steps() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let working = app.paid(&buyer, &seller).await;
    let (_, asked) = app
        .step(
            &seller,
            &working,
            "extensions",
            &json!({"days": 1, "reason": "x"}),
        )
        .await;
    let extension = asked["extensions"][0]["id"].as_str().unwrap().to_owned();
    let delivered = app.paid(&buyer, &seller).await;
    app.step(
        &seller,
        &delivered,
        "deliveries",
        &json!({"message": "Done"}),
    )
    .await;

    let refused = [
        (
            &buyer,
            &working,
            "deliveries".to_owned(),
            json!({"message": "I did it myself"}),
        ),
        (
            &buyer,
            &working,
            "extensions".to_owned(),
            json!({"days": 3, "reason": "x"}),
        ),
        (
            &seller,
            &working,
            format!("extensions/{extension}/approve"),
            json!({}),
        ),
        (
            &seller,
            &working,
            format!("extensions/{extension}/reject"),
            json!({}),
        ),
        (&seller, &delivered, "complete".to_owned(), json!({})),
        (
            &seller,
            &delivered,
            "revision".to_owned(),
            json!({"message": "x"}),
        ),
    ];
    for (who, id, action, body) in refused {
        let (status, answer) = app.step(who, id, &action, &body).await;
        assert_eq!(status, 403, "{} {action}: {answer}", who.username);
        assert_eq!(answer["error"]["code"], "wrong_party");
    }
    assert_eq!(
        app.order(&buyer, &working).await["extensions"][0]["status"],
        "pending"
    );
    assert_eq!(app.order(&buyer, &delivered).await["status"], "delivered");
    app.stop().await;
}

#[tokio::test]
async fn each_party_lists_its_own_orders_by_role_and_status_page_by_page() {
    let app = spawn_app().await;
    let [buyer, seller] = app.users(["pia", "sam"]).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.paid(&buyer, &seller).await);
    }
    app.step(&buyer, &ids[0], "cancel", &json!({})).await;
    let gig = app.gig(&seller).await;
    let unpaid = app.unpaid(&buyer, gig).await;

    let (_, first) = app.get("/v1/orders?role=buyer&limit=2", &buyer).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get(
            &format!("/v1/orders?role=buyer&limit=2&cursor={cursor}"),
            &buyer,
        )
        .await;
    let (_, as_seller) = app.get("/v1/orders?role=seller", &seller).await;
    let (_, working) = app
        .get("/v1/orders?role=seller&status=in_progress", &seller)
        .await;
    let (_, bad_cursor) = app.get("/v1/orders?cursor=nonsense", &buyer).await;
    let (bad_limit, _) = app.get("/v1/orders?limit=0", &buyer).await;
    let (bad_status, _) = app.get("/v1/orders?status=paid", &buyer).await;

    let listed: Vec<&serde_json::Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|o| &o["id"])
        .collect();
    let mut expected = vec![&unpaid["id"]];
    let ids_json: Vec<serde_json::Value> = ids.iter().rev().map(|i| json!(i)).collect();
    expected.extend(ids_json.iter());
    assert_eq!(listed, expected, "newest first, across pages");
    assert_eq!(rest["next_cursor"], serde_json::Value::Null);
    assert_eq!(
        as_seller["items"].as_array().unwrap().len(),
        3,
        "not the unpaid one"
    );
    assert!(
        as_seller["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["role"] == "seller")
    );
    assert_eq!(working["items"].as_array().unwrap().len(), 2);
    assert_eq!(bad_cursor["error"]["code"], "invalid_cursor");
    assert_eq!(bad_limit, 422);
    assert_eq!(bad_status, 400);
    app.stop().await;
}
