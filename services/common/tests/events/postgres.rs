//! PostgreSQL outbox and relay: commit together, survive relay crashes, never double-publish.

use std::time::Duration;

use mercato_common::events::OutboxStore;
use mercato_common::events::RelayConfig;
use mercato_common::events::postgres::PgOutbox;
use mercato_common::server::Shutdown;

use crate::support::{EVENT, Harness, published_ids, relay_config};

#[tokio::test]
async fn a_committed_change_publishes_its_event_and_a_rolled_back_one_publishes_nothing() {
    let mut harness = Harness::new().await;
    let tap = harness.broker.tap("tap", &[EVENT]).await;
    harness.start_consumer().await;
    harness.start_relay(&harness.shutdown.clone());

    let rolled_back = harness.change_thing(false).await;
    let committed = harness.change_thing(true).await;
    harness.wait_for_effects(1, Duration::from_secs(20)).await;
    harness.settle().await;

    let published = harness.broker.drain_ids(&tap).await;
    assert_eq!(
        published.into_iter().collect::<Vec<_>>(),
        [(committed.to_string(), 1)],
        "exactly the committed event was published, once"
    );
    assert_eq!(harness.effects_of(committed).await, 1);
    assert_eq!(harness.effects_of(rolled_back).await, 0);
    let things: i64 = sqlx::query_scalar("SELECT count(*) FROM things")
        .fetch_one(&harness.db.pool)
        .await
        .unwrap();
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM mercato_outbox")
        .fetch_one(&harness.db.pool)
        .await
        .unwrap();
    assert_eq!(
        (things, outbox),
        (1, 1),
        "the rolled-back change left neither state nor event"
    );
    assert_eq!(harness.unsent().await, 0);
    harness.finish(&["tap"]).await;
}

#[tokio::test]
async fn events_committed_while_no_relay_runs_are_delivered_when_one_starts() {
    let mut harness = Harness::new().await;
    let tap = harness.broker.tap("tap", &[EVENT]).await;
    harness.start_consumer().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(harness.change_thing(true).await);
    }
    assert_eq!(harness.unsent().await, 20, "the events wait in the outbox");
    assert_eq!(harness.broker.depth(&tap).await, 0, "and none is published");

    harness.start_relay(&harness.shutdown.clone());
    harness.wait_for_effects(20, Duration::from_secs(20)).await;
    harness.settle().await;

    for id in ids {
        assert_eq!(harness.effects_of(id).await, 1);
    }
    assert_eq!(harness.broker.drain_ids(&tap).await.len(), 20);
    harness.finish(&["tap"]).await;
}

#[tokio::test]
async fn killing_the_relay_mid_stream_loses_nothing_and_applies_nothing_twice() {
    let mut harness = Harness::new().await;
    let tap = harness.broker.tap("tap", &[EVENT]).await;
    harness.start_consumer().await;
    for _ in 0..300 {
        harness.change_thing(true).await;
    }

    // Kill the relay abruptly (as a crashed process would stop) once it has worked through
    // part of the backlog, possibly between a publish and its mark. Small batches leave it
    // many steps to be caught in.
    let first = harness.start_relay_with(
        &Shutdown::new(),
        RelayConfig {
            batch_size: 4,
            ..relay_config()
        },
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while harness.unsent().await > 300 - 8 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay never started"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    first.abort();
    let _ = first.await;
    let unsent_after_kill = harness.unsent().await;
    assert!(
        (1..300).contains(&unsent_after_kill),
        "the relay died mid-stream: {unsent_after_kill} of 300 rows unsent"
    );

    harness.start_relay(&harness.shutdown.clone());
    harness.wait_for_effects(300, Duration::from_secs(30)).await;
    harness.settle().await;

    let (effects, distinct) = harness.effect_counts().await;
    let published = harness.broker.drain_ids(&tap).await;
    assert_eq!(published.len(), 300, "every event was published");
    assert_eq!(
        (effects, distinct),
        (300, 300),
        "{} publishes, each applied once",
        published.values().sum::<u32>()
    );
    harness.finish(&["tap"]).await;
}

#[tokio::test]
async fn two_relays_on_one_outbox_publish_each_event_once() {
    let harness = Harness::new().await;
    let tap = harness.broker.tap("tap", &[EVENT]).await;
    for _ in 0..400 {
        harness.change_thing(true).await;
    }

    harness.start_relay(&harness.shutdown.clone());
    harness.start_relay(&harness.shutdown.clone());
    let outbox = PgOutbox::new(harness.db.pool.clone());
    let seen = published_ids(&harness.broker, &tap, &outbox).await;

    let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicates.is_empty(),
        "published more than once: {duplicates:?}"
    );
    assert_eq!(seen.len(), 400);
    harness.finish(&["tap"]).await;
}

#[tokio::test]
async fn sent_rows_are_purged_after_the_retention_and_pending_rows_are_measured() {
    let harness = Harness::new().await;
    let outbox = PgOutbox::new(harness.db.pool.clone());
    for _ in 0..3 {
        harness.change_thing(true).await;
    }
    let (pending, oldest) = outbox.pending().await.unwrap();
    assert_eq!(pending, 3);
    assert!(oldest.is_some());

    let (claim, messages) = outbox.claim(2).await.unwrap();
    let sent: Vec<_> = messages.iter().map(|m| m.id).collect();
    outbox.complete(claim, &sent).await.unwrap();

    assert_eq!(
        outbox.purge_sent(Duration::from_secs(3600)).await.unwrap(),
        0,
        "recent rows stay"
    );
    assert_eq!(outbox.purge_sent(Duration::ZERO).await.unwrap(), 2);
    assert_eq!(
        outbox.pending().await.unwrap().0,
        1,
        "unsent rows are never purged"
    );
    harness.finish(&[]).await;
}

#[tokio::test]
async fn a_batch_claim_records_only_the_events_not_applied_before() {
    use mercato_common::events::postgres::{claim_event, claim_events};
    let harness = Harness::new().await;
    let envelopes: Vec<_> = (0..3)
        .map(|_| {
            mercato_common::events::Envelope::new(
                "test",
                None,
                &mercato_common::events::catalog::UserEmailVerified {
                    user_id: uuid::Uuid::now_v7(),
                    verified_at: chrono::Utc::now(),
                },
            )
        })
        .collect();
    let mut tx = harness.db.pool.begin().await.unwrap();
    assert!(claim_event(&mut tx, "svc", &envelopes[0]).await.unwrap());
    tx.commit().await.unwrap();

    let mut tx = harness.db.pool.begin().await.unwrap();
    let claimed = claim_events(&mut tx, "svc", &envelopes).await.unwrap();
    tx.commit().await.unwrap();
    let mut again = harness.db.pool.begin().await.unwrap();
    let none = claim_events(&mut again, "svc", &envelopes).await.unwrap();

    assert_eq!(claimed.len(), 2);
    assert!(!claimed.contains(&envelopes[0].id));
    assert!(none.is_empty());
    harness.finish(&[]).await;
}
