//! Outbox and inbox on PostgreSQL (feature `postgres`).
//!
//! A service creates the tables once with [`ensure_schema`] (or copies [`SCHEMA`] into a
//! migration), then, inside its own transactions:
//! - [`insert_event`] writes an event to publish; it commits or rolls back with the state change;
//! - [`claim_event`] records a consumed event's id before the effect; `false` means the event
//!   was already applied, so the handler commits nothing else and returns `Ok`.
//!
//! A handler whose effect is one transaction calls [`apply_once`] with an [`Effect`]: claim,
//! apply and commit together, a redelivery changing nothing.
//!
//! [`PgOutbox`] is the relay's side: `FOR UPDATE SKIP LOCKED` lets several replicas' relays run
//! at once, each publishing different rows.

use std::time::Duration;

use sqlx::{PgConnection, PgPool, Postgres, Row, Transaction};
use uuid::Uuid;

use super::consumer::{HandlerError, record_duplicates};
use super::envelope::{Envelope, Event};
use super::publisher::OutgoingMessage;
use super::relay::OutboxStore;

/// The outbox and inbox tables.
pub const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS mercato_outbox (
    seq            BIGSERIAL PRIMARY KEY,
    id             UUID NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    correlation_id TEXT,
    envelope       JSON NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at        TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS mercato_outbox_pending ON mercato_outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS mercato_outbox_sent ON mercato_outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS mercato_inbox (
    consumer     TEXT NOT NULL,
    event_id     UUID NOT NULL,
    event_type   TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
";

/// Creates the outbox and inbox tables if they do not exist.
///
/// # Errors
///
/// A database error.
pub async fn ensure_schema(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::raw_sql(SCHEMA).execute(pool).await?;
    Ok(())
}

/// Writes `envelope` to the outbox as part of the caller's transaction.
///
/// # Errors
///
/// A database error; the caller's transaction should then roll back.
pub async fn insert_event(conn: &mut PgConnection, envelope: &Envelope) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mercato_outbox (id, event_type, correlation_id, envelope) VALUES ($1, $2, $3, $4)",
    )
    .bind(envelope.id)
    .bind(&envelope.event_type)
    .bind(envelope.correlation_id.as_deref())
    .bind(sqlx::types::Json(envelope))
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes `event`, published by `producer`, to the outbox in the caller's transaction,
/// correlated with the request being handled: the one way a service publishes.
///
/// # Errors
///
/// A database error.
pub async fn publish<E: Event>(
    conn: &mut PgConnection,
    producer: &str,
    event: &E,
) -> sqlx::Result<()> {
    insert_event(conn, &Envelope::in_request(producer, event)).await
}

/// Records that `consumer` applies `envelope`, in the caller's transaction. Returns `false` when
/// it was recorded before: the effect already happened and must not happen again.
///
/// # Errors
///
/// A database error.
pub async fn claim_event(
    conn: &mut PgConnection,
    consumer: &str,
    envelope: &Envelope,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO mercato_inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(consumer)
    .bind(envelope.id)
    .bind(&envelope.event_type)
    .execute(conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        record_duplicates(consumer, &envelope.event_type, 1);
    }
    Ok(inserted == 1)
}

/// What a consumed event changes, in the transaction that also claims it.
pub trait Effect: Send {
    /// Writes the change on `conn`.
    fn apply(self, conn: &mut PgConnection) -> impl Future<Output = sqlx::Result<()>> + Send;
}

/// Applies `effect` of `envelope` for `consumer` once: claims the event and writes the effect
/// in one transaction on `pool`; an event claimed before changes nothing.
///
/// # Errors
///
/// A database error, to retry.
pub async fn apply_once(
    pool: &PgPool,
    consumer: &str,
    envelope: &Envelope,
    effect: impl Effect,
) -> Result<(), HandlerError> {
    let mut tx = pool.begin().await.map_err(HandlerError::retry)?;
    if !claim_event(&mut tx, consumer, envelope)
        .await
        .map_err(HandlerError::retry)?
    {
        return Ok(());
    }
    effect.apply(&mut tx).await.map_err(HandlerError::retry)?;
    tx.commit().await.map_err(HandlerError::retry)
}

/// Records a batch of consumed events in one statement, in the caller's transaction (for
/// [`crate::events::EventHandler::handle_batch`]). Returns the ids recorded now; the others
/// were applied before and must not be applied again.
///
/// # Errors
///
/// A database error.
pub async fn claim_events(
    conn: &mut PgConnection,
    consumer: &str,
    envelopes: &[Envelope],
) -> sqlx::Result<std::collections::HashSet<Uuid>> {
    let ids: Vec<Uuid> = envelopes.iter().map(|e| e.id).collect();
    let types: Vec<&str> = envelopes.iter().map(|e| e.event_type.as_str()).collect();
    let claimed: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO mercato_inbox (consumer, event_id, event_type) \
         SELECT $1, id, event_type FROM UNNEST($2::uuid[], $3::text[]) AS batch (id, event_type) \
         ON CONFLICT DO NOTHING RETURNING event_id",
    )
    .bind(consumer)
    .bind(&ids)
    .bind(&types)
    .fetch_all(conn)
    .await?;
    for envelope in envelopes.iter().filter(|e| !claimed.contains(&e.id)) {
        record_duplicates(consumer, &envelope.event_type, 1);
    }
    Ok(claimed.into_iter().collect())
}

/// The relay's view of a PostgreSQL outbox.
#[derive(Debug, Clone)]
pub struct PgOutbox {
    pool: PgPool,
}

impl PgOutbox {
    /// The outbox in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl OutboxStore for PgOutbox {
    /// The transaction holding the claimed rows' locks.
    type Claim = Transaction<'static, Postgres>;

    async fn claim(&self, limit: usize) -> anyhow::Result<(Self::Claim, Vec<OutgoingMessage>)> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id, event_type, correlation_id, envelope::text AS envelope FROM mercato_outbox \
             WHERE sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let messages = rows
            .into_iter()
            .map(|row| {
                Ok(OutgoingMessage::new(
                    row.try_get::<Uuid, _>("id")?,
                    row.try_get::<String, _>("event_type")?,
                    row.try_get::<Option<String>, _>("correlation_id")?,
                    row.try_get::<String, _>("envelope")?.into_bytes(),
                ))
            })
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok((tx, messages))
    }

    async fn complete(&self, mut claim: Self::Claim, sent: &[Uuid]) -> anyhow::Result<()> {
        if !sent.is_empty() {
            sqlx::query("UPDATE mercato_outbox SET sent_at = now() WHERE id = ANY($1)")
                .bind(sent)
                .execute(&mut *claim)
                .await?;
        }
        claim.commit().await?;
        Ok(())
    }

    async fn purge_sent(&self, retention: Duration) -> anyhow::Result<u64> {
        let purged = sqlx::query(
            "DELETE FROM mercato_outbox WHERE sent_at < now() - make_interval(secs => $1)",
        )
        .bind(retention.as_secs_f64())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(purged)
    }

    async fn pending(&self) -> anyhow::Result<(u64, Option<Duration>)> {
        let row = sqlx::query(
            "SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest \
             FROM mercato_outbox WHERE sent_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        let pending = u64::try_from(row.try_get::<i64, _>("pending")?).unwrap_or(0);
        let oldest = row
            .try_get::<Option<f64>, _>("oldest")?
            .map(|secs| Duration::from_secs_f64(secs.max(0.0)));
        Ok((pending, oldest))
    }
}
