//! Opening conversations, the inbox, and who may see them.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_pair_has_one_conversation_per_gig_even_when_both_open_it_at_once() {
    let app = spawn_app().await;
    let [ann, bob] = app.users(["ann", "bob"]).await;
    let gig = app.gig(&bob, "A logo").await;

    let opens = (0..10).map(|i| {
        let (who, with) = if i % 2 == 0 {
            (&ann, &bob)
        } else {
            (&bob, &ann)
        };
        let app = &app;
        async move {
            app.post(
                "/v1/conversations",
                who,
                &json!({"with_username": with.username, "gig_id": gig}),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(opens).await;
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == 201 || *status == 200)
    );
    let ids: std::collections::HashSet<&str> = answers
        .iter()
        .map(|(_, body)| body["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "one conversation: {ids:?}");

    // Without the gig it is another conversation; the partner and gig show from the directory.
    let plain = app.open(&ann, &bob, None).await;
    assert!(!ids.contains(plain["id"].as_str().unwrap()));
    let about = &answers[0].1;
    assert_eq!(about["gig"]["title"], "A logo");
    assert_eq!(
        about["partner"]["username"], "bob",
        "ann opened the first one"
    );
    app.stop().await;
}

#[tokio::test]
async fn opening_is_refused_clearly() {
    let app = spawn_app().await;
    let [ann, bob, cat] = app.users(["ann", "bob", "cat"]).await;
    let cats_gig = app.gig(&cat, "Cat's gig").await;

    let (status, body) = app
        .post(
            "/v1/conversations",
            &ann,
            &json!({"with_username": "nobody"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    let (status, body) = app
        .post("/v1/conversations", &ann, &json!({"with_username": "ANN"}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["with_username"].is_array(),
        "{body}"
    );

    let (status, body) = app
        .post(
            "/v1/conversations",
            &ann,
            &json!({"with_username": "bob", "gig_id": cats_gig}),
        )
        .await;
    assert_eq!(status, 422, "a gig of neither: {body}");
    assert!(body["error"]["fields"]["gig_id"].is_array(), "{body}");

    let mut unverified = bob.clone();
    unverified.email_verified = false;
    let (status, body) = app
        .post(
            "/v1/conversations",
            &unverified,
            &json!({"with_username": "ann"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("email_not_verified"))
    );

    let (status, _) = app
        .post(
            "/v1/conversations",
            &ann,
            &json!({"with_username": "bob", "extra": 1}),
        )
        .await;
    assert_eq!(status, 422, "unknown fields are refused");
    app.stop().await;
}

#[tokio::test]
async fn only_the_two_participants_see_or_touch_a_conversation() {
    let app = spawn_app().await;
    let [ann, bob, eve] = app.users(["ann", "bob", "eve"]).await;
    let gig = app.gig(&bob, "A logo").await;
    let conversation = app.open(&ann, &bob, Some(gig)).await;
    let id = conversation["id"].as_str().unwrap();
    let first = app.say(&ann, id, "hello").await;
    let (status, offer) = app
        .post(
            &format!("/v1/conversations/{id}/messages"),
            &bob,
            &json!({"offer": {
                "description": "Three logo concepts",
                "price": 5000,
                "delivery_days": 4,
                "expires_at": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339(),
            }}),
        )
        .await;
    assert_eq!(status, 201, "{offer}");
    let offer_id = offer["offer"]["id"].as_str().unwrap();

    let reads = [
        format!("/v1/conversations/{id}"),
        format!("/v1/conversations/{id}/messages"),
    ];
    for path in &reads {
        assert_eq!(app.get(path, &ann).await.0, 200, "{path}");
        let (status, body) = app.get(path, &eve).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let writes = [
        (
            format!("/v1/conversations/{id}/messages"),
            json!({"body": "let me in"}),
        ),
        (
            format!("/v1/conversations/{id}/read"),
            json!({"up_to_seq": first["seq"]}),
        ),
        (format!("/v1/offers/{offer_id}/accept"), json!({})),
        (format!("/v1/offers/{offer_id}/decline"), json!({})),
        (format!("/v1/offers/{offer_id}/withdraw"), json!({})),
    ];
    for (path, body) in &writes {
        let (status, answer) = app.post(path, &eve, body).await;
        assert_eq!(status, 404, "{path}: {answer}");
    }
    let (_, inbox) = app.get("/v1/conversations", &eve).await;
    assert_eq!(
        inbox["items"],
        json!([]),
        "nothing of theirs in a stranger's inbox"
    );
    // Nothing eve tried changed anything.
    let (_, history) = app
        .get(&format!("/v1/conversations/{id}/messages"), &ann)
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2);
    assert_eq!(history["items"][1]["offer"]["status"], "pending");
    // An id that is not a UUID is the same 404.
    assert_eq!(app.get("/v1/conversations/not-an-id", &ann).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn the_inbox_lists_newest_activity_first_with_unread_counts_in_pages() {
    let app = spawn_app().await;
    let [ann, bob, cat, dan] = app.users(["ann", "bob", "cat", "dan"]).await;
    let with_bob = app.open(&ann, &bob, None).await;
    let with_cat = app.open(&ann, &cat, None).await;
    let with_dan = app.open(&dan, &ann, None).await;
    let id = |c: &serde_json::Value| c["id"].as_str().unwrap().to_owned();

    app.say(&bob, &id(&with_bob), "one").await;
    app.say(&bob, &id(&with_bob), "two").await;
    app.say(&dan, &id(&with_dan), "hi ann").await;
    app.say(&ann, &id(&with_cat), "hi cat").await;

    let (status, first) = app.get("/v1/conversations?limit=2", &ann).await;
    assert_eq!(status, 200, "{first}");
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["id"],
        id(&with_cat).as_str(),
        "the latest activity first"
    );
    assert_eq!(items[0]["unread_count"], 0, "ann wrote last there");
    assert_eq!(items[0]["last_message"]["preview"], "hi cat");
    assert_eq!(items[1]["id"], id(&with_dan).as_str());
    assert_eq!(items[1]["unread_count"], 1);
    assert_eq!(items[1]["partner"]["username"], "dan");

    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get(&format!("/v1/conversations?limit=2&cursor={cursor}"), &ann)
        .await;
    let items = second["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id(&with_bob).as_str());
    assert_eq!(items[0]["unread_count"], 2);
    assert!(second["next_cursor"].is_null());

    let (_, bobs) = app.get("/v1/conversations", &bob).await;
    assert_eq!(
        bobs["items"][0]["unread_count"], 0,
        "bob's own messages are not unread to him"
    );

    let (status, body) = app.get("/v1/conversations?cursor=bogus", &ann).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
    assert_eq!(app.get("/v1/conversations?limit=0", &ann).await.0, 422);
    app.stop().await;
}
