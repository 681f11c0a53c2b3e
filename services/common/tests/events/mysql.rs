//! MySQL / MariaDB outbox and inbox.

use chrono::Utc;
use mercato_common::events::catalog::UserEmailVerified;
use mercato_common::events::mysql::{MySqlOutbox, claim_event, ensure_schema, insert_event};
use mercato_common::events::{Envelope, Relay};
use mercato_common::server::Shutdown;
use mercato_common::testing::{TestBroker, TestMySql};
use sqlx::MySqlPool;
use uuid::Uuid;

use crate::support::{EVENT, SERVICE, published_ids, relay_config};

async fn setup() -> (TestBroker, TestMySql) {
    let broker = TestBroker::new().await;
    let db = TestMySql::new().await;
    ensure_schema(&db.pool).await.unwrap();
    sqlx::query("CREATE TABLE things (id CHAR(36) PRIMARY KEY) ENGINE = InnoDB")
        .execute(&db.pool)
        .await
        .unwrap();
    (broker, db)
}

async fn change_thing(pool: &MySqlPool, commit: bool) -> Uuid {
    let mut tx = pool.begin().await.unwrap();
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO things (id) VALUES (?)")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let envelope = Envelope::new(
        SERVICE,
        None,
        &UserEmailVerified {
            user_id: id,
            verified_at: Utc::now(),
        },
    );
    insert_event(&mut tx, &envelope).await.unwrap();
    if commit {
        tx.commit().await.unwrap()
    } else {
        tx.rollback().await.unwrap()
    }
    envelope.id
}

#[tokio::test]
async fn committed_events_are_published_once_by_two_relays_and_rolled_back_ones_never() {
    let (broker, db) = setup().await;
    let tap = broker.tap("tap", &[EVENT]).await;
    let rolled_back = change_thing(&db.pool, false).await;
    let mut committed = Vec::new();
    for _ in 0..150 {
        committed.push(change_thing(&db.pool, true).await.to_string());
    }

    let shutdown = Shutdown::new();
    for _ in 0..2 {
        let relay = Relay::new(
            SERVICE,
            MySqlOutbox::new(&db.pool),
            broker.config.clone(),
            relay_config(),
        );
        tokio::spawn(relay.run(shutdown.clone()));
    }
    let seen = published_ids(&broker, &tap, &MySqlOutbox::new(&db.pool)).await;
    shutdown.trigger();

    assert!(
        seen.values().all(|n| *n == 1),
        "duplicates: {:?}",
        seen.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    assert!(committed.iter().all(|id| seen.contains_key(id)));
    assert_eq!(seen.len(), committed.len(), "nothing else was published");
    assert!(!seen.contains_key(&rolled_back.to_string()));
    broker.cleanup(&["tap"]).await;
    db.drop_database().await;
}

#[tokio::test]
async fn the_inbox_claims_an_event_once_per_consumer_and_keeps_the_transaction_usable() {
    let (broker, db) = setup().await;
    let envelope = Envelope::new(
        "test",
        None,
        &UserEmailVerified {
            user_id: Uuid::now_v7(),
            verified_at: Utc::now(),
        },
    );

    let mut first = db.pool.begin().await.unwrap();
    assert!(claim_event(&mut first, "users", &envelope).await.unwrap());
    first.commit().await.unwrap();

    let mut again = db.pool.begin().await.unwrap();
    assert!(
        !claim_event(&mut again, "users", &envelope).await.unwrap(),
        "a redelivery is recognised"
    );
    sqlx::query("INSERT INTO things (id) VALUES (?)")
        .bind(Uuid::now_v7().to_string())
        .execute(&mut *again)
        .await
        .unwrap();
    again.commit().await.unwrap();

    let mut other = db.pool.begin().await.unwrap();
    assert!(
        claim_event(&mut other, "gigs", &envelope).await.unwrap(),
        "each consumer has its own inbox entries"
    );
    other.rollback().await.unwrap();
    broker.cleanup(&[]).await;
    db.drop_database().await;
}
