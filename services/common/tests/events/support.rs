//! A small service for the tests: a PostgreSQL table of "things" whose changes publish
//! `user.email_verified.v1` events, and a handler that records each event's effect once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use mercato_common::events::catalog::UserEmailVerified;
use mercato_common::events::postgres::{PgOutbox, claim_event, ensure_schema, insert_event};
use mercato_common::events::{
    Consumer, ConsumerStatus, Envelope, EventHandler, HandlerError, OutboxStore, Relay,
    RelayConfig, ServiceTopology,
};
use mercato_common::server::Shutdown;
use mercato_common::testing::{TestBroker, TestPostgres, eventually};
use sqlx::PgPool;
use uuid::Uuid;

/// The event type the tests publish and consume.
pub const EVENT: &str = "user.email_verified.v1";
/// The consuming service's name in the tests.
pub const SERVICE: &str = "svc";

/// How the handler misbehaves, per event id.
#[derive(Debug, Default)]
pub struct Faults {
    /// Remaining failures before the handler succeeds.
    pub fail_times: HashMap<Uuid, u32>,
    /// Ids the handler always fails.
    pub always_fail: Vec<Uuid>,
    /// Ids the handler rejects as invalid.
    pub reject: Vec<Uuid>,
}

/// Records each event's effect in `effects`, with the inbox in the same transaction.
#[derive(Debug, Clone)]
pub struct RecordingHandler {
    pub pool: PgPool,
    pub faults: Arc<Mutex<Faults>>,
    pub attempts: Arc<Mutex<HashMap<Uuid, u32>>>,
}

impl EventHandler for RecordingHandler {
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        *self
            .attempts
            .lock()
            .unwrap()
            .entry(envelope.id)
            .or_default() += 1;
        {
            let mut faults = self.faults.lock().unwrap();
            if faults.always_fail.contains(&envelope.id) {
                return Err(HandlerError::retry(anyhow::anyhow!(
                    "the handler always fails for this one"
                )));
            }
            if faults.reject.contains(&envelope.id) {
                return Err(HandlerError::Reject("payload violates the contract".into()));
            }
            if let Some(remaining) = faults.fail_times.get_mut(&envelope.id).filter(|n| **n > 0) {
                *remaining -= 1;
                return Err(HandlerError::retry(anyhow::anyhow!("transient failure")));
            }
        }
        let mut tx = self.pool.begin().await.map_err(HandlerError::retry)?;
        if !claim_event(&mut tx, SERVICE, envelope)
            .await
            .map_err(HandlerError::retry)?
        {
            return Ok(());
        }
        sqlx::query("INSERT INTO effects (event_id) VALUES ($1)")
            .bind(envelope.id)
            .execute(&mut *tx)
            .await
            .map_err(HandlerError::retry)?;
        tx.commit().await.map_err(HandlerError::retry)
    }
}

/// Waits until `outbox` has nothing unsent (every publish confirmed), then returns how many
/// times each event id reached `tap`: exactly what the relays published.
pub async fn published_ids(
    broker: &TestBroker,
    tap: &str,
    outbox: &impl OutboxStore,
) -> HashMap<String, u32> {
    eventually("the outbox to drain", Duration::from_secs(30), || async {
        (outbox.pending().await.unwrap().0 == 0).then_some(())
    })
    .await;
    broker.drain_ids(tap).await
}

/// One test's broker slice, database, relay and consumer.
pub struct Harness {
    pub broker: TestBroker,
    pub db: TestPostgres,
    pub handler: RecordingHandler,
    pub shutdown: Shutdown,
    pub consumer_status: Option<ConsumerStatus>,
    /// The running consumer and what stops it alone (the relays keep `shutdown`).
    consumer: Option<(Shutdown, tokio::task::JoinHandle<()>)>,
    /// Starts the consumer again with the handler it first had.
    restart: Option<StartConsumer>,
}

/// Starts a consumer that stops with the given `Shutdown`.
type StartConsumer =
    Arc<dyn Fn(Shutdown) -> (ConsumerStatus, tokio::task::JoinHandle<()>) + Send + Sync>;

pub fn relay_config() -> RelayConfig {
    RelayConfig {
        batch_size: 64,
        poll_interval: Duration::from_millis(50),
        ..RelayConfig::default()
    }
}

impl Harness {
    pub async fn new() -> Self {
        let broker = TestBroker::new().await;
        let db = TestPostgres::new().await;
        ensure_schema(&db.pool).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE things (id UUID PRIMARY KEY, name TEXT NOT NULL);
             CREATE TABLE effects (event_id UUID NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        let handler = RecordingHandler {
            pool: db.pool.clone(),
            faults: Arc::default(),
            attempts: Arc::default(),
        };
        Self {
            broker,
            db,
            handler,
            shutdown: Shutdown::new(),
            consumer_status: None,
            consumer: None,
            restart: None,
        }
    }

    pub fn topology(&self) -> ServiceTopology {
        ServiceTopology::with_bindings(&self.broker.config, SERVICE, vec![EVENT.to_owned()])
    }

    /// Declares the topology and starts the consumer with the recording handler.
    pub async fn start_consumer(&mut self) {
        self.start_consumer_with(self.handler.clone()).await;
    }

    /// Declares the topology and starts the consumer with `handler`.
    pub async fn start_consumer_with<H: EventHandler + Clone>(&mut self, handler: H) {
        let (broker, topology) = (self.broker.config.clone(), self.topology());
        Consumer::with_topology(SERVICE, broker.clone(), topology.clone(), handler.clone())
            .prepare()
            .await
            .unwrap();
        self.restart = Some(Arc::new(move |stop: Shutdown| {
            let consumer =
                Consumer::with_topology(SERVICE, broker.clone(), topology.clone(), handler.clone());
            (consumer.status(), tokio::spawn(consumer.run(stop)))
        }));
        self.run_consumer().await;
    }

    /// Runs the consumer last started, and waits until it is connected.
    async fn run_consumer(&mut self) {
        let start = self.restart.clone().expect("a consumer was started");
        let stop = Shutdown::new();
        let (status, handle) = start(stop.clone());
        self.consumer = Some((stop, handle));
        self.consumer_status = Some(status.clone());
        eventually("the consumer to connect", Duration::from_secs(10), || {
            let status = status.clone();
            async move { status.is_connected().then_some(()) }
        })
        .await;
    }

    /// Stops the consumer gracefully: it finishes the deliveries it holds, and the ones it
    /// had prefetched go back to the queue.
    async fn stop_consumer(&mut self) {
        if let Some((stop, handle)) = self.consumer.take() {
            stop.trigger();
            tokio::time::timeout(Duration::from_secs(30), handle)
                .await
                .expect("the consumer stops")
                .unwrap();
        }
    }

    /// Messages waiting in the work queue and the retry queues.
    async fn waiting(&self) -> u32 {
        let topology = self.topology();
        let mut waiting = self.broker.depth(&topology.queue).await;
        for (queue, _) in &topology.retry_queues {
            waiting += self.broker.depth(queue).await;
        }
        waiting
    }

    /// Returns once every published event has been handled to the end, so the counts read
    /// afterwards are final (a late duplicate would otherwise be missed): the outbox has
    /// nothing unsent, and with the consumer stopped, no message waits in its queues. While
    /// some do, the consumer runs again until they are taken. The consumer is left stopped.
    pub async fn settle(&mut self) {
        eventually("the outbox to drain", Duration::from_secs(30), || async {
            (self.unsent().await == 0).then_some(())
        })
        .await;
        loop {
            self.stop_consumer().await;
            if self.waiting().await == 0 {
                return;
            }
            self.run_consumer().await;
            eventually("the queues to empty", Duration::from_secs(30), || async {
                (self.waiting().await == 0).then_some(())
            })
            .await;
        }
    }

    /// Starts a relay on the test database's outbox, stopped by `shutdown`.
    pub fn start_relay(&self, shutdown: &Shutdown) -> tokio::task::JoinHandle<()> {
        self.start_relay_with(shutdown, relay_config())
    }

    /// Starts a relay with `config`, stopped by `shutdown`.
    pub fn start_relay_with(
        &self,
        shutdown: &Shutdown,
        config: RelayConfig,
    ) -> tokio::task::JoinHandle<()> {
        let relay = Relay::new(
            SERVICE,
            PgOutbox::new(self.db.pool.clone()),
            self.broker.config.clone(),
            config,
        );
        tokio::spawn(relay.run(shutdown.clone()))
    }

    /// Writes a thing and its event in one transaction, committed or rolled back.
    pub async fn change_thing(&self, commit: bool) -> Uuid {
        let mut tx = self.db.pool.begin().await.unwrap();
        let id = Uuid::now_v7();
        sqlx::query("INSERT INTO things (id, name) VALUES ($1, 'thing')")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        let envelope = Envelope::new(
            SERVICE,
            Some("req-test"),
            &UserEmailVerified {
                user_id: id,
                verified_at: Utc::now(),
            },
        );
        insert_event(&mut tx, &envelope).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
        envelope.id
    }

    /// How many times the effect of `event_id` was applied.
    pub async fn effects_of(&self, event_id: Uuid) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM effects WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// (effects applied, distinct events applied).
    pub async fn effect_counts(&self) -> (i64, i64) {
        sqlx::query_as("SELECT count(*), count(DISTINCT event_id) FROM effects")
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    pub async fn unsent(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM mercato_outbox WHERE sent_at IS NULL")
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// Waits until `expected` distinct events were applied.
    pub async fn wait_for_effects(&self, expected: i64, timeout: Duration) {
        eventually(&format!("{expected} effects"), timeout, || async {
            let (_, distinct) = self.effect_counts().await;
            (distinct >= expected).then_some(())
        })
        .await;
    }

    pub async fn finish(mut self, extra_queues: &[&str]) {
        self.stop_consumer().await;
        self.shutdown.trigger();
        let mut services = vec![SERVICE];
        services.extend_from_slice(extra_queues);
        self.broker.cleanup(&services).await;
        self.db.drop_database().await;
    }
}
