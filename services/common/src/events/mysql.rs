//! Outbox and inbox on MySQL / MariaDB (feature `mysql`).
//!
//! The same contract as the PostgreSQL module: [`insert_event`] and [`claim_event`] run inside
//! the caller's transaction; [`MySqlOutbox`] claims rows with `FOR UPDATE SKIP LOCKED`
//! (MySQL 8, MariaDB 10.6 and later). Ids are stored as their 36-character text.

use std::time::Duration;

use sqlx::mysql::MySqlPoolOptions;
use sqlx::{Executor, MySql, MySqlConnection, MySqlPool, QueryBuilder, Row, Transaction};
use uuid::Uuid;

use super::consumer::record_duplicates;
use super::envelope::{Envelope, Event};
use super::publisher::OutgoingMessage;
use super::relay::OutboxStore;

/// The outbox and inbox tables, one statement each.
pub const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS mercato_outbox (
        seq            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        id             CHAR(36) NOT NULL,
        event_type     VARCHAR(255) NOT NULL,
        correlation_id VARCHAR(255) NULL,
        envelope       LONGTEXT NOT NULL,
        created_at     DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
        sent_at        DATETIME(6) NULL,
        UNIQUE KEY mercato_outbox_id (id),
        KEY mercato_outbox_pending (sent_at, seq)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4",
    "CREATE TABLE IF NOT EXISTS mercato_inbox (
        consumer     VARCHAR(100) NOT NULL,
        event_id     CHAR(36) NOT NULL,
        event_type   VARCHAR(255) NOT NULL,
        processed_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
        PRIMARY KEY (consumer, event_id)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4",
];

/// Creates the outbox and inbox tables if they do not exist.
///
/// # Errors
///
/// A database error.
pub async fn ensure_schema(pool: &MySqlPool) -> sqlx::Result<()> {
    for statement in SCHEMA {
        sqlx::query(statement).execute(pool).await?;
    }
    Ok(())
}

/// Writes `envelope` to the outbox as part of the caller's transaction.
///
/// # Errors
///
/// A database error; the caller's transaction should then roll back.
pub async fn insert_event(conn: &mut MySqlConnection, envelope: &Envelope) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mercato_outbox (id, event_type, correlation_id, envelope) VALUES (?, ?, ?, ?)",
    )
    .bind(envelope.id.to_string())
    .bind(&envelope.event_type)
    .bind(envelope.correlation_id.as_deref())
    .bind(serde_json::to_string(envelope).map_err(|err| sqlx::Error::Encode(Box::new(err)))?)
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
    conn: &mut MySqlConnection,
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
/// A database error other than the duplicate key that means "already applied".
pub async fn claim_event(
    conn: &mut MySqlConnection,
    consumer: &str,
    envelope: &Envelope,
) -> sqlx::Result<bool> {
    // A duplicate key fails only this statement in InnoDB; the transaction stays usable.
    let result =
        sqlx::query("INSERT INTO mercato_inbox (consumer, event_id, event_type) VALUES (?, ?, ?)")
            .bind(consumer)
            .bind(envelope.id.to_string())
            .bind(&envelope.event_type)
            .execute(conn)
            .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
            record_duplicates(consumer, &envelope.event_type, 1);
            Ok(false)
        }
        Err(err) => Err(err),
    }
}

/// The relay's view of a MySQL outbox.
#[derive(Debug, Clone)]
pub struct MySqlOutbox {
    pool: MySqlPool,
}

impl MySqlOutbox {
    /// The outbox in the database of `pool`, whose connection settings it reuses.
    ///
    /// The relay keeps a small pool of its own whose sessions use READ COMMITTED: under
    /// InnoDB's default REPEATABLE READ, a locking scan of the pending rows also takes gap
    /// locks, and two relays marking rows sent then deadlock on each other's gaps.
    pub fn new(pool: &MySqlPool) -> Self {
        let options = (*pool.connect_options()).clone();
        let pool = MySqlPoolOptions::new()
            .max_connections(2)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        .await?;
                    Ok(())
                })
            })
            .connect_lazy_with(options);
        Self { pool }
    }
}

impl OutboxStore for MySqlOutbox {
    /// The transaction holding the claimed rows' locks.
    type Claim = Transaction<'static, MySql>;

    async fn claim(&self, limit: usize) -> anyhow::Result<(Self::Claim, Vec<OutgoingMessage>)> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id, event_type, correlation_id, envelope FROM mercato_outbox \
             WHERE sent_at IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED",
        )
        .bind(u64::try_from(limit).unwrap_or(u64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let mut messages = Vec::with_capacity(rows.len());
        for row in rows {
            messages.push(OutgoingMessage::new(
                Uuid::parse_str(&row.try_get::<String, _>("id")?)?,
                row.try_get::<String, _>("event_type")?,
                row.try_get::<Option<String>, _>("correlation_id")?,
                row.try_get::<String, _>("envelope")?.into_bytes(),
            ));
        }
        Ok((tx, messages))
    }

    async fn complete(&self, mut claim: Self::Claim, sent: &[Uuid]) -> anyhow::Result<()> {
        if !sent.is_empty() {
            let mut update = QueryBuilder::<MySql>::new(
                "UPDATE mercato_outbox SET sent_at = CURRENT_TIMESTAMP(6) WHERE id IN (",
            );
            let mut ids = update.separated(", ");
            for id in sent {
                ids.push_bind(id.to_string());
            }
            update.push(")");
            update.build().execute(&mut *claim).await?;
        }
        claim.commit().await?;
        Ok(())
    }

    async fn purge_sent(&self, retention: Duration) -> anyhow::Result<u64> {
        let purged = sqlx::query(
            "DELETE FROM mercato_outbox WHERE sent_at < CURRENT_TIMESTAMP(6) - INTERVAL ? SECOND",
        )
        .bind(retention.as_secs())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(purged)
    }

    async fn pending(&self) -> anyhow::Result<(u64, Option<Duration>)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS pending, \
             CAST(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), CURRENT_TIMESTAMP(6)) AS SIGNED) AS oldest_us \
             FROM mercato_outbox WHERE sent_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        let pending = u64::try_from(row.try_get::<i64, _>("pending")?).unwrap_or(0);
        let oldest = row
            .try_get::<Option<i64>, _>("oldest_us")?
            .map(|us| Duration::from_micros(u64::try_from(us).unwrap_or(0)));
        Ok((pending, oldest))
    }
}
