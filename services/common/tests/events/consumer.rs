//! The consumer: one effect per event, retries, dead letters, malformed input, verify mode.

use std::time::Duration;

use chrono::Utc;
use mercato_common::events::catalog::UserEmailVerified;
use mercato_common::events::publisher::{OutgoingMessage, Publisher};
use mercato_common::events::{Consumer, Envelope, ServiceTopology, TopologyMode};
use mercato_common::testing::{DeadLetter, eventually};
use uuid::Uuid;

use crate::support::{EVENT, Harness, SERVICE};

fn event() -> Envelope {
    Envelope::new(
        "test",
        None,
        &UserEmailVerified {
            user_id: Uuid::now_v7(),
            verified_at: Utc::now(),
        },
    )
}

async fn publish(harness: &Harness, envelope: &Envelope) {
    let publisher = Publisher::open(harness.broker.connection()).await.unwrap();
    let message = OutgoingMessage::new(envelope.id, EVENT, None, envelope.to_bytes());
    publisher
        .publish_one(&harness.broker.config.topology.exchange, EVENT, &message)
        .await
        .unwrap();
}

async fn next_dead_letter(harness: &Harness) -> DeadLetter {
    harness
        .broker
        .next_dead_letter(&harness.topology().dead_letter_queue)
        .await
}

#[tokio::test]
async fn the_same_event_delivered_twice_has_one_effect() {
    let mut harness = Harness::new().await;
    harness.start_consumer().await;
    let envelope = event();

    publish(&harness, &envelope).await;
    publish(&harness, &envelope).await;
    harness.wait_for_effects(1, Duration::from_secs(10)).await;
    harness.settle().await;

    assert_eq!(
        harness.handler.attempts.lock().unwrap()[&envelope.id],
        2,
        "both deliveries were handled"
    );
    assert_eq!(harness.effects_of(envelope.id).await, 1);
    harness.finish(&[]).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_then_succeeds_is_applied_once() {
    let mut harness = Harness::new().await;
    harness.start_consumer().await;
    let envelope = event();
    harness
        .handler
        .faults
        .lock()
        .unwrap()
        .fail_times
        .insert(envelope.id, 2);

    publish(&harness, &envelope).await;
    harness.wait_for_effects(1, Duration::from_secs(20)).await;

    assert_eq!(harness.effects_of(envelope.id).await, 1);
    assert_eq!(harness.handler.attempts.lock().unwrap()[&envelope.id], 3);
    assert!(
        harness
            .broker
            .get(&harness.topology().dead_letter_queue)
            .await
            .is_none()
    );
    harness.finish(&[]).await;
}

#[tokio::test]
async fn a_handler_that_always_fails_ends_in_the_dead_letter_queue_with_its_reason() {
    let mut harness = Harness::new().await;
    harness.start_consumer().await;
    let envelope = event();
    harness
        .handler
        .faults
        .lock()
        .unwrap()
        .always_fail
        .push(envelope.id);

    publish(&harness, &envelope).await;
    let DeadLetter { reason, attempt } = next_dead_letter(&harness).await;

    assert!(reason.contains("gave up after 5 attempts"), "{reason}");
    assert!(reason.contains("always fails"), "{reason}");
    assert_eq!(attempt, 5);
    assert_eq!(harness.handler.attempts.lock().unwrap()[&envelope.id], 5);
    assert_eq!(harness.effects_of(envelope.id).await, 0);
    harness.finish(&[]).await;
}

#[tokio::test]
async fn a_rejected_event_goes_to_the_dead_letter_queue_without_retries() {
    let mut harness = Harness::new().await;
    harness.start_consumer().await;
    let envelope = event();
    harness
        .handler
        .faults
        .lock()
        .unwrap()
        .reject
        .push(envelope.id);

    publish(&harness, &envelope).await;
    let DeadLetter { reason, attempt } = next_dead_letter(&harness).await;

    // A retry before the rejection would show as a later attempt on the dead letter.
    assert_eq!(reason, "rejected: payload violates the contract");
    assert_eq!(attempt, 1, "dead-lettered on its first attempt");
    assert_eq!(harness.handler.attempts.lock().unwrap()[&envelope.id], 1);
    harness.finish(&[]).await;
}

#[tokio::test]
async fn a_malformed_message_goes_to_the_dead_letter_queue_and_the_consumer_keeps_going() {
    let mut harness = Harness::new().await;
    harness.start_consumer().await;
    let publisher = Publisher::open(harness.broker.connection()).await.unwrap();
    let garbage = OutgoingMessage::new(Uuid::now_v7(), EVENT, None, b"{not json".to_vec());
    publisher
        .publish_one(&harness.broker.config.topology.exchange, EVENT, &garbage)
        .await
        .unwrap();

    let DeadLetter { reason, .. } = next_dead_letter(&harness).await;
    let good = event();
    publish(&harness, &good).await;
    harness.wait_for_effects(1, Duration::from_secs(10)).await;

    assert!(reason.starts_with("undecodable"), "{reason}");
    assert_eq!(harness.effects_of(good.id).await, 1);
    harness.finish(&[]).await;
}

#[tokio::test]
async fn verify_mode_refuses_to_start_when_the_queue_is_missing_and_accepts_a_declared_one() {
    let harness = Harness::new().await;
    let mut config = harness.broker.config.clone();
    config.mode = TopologyMode::Verify;

    let missing = Consumer::with_topology(
        SERVICE,
        config.clone(),
        harness.topology(),
        harness.handler.clone(),
    );
    let error = missing.prepare().await.unwrap_err().to_string();
    assert!(
        error.contains(&harness.broker.config.topology.exchange)
            || error.contains(&harness.topology().queue),
        "{error}"
    );

    harness
        .topology()
        .declare(harness.broker.connection())
        .await
        .unwrap();
    let present = Consumer::with_topology(
        SERVICE,
        config.clone(),
        harness.topology(),
        harness.handler.clone(),
    );
    present.prepare().await.unwrap();
    harness.finish(&[]).await;
}

#[tokio::test]
async fn verify_mode_reports_a_queue_declared_with_other_arguments_or_another_vhost() {
    let harness = Harness::new().await;
    harness
        .topology()
        .declare(harness.broker.connection())
        .await
        .unwrap();
    let mut config = harness.broker.config.clone();
    config.mode = TopologyMode::Verify;
    config.topology.delivery_limit = 30;
    let topology = ServiceTopology::with_bindings(&config, SERVICE, vec![EVENT.to_owned()]);

    let error = Consumer::with_topology(SERVICE, config.clone(), topology, harness.handler.clone())
        .prepare()
        .await
        .unwrap_err();
    config.topology.delivery_limit = 20;
    config.vhost = Some("shop".into());
    let vhost_error =
        Consumer::with_topology(SERVICE, config, harness.topology(), harness.handler.clone())
            .prepare()
            .await
            .unwrap_err();

    let message = format!("{error:#}");
    assert!(
        message.contains(&format!(
            "queue {} exists with other arguments",
            harness.topology().queue
        )) && message.contains("x-delivery-limit"),
        "{message}"
    );
    let message = format!("{vhost_error:#}");
    assert!(message.contains("EVENTS_VHOST says \"shop\""), "{message}");
    harness.finish(&[]).await;
}

fn dlq_tool(harness: &Harness, args: &[&str]) -> String {
    let config = &harness.broker.config;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mercato-dlq"))
        .args([
            "--exchange",
            &config.topology.exchange,
            "--dead-letter-exchange",
            &config.topology.dead_letter_exchange,
        ])
        .args(["--queue-prefix", &config.topology.queue_prefix])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "mercato-dlq {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn a_dead_letter_can_be_listed_shown_and_replayed_with_mercato_dlq() {
    let mut harness = Harness::new().await;
    harness.start_consumer().await;
    let envelope = event();
    harness
        .handler
        .faults
        .lock()
        .unwrap()
        .reject
        .push(envelope.id);
    publish(&harness, &envelope).await;
    eventually(
        "the event to be dead-lettered",
        Duration::from_secs(10),
        || async {
            dlq_tool(&harness, &["list", SERVICE])
                .contains(&envelope.id.to_string())
                .then_some(())
        },
    )
    .await;

    let listed = dlq_tool(&harness, &["list", SERVICE]);
    let shown = dlq_tool(&harness, &["show", SERVICE, &envelope.id.to_string()]);
    harness.handler.faults.lock().unwrap().reject.clear();
    let replayed = dlq_tool(&harness, &["replay", SERVICE, &envelope.id.to_string()]);
    harness.wait_for_effects(1, Duration::from_secs(10)).await;

    assert!(
        listed.contains("rejected: payload violates the contract"),
        "{listed}"
    );
    assert!(listed.contains("1 dead letter(s) shown"), "{listed}");
    assert!(
        shown.contains(EVENT) && shown.contains("\"payload\""),
        "{shown}"
    );
    assert!(
        replayed.contains("1 dead letter(s) moved back"),
        "{replayed}"
    );
    assert_eq!(harness.effects_of(envelope.id).await, 1);
    assert!(dlq_tool(&harness, &["list", SERVICE]).contains("0 dead letter(s) shown"));
    harness.finish(&[]).await;
}

/// Applies batches in one transaction, failing its first batch to prove batches are retried.
#[derive(Clone)]
struct BatchingHandler {
    pool: sqlx::PgPool,
    batch_sizes: std::sync::Arc<std::sync::Mutex<Vec<usize>>>,
}

impl mercato_common::events::EventHandler for BatchingHandler {
    async fn handle(
        &self,
        envelope: &Envelope,
    ) -> Result<(), mercato_common::events::HandlerError> {
        self.handle_batch(std::slice::from_ref(envelope))
            .await
            .remove(0)
    }

    fn max_batch(&self) -> usize {
        16
    }

    async fn handle_batch(
        &self,
        envelopes: &[Envelope],
    ) -> Vec<Result<(), mercato_common::events::HandlerError>> {
        use mercato_common::events::HandlerError;
        let first = {
            let mut sizes = self.batch_sizes.lock().unwrap();
            sizes.push(envelopes.len());
            sizes.len() == 1
        };
        let fail = || {
            envelopes
                .iter()
                .map(|_| Err(HandlerError::retry(anyhow::anyhow!("batch failed"))))
                .collect()
        };
        if first {
            return fail();
        }
        let Ok(mut tx) = self.pool.begin().await else {
            return fail();
        };
        for envelope in envelopes {
            let claimed = mercato_common::events::postgres::claim_event(&mut tx, SERVICE, envelope)
                .await
                .unwrap();
            if claimed {
                sqlx::query("INSERT INTO effects (event_id) VALUES ($1)")
                    .bind(envelope.id)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
        envelopes.iter().map(|_| Ok(())).collect()
    }
}

#[tokio::test]
async fn a_batching_handler_applies_each_event_once_and_a_failed_batch_is_retried() {
    let mut harness = Harness::new().await;
    harness
        .topology()
        .declare(harness.broker.connection())
        .await
        .unwrap();
    let envelopes: Vec<Envelope> = (0..60).map(|_| event()).collect();
    for envelope in &envelopes {
        publish(&harness, envelope).await;
    }
    publish(&harness, &envelopes[0]).await;
    let handler = BatchingHandler {
        pool: harness.db.pool.clone(),
        batch_sizes: std::sync::Arc::default(),
    };

    harness.start_consumer_with(handler.clone()).await;
    harness.wait_for_effects(60, Duration::from_secs(20)).await;
    // The events can all be applied before the failed first batch comes back from its retry
    // queue (when the duplicate of its event applied it): wait for it to be handled again.
    let handled = || handler.batch_sizes.lock().unwrap().iter().sum::<usize>();
    eventually(
        "the failed first batch to be handled again",
        Duration::from_secs(20),
        || async { (handled() > 61).then_some(()) },
    )
    .await;
    harness.settle().await;

    assert_eq!(harness.effect_counts().await, (60, 60));
    let sizes = handler.batch_sizes.lock().unwrap().clone();
    assert!(
        sizes.iter().sum::<usize>() > 61,
        "the failed first batch and all 61 deliveries were handled: {sizes:?}"
    );
    assert!(
        sizes.iter().any(|n| *n > 1),
        "waiting deliveries were batched: {sizes:?}"
    );
    assert!(sizes.iter().all(|n| *n <= 16), "{sizes:?}");
    harness.finish(&[]).await;
}
