//! Sending, history, read marks, attachments and the offline email.

use std::collections::HashSet;
use std::time::Duration;

use mercato_common::events::catalog::EmailRequested;
use mercato_common::events::catalog::types::{EMAIL_REQUESTED, OFFER_SENT};
use mercato_common::realtime::presence_key;
use mercato_common::testing::{TestNames, eventually, put_upload};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn seqs(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn concurrent_sends_are_numbered_in_commit_order_and_pages_neither_skip_nor_repeat() {
    let app = spawn_app().await;
    let [ann, bob] = app.users(["ann", "bob"]).await;
    let conversation = app.open(&ann, &bob, None).await;
    let id = conversation["id"].as_str().unwrap();
    let path = format!("/v1/conversations/{id}/messages");

    let sends = (0..30).map(|i| {
        let who = if i % 2 == 0 { &ann } else { &bob };
        let (app, path) = (&app, &path);
        async move {
            app.post(path, who, &json!({"body": format!("message {i}")}))
                .await
        }
    });
    let answers = futures_util::future::join_all(sends).await;
    assert!(
        answers.iter().all(|(status, _)| *status == 201),
        "{answers:?}"
    );
    let numbered: HashSet<i64> = answers
        .iter()
        .map(|(_, m)| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(numbered, (1..=30).collect(), "each send got its own number");

    // Back from the newest, 7 at a time.
    let mut seen = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let query = before.map_or("?limit=7".to_owned(), |b| format!("?limit=7&before={b}"));
        let (status, page) = app.get(&format!("{path}{query}"), &bob).await;
        assert_eq!(status, 200, "{page}");
        let mut numbers = seqs(&page);
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "oldest first: {numbers:?}"
        );
        before = numbers.first().copied();
        numbers.extend(seen);
        seen = numbers;
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(seen, (1..=30).collect::<Vec<_>>());

    // Catching up: what came after the last one a client had, and nothing else.
    app.say(&ann, id, "later").await;
    let (_, newer) = app.get(&format!("{path}?after=30"), &bob).await;
    assert_eq!(seqs(&newer), vec![31]);
    assert_eq!(newer["items"][0]["body"], "later");
    assert_eq!(newer["has_more"], false);
    let (_, middle) = app.get(&format!("{path}?after=10&limit=5"), &bob).await;
    assert_eq!(seqs(&middle), vec![11, 12, 13, 14, 15]);
    assert_eq!(middle["has_more"], true);
    app.stop().await;
}

#[tokio::test]
async fn a_message_out_of_bounds_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let [ann, bob] = app.users(["ann", "bob"]).await;
    let conversation = app.open(&ann, &bob, None).await;
    let id = conversation["id"].as_str().unwrap();
    let path = format!("/v1/conversations/{id}/messages");
    for (body, field) in [
        (json!({"body": "   "}), "body"),
        (json!({}), "body"),
        (json!({"body": "x".repeat(5_001)}), "body"),
        (
            json!({"body": "hi", "offer": {"description": "d", "price": 100, "delivery_days": 1,
            "expires_at": "2020-01-01T00:00:00Z"}}),
            "offer.price",
        ),
    ] {
        let (status, answer) = app.post(&path, &ann, &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(
            answer["error"]["fields"][field].is_array(),
            "{field}: {answer}"
        );
    }
    let (status, answer) = app.post(&path, &ann, &json!({"body": 5})).await;
    assert_eq!(status, 422, "{answer}");
    let (_, page) = app.get(&path, &ann).await;
    assert_eq!(page["items"], json!([]));
    let (_, inbox) = app.get("/v1/conversations", &ann).await;
    assert_eq!(inbox["items"][0]["last_seq"], 0);
    app.stop().await;
}

#[tokio::test]
async fn read_marks_only_move_forward_and_set_the_unread_count() {
    let app = spawn_app().await;
    let [ann, bob] = app.users(["ann", "bob"]).await;
    let conversation = app.open(&ann, &bob, None).await;
    let id = conversation["id"].as_str().unwrap();
    for text in ["one", "two", "three"] {
        app.say(&bob, id, text).await;
    }
    let read = format!("/v1/conversations/{id}/read");
    let (status, mark) = app.post(&read, &ann, &json!({"up_to_seq": 2})).await;
    assert_eq!(status, 200, "{mark}");
    assert_eq!(
        (mark["read_up_to"].as_i64(), mark["unread_count"].as_i64()),
        (Some(2), Some(1))
    );
    let (_, mark) = app.post(&read, &ann, &json!({"up_to_seq": 1})).await;
    assert_eq!(mark["read_up_to"], 2, "a mark never moves back");
    let (_, seen_by_bob) = app.get(&format!("/v1/conversations/{id}"), &bob).await;
    assert_eq!(seen_by_bob["partner_read_up_to"], 2);

    let (status, answer) = app.post(&read, &ann, &json!({"up_to_seq": 4})).await;
    assert_eq!(status, 422, "{answer}");
    // Replying reads everything before the reply.
    app.say(&ann, id, "thanks").await;
    let (_, mine) = app.get(&format!("/v1/conversations/{id}"), &ann).await;
    assert_eq!(
        (mine["unread_count"].as_i64(), mine["read_up_to"].as_i64()),
        (Some(0), Some(4))
    );
    let (_, theirs) = app.get(&format!("/v1/conversations/{id}"), &bob).await;
    assert_eq!(theirs["unread_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn an_offline_recipient_is_emailed_once_per_quiet_period_and_an_online_one_not_at_all() {
    let app = spawn_app().await;
    let [ann, bob, cat] = app.users(["ann", "bob", "cat"]).await;
    let tap = app
        .broker
        .tap(
            &TestNames::new().named("chat-mail"),
            &[EMAIL_REQUESTED, OFFER_SENT],
        )
        .await;
    let gig = app.gig(&bob, "A logo").await;
    let with_ann = app.open(&bob, &ann, Some(gig)).await;
    let with_ann = with_ann["id"].as_str().unwrap();
    app.say(&bob, with_ann, "first").await;
    app.say(&bob, with_ann, "second").await;

    // Cat is online: a live connection a gateway recorded.
    let redis = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let mut redis = redis.get_multiplexed_async_connection().await.unwrap();
    let lapses = chrono::Utc::now().timestamp_millis() + 60_000;
    let _: () = redis::AsyncCommands::zadd(
        &mut redis,
        presence_key(&app.presence_prefix, cat.user_id),
        "gateway-1/socket-1",
        lapses,
    )
    .await
    .unwrap();
    let with_cat = app.open(&bob, &cat, None).await;
    app.say(&bob, with_cat["id"].as_str().unwrap(), "hi cat")
        .await;

    // An offer comes last; once it is published, so is everything before it.
    let (status, offer) = app
        .post(
            &format!("/v1/conversations/{with_ann}/messages"),
            &bob,
            &json!({"offer": {"description": "Three concepts", "price": 5000, "delivery_days": 3,
                "expires_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339()}}),
        )
        .await;
    assert_eq!(status, 201, "{offer}");
    eventually("the offer's events", Duration::from_secs(15), || async {
        (app.broker.depth(&tap).await >= 3).then_some(())
    })
    .await;
    let published = app.broker.drain(&tap).await;
    let emails: Vec<EmailRequested> = published
        .iter()
        .filter(|e| e.event_type == EMAIL_REQUESTED)
        .map(|e| e.decode().unwrap())
        .collect();
    let to = |template: &str| -> Vec<&str> {
        emails
            .iter()
            .filter(|e| e.template == template)
            .map(|e| e.to.as_str())
            .collect()
    };
    assert_eq!(
        to("new_message"),
        vec!["ann@example.test"],
        "once for two messages, not cat"
    );
    assert_eq!(to("offer_received"), vec!["ann@example.test"]);
    let message = emails.iter().find(|e| e.template == "new_message").unwrap();
    assert_eq!(message.vars["sender_username"], "bob");
    assert_eq!(message.vars["message_preview"], "first");
    assert_eq!(
        message.vars["conversation_url"],
        format!("http://127.0.0.1:4000/inbox/{with_ann}")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_attachment_is_described_by_the_storage_and_readable_by_the_participants_link() {
    let app = spawn_app().await;
    let [ann, bob] = app.users(["ann", "bob"]).await;
    let conversation = app.open(&ann, &bob, None).await;
    let id = conversation["id"].as_str().unwrap();
    let (status, upload) = app
        .post(
            "/v1/uploads/attachment",
            &ann,
            &json!({"content_type": "application/pdf", "size": 9, "file_name": "brief.pdf"}),
        )
        .await;
    assert_eq!(status, 201, "{upload}");
    assert_eq!(put_upload(&upload, b"%PDF-1.7\n").await, 200);

    let path = format!("/v1/conversations/{id}/messages");
    let (status, bobs_try) = app
        .post(&path, &bob, &json!({"attachment": {"key": upload["key"]}}))
        .await;
    assert_eq!(status, 422, "not bob's upload: {bobs_try}");

    let (status, sent) = app
        .post(
            &path,
            &ann,
            &json!({"body": "", "attachment": {"key": upload["key"], "name": "Brief v2.pdf"}}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["attachment"]["size"], 9);
    assert_eq!(sent["attachment"]["content_type"], "application/pdf");

    let (_, page) = app.get(&path, &bob).await;
    let attachment = &page["items"][0]["attachment"];
    assert_eq!(attachment["key"], upload["key"]);
    let read = reqwest::get(attachment["url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(read.bytes().await.unwrap().as_ref(), b"%PDF-1.7\n");
    let (_, inbox) = app.get("/v1/conversations", &bob).await;
    assert!(
        inbox["items"][0]["last_message"]["preview"]
            .as_str()
            .unwrap()
            .starts_with("[attachment] "),
        "{inbox}"
    );
    app.stop().await;
}
