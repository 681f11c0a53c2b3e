//! Throughput of the event pipeline against raw confirmed publishing, on the local broker.
//!
//! Run: `cargo bench -p mercato-common --features test-support,postgres --bench event_pipeline`
//! (dependencies up: scripts/deps.sh). `EVENTS=<n>` sets the number of events (default 20000).
//!
//! 1. raw: lapin publishes `n` persistent messages to a quorum queue with publisher confirms,
//!    256 in flight, as fast as it can (the ceiling for any publisher on this broker).
//! 2. the pipeline over a backlog of `n` events in a PostgreSQL outbox: the relay alone (until
//!    every row is confirmed by the broker), the consumer alone (until every event is applied:
//!    the handler takes up to 64 waiting events and claims them in the inbox in one
//!    transaction), then both at once over a fresh backlog
//!    (outbox -> relay -> broker -> consumer -> inbox), as a running service does.
//!
//! It prints events per second for each and the ratio of the whole pipeline to raw publishing.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use mercato_common::events::catalog::UserEmailVerified;
use mercato_common::events::postgres::{PgOutbox, claim_events, ensure_schema, insert_event};
use mercato_common::events::publisher::{OutgoingMessage, Publisher};
use mercato_common::events::{
    Consumer, Envelope, EventHandler, HandlerError, Relay, RelayConfig, ServiceTopology,
};
use mercato_common::server::Shutdown;
use mercato_common::testing::{TestBroker, TestPostgres};
use uuid::Uuid;

const EVENT: &str = "user.email_verified.v1";

struct CountingHandler {
    pool: sqlx::PgPool,
    applied: Arc<AtomicU64>,
}

impl EventHandler for CountingHandler {
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        self.handle_batch(std::slice::from_ref(envelope))
            .await
            .remove(0)
    }

    fn max_batch(&self) -> usize {
        64
    }

    /// Claims every event of the batch in the inbox with one statement and commits once.
    async fn handle_batch(&self, envelopes: &[Envelope]) -> Vec<Result<(), HandlerError>> {
        let outcome: Result<u64, sqlx::Error> = async {
            let mut tx = self.pool.begin().await?;
            let claimed = claim_events(&mut tx, "bench", envelopes).await?;
            tx.commit().await?;
            Ok(claimed.len() as u64)
        }
        .await;
        match outcome {
            Ok(claimed) => {
                self.applied.fetch_add(claimed, Ordering::SeqCst);
                envelopes.iter().map(|_| Ok(())).collect()
            }
            Err(err) => {
                let reason = err.to_string();
                envelopes
                    .iter()
                    .map(|_| Err(HandlerError::retry(anyhow::anyhow!(reason.clone()))))
                    .collect()
            }
        }
    }
}

fn rate(n: u64, elapsed: Duration) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "event counts are far below 2^52"
    )]
    let n = n as f64;
    n / elapsed.as_secs_f64()
}

async fn raw(broker: &TestBroker, n: u64) -> f64 {
    let topology = ServiceTopology::with_bindings(&broker.config, "raw", vec![EVENT.to_owned()]);
    topology
        .declare(broker.connection())
        .await
        .expect("declare");
    let publisher = Publisher::open(broker.connection())
        .await
        .expect("publisher");
    let body = Envelope::new(
        "bench",
        None,
        &UserEmailVerified {
            user_id: Uuid::now_v7(),
            verified_at: Utc::now(),
        },
    )
    .to_bytes();
    let messages: Vec<OutgoingMessage> = (0..n)
        .map(|_| OutgoingMessage::new(Uuid::now_v7(), EVENT, None, body.clone()))
        .collect();
    let started = Instant::now();
    for chunk in messages.chunks(256) {
        let routed: Vec<(&str, &OutgoingMessage)> = chunk.iter().map(|m| (EVENT, m)).collect();
        publisher
            .publish_all(&broker.config.topology.exchange, &routed)
            .await
            .expect("publish");
    }
    rate(n, started.elapsed())
}

/// Writes `n` events to the outbox, 100 per transaction.
async fn backlog(pool: &sqlx::PgPool, n: u64) {
    let mut written = 0;
    while written < n {
        let mut tx = pool.begin().await.expect("begin");
        for _ in 0..100.min(n - written) {
            let envelope = Envelope::new(
                "bench",
                None,
                &UserEmailVerified {
                    user_id: Uuid::now_v7(),
                    verified_at: Utc::now(),
                },
            );
            insert_event(&mut tx, &envelope).await.expect("insert");
            written += 1;
        }
        tx.commit().await.expect("commit");
    }
}

async fn wait_until(what: &str, started: Instant, mut done: impl AsyncFnMut() -> bool) -> Duration {
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{what} stalled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started.elapsed()
}

/// Rates of the relay alone, the consumer alone, and both together, each over `n` events.
async fn pipeline(broker: &TestBroker, n: u64) -> (f64, f64, f64) {
    let db = TestPostgres::new().await;
    ensure_schema(&db.pool).await.expect("schema");
    // Each event commits its own transaction (effect + inbox), so the consumer's throughput
    // follows how many commits PostgreSQL can group: give it as many connections as work.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(48)
        .connect(&db.url())
        .await
        .expect("pool");
    let shutdown = Shutdown::new();
    let applied = Arc::new(AtomicU64::new(0));
    let mut config = broker.config.clone();
    config.prefetch = 128;
    let topology = ServiceTopology::with_bindings(&config, "bench", vec![EVENT.to_owned()]);
    let handler = CountingHandler {
        pool: pool.clone(),
        applied: Arc::clone(&applied),
    };
    let consumer = Consumer::with_topology("bench", config.clone(), topology, handler);
    let config = &config;
    consumer.prepare().await.expect("topology");
    let relay_config = RelayConfig {
        batch_size: 1024,
        poll_interval: Duration::from_millis(20),
        ..RelayConfig::default()
    };
    let relay = || {
        Relay::new(
            "bench",
            PgOutbox::new(db.pool.clone()),
            config.clone(),
            relay_config.clone(),
        )
    };
    let unsent = async || {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM mercato_outbox WHERE sent_at IS NULL")
                .fetch_one(&db.pool)
                .await
                .expect("count");
        count == 0
    };

    // Relay alone: a backlog in the outbox until all of it is confirmed by the broker.
    backlog(&db.pool, n).await;
    let started = Instant::now();
    let relay_stop = Shutdown::new();
    let first_relay = tokio::spawn(relay().run(relay_stop.clone()));
    let relay_rate = rate(n, wait_until("the relay", started, unsent).await);

    // Consumer alone: the published backlog waits in the queue until every effect is applied.
    let started = Instant::now();
    tokio::spawn(consumer.run(shutdown.clone()));
    let consumer_rate = rate(
        n,
        wait_until("the consumer", started, async || {
            applied.load(Ordering::SeqCst) >= n
        })
        .await,
    );

    // Both together, as in a running service: a new backlog through the whole pipeline.
    relay_stop.trigger();
    first_relay.await.expect("the relay stops");
    backlog(&db.pool, n).await;
    let started = Instant::now();
    tokio::spawn(relay().run(shutdown.clone()));
    let both_rate = rate(
        n,
        wait_until("the pipeline", started, async || {
            applied.load(Ordering::SeqCst) >= 2 * n
        })
        .await,
    );

    shutdown.trigger();
    tokio::time::sleep(Duration::from_millis(200)).await;
    pool.close().await;
    db.drop_database().await;
    (relay_rate, consumer_rate, both_rate)
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let broker = TestBroker::new().await;
    let raw_rate = raw(&broker, n).await;
    let (relay_rate, consumer_rate, pipeline_rate) = pipeline(&broker, n).await;
    broker.cleanup(&["raw", "bench"]).await;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "events: {n}");
    let _ = writeln!(
        out,
        "raw confirmed publish:                      {raw_rate:>10.0} msg/s"
    );
    let _ = writeln!(
        out,
        "relay alone (outbox -> broker, confirmed):  {relay_rate:>10.0} events/s"
    );
    let _ = writeln!(
        out,
        "consumer alone (broker -> handler + inbox): {consumer_rate:>10.0} events/s"
    );
    let _ = writeln!(
        out,
        "whole pipeline (outbox -> ... -> inbox):    {pipeline_rate:>10.0} events/s"
    );
    let _ = writeln!(out, "pipeline / raw: {:.2}", pipeline_rate / raw_rate);
}
