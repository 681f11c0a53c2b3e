//! MongoDB outbox (with leases) and inbox, on the local MongoDB-wire server.

use std::time::Duration;

use chrono::Utc;
use mercato_common::events::catalog::UserEmailVerified;
use mercato_common::events::mongo::{MongoOutbox, claim_event, ensure_indexes, insert_event};
use mercato_common::events::{Envelope, OutboxStore, Relay};
use mercato_common::server::Shutdown;
use mercato_common::testing::{TestBroker, TestMongo};
use mongodb::bson::{Document, doc};
use uuid::Uuid;

use crate::support::{EVENT, SERVICE, published_ids, relay_config};

async fn change_thing(mongo: &TestMongo, commit: bool) -> Uuid {
    let mut session = mongo.client.start_session().await.unwrap();
    session.start_transaction().await.unwrap();
    let id = Uuid::now_v7();
    mongo
        .db
        .collection::<Document>("things")
        .insert_one(doc! {"_id": id.to_string()})
        .session(&mut session)
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
    insert_event(&mongo.db, &mut session, &envelope)
        .await
        .unwrap();
    if commit {
        session.commit_transaction().await.unwrap();
    } else {
        session.abort_transaction().await.unwrap();
    }
    envelope.id
}

#[tokio::test]
async fn committed_events_are_published_once_by_two_relays_and_aborted_ones_never() {
    let broker = TestBroker::new().await;
    let mongo = TestMongo::new().await;
    ensure_indexes(&mongo.db).await.unwrap();
    let tap = broker.tap("tap", &[EVENT]).await;
    let aborted = change_thing(&mongo, false).await;
    let mut committed = Vec::new();
    for _ in 0..100 {
        committed.push(change_thing(&mongo, true).await.to_string());
    }

    let shutdown = Shutdown::new();
    for _ in 0..2 {
        let outbox = MongoOutbox::new(&mongo.db, Duration::from_secs(30));
        let relay = Relay::new(SERVICE, outbox, broker.config.clone(), relay_config());
        tokio::spawn(relay.run(shutdown.clone()));
    }
    let seen = published_ids(
        &broker,
        &tap,
        &MongoOutbox::new(&mongo.db, Duration::from_secs(30)),
    )
    .await;
    shutdown.trigger();

    assert!(
        seen.values().all(|n| *n == 1),
        "duplicates: {:?}",
        seen.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    assert!(committed.iter().all(|id| seen.contains_key(id)));
    assert_eq!(seen.len(), committed.len(), "nothing else was published");
    assert!(!seen.contains_key(&aborted.to_string()));
    let things = mongo
        .db
        .collection::<Document>("things")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(things, 100, "the aborted change left no state");
    broker.cleanup(&["tap"]).await;
    mongo.drop_database().await;
}

#[tokio::test]
async fn a_lease_hides_claimed_rows_from_other_relays_until_released() {
    let mongo = TestMongo::new().await;
    for _ in 0..3 {
        change_thing(&mongo, true).await;
    }
    let first = MongoOutbox::new(&mongo.db, Duration::from_secs(30));
    let second = MongoOutbox::new(&mongo.db, Duration::from_secs(30));

    let (claim, messages) = first.claim(10).await.unwrap();
    assert_eq!(messages.len(), 3);
    let (other_claim, nothing) = second.claim(10).await.unwrap();
    assert!(nothing.is_empty(), "leased rows are not claimable");
    second.complete(other_claim, &[]).await.unwrap();

    first.complete(claim, &[messages[0].id]).await.unwrap();
    let (_, rest) = second.claim(10).await.unwrap();
    assert_eq!(
        rest.len(),
        2,
        "released rows are claimable again; sent ones are not"
    );
    assert_eq!(first.pending().await.unwrap().0, 2);
    mongo.drop_database().await;
}

#[tokio::test]
async fn the_inbox_claims_an_event_once_per_consumer() {
    let mongo = TestMongo::new().await;
    let envelope = Envelope::new(
        "test",
        None,
        &UserEmailVerified {
            user_id: Uuid::now_v7(),
            verified_at: Utc::now(),
        },
    );

    let mut session = mongo.client.start_session().await.unwrap();
    session.start_transaction().await.unwrap();
    assert!(
        claim_event(&mongo.db, &mut session, "users", &envelope)
            .await
            .unwrap()
    );
    session.commit_transaction().await.unwrap();

    let mut again = mongo.client.start_session().await.unwrap();
    again.start_transaction().await.unwrap();
    assert!(
        !claim_event(&mongo.db, &mut again, "users", &envelope)
            .await
            .unwrap(),
        "a redelivery is recognised"
    );
    let _ = again.abort_transaction().await;

    let mut other = mongo.client.start_session().await.unwrap();
    other.start_transaction().await.unwrap();
    assert!(
        claim_event(&mongo.db, &mut other, "gigs", &envelope)
            .await
            .unwrap()
    );
    other.commit_transaction().await.unwrap();
    mongo.drop_database().await;
}
