//! Refunds owed to buyers. A cancellation writes the refund in its own transaction (so it is
//! never lost); this module sends it to the provider after the commit and, from the periodic
//! task, again until the provider takes it. The provider's idempotency key is the refund's id,
//! so a refund sent twice (a crash after the provider's answer, two replicas) moves money once.
//! A refund the provider refuses for good is marked `failed` and logged as an error for a
//! person to look at.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::payments::{NewRefund, PaymentError, PaymentProvider};
use crate::routes::AppState;

/// Attempts before a refund the provider keeps failing is left for a person.
pub const MAX_ATTEMPTS: i32 = 20;

#[derive(sqlx::FromRow)]
struct PendingRefund {
    id: Uuid,
    order_id: Uuid,
    amount: i64,
    payment_ref: Option<String>,
}

/// Sends every pending refund, one at a time, each under its row's lock (`SKIP LOCKED`: other
/// replicas take others). Stops at the first the provider cannot take now.
pub async fn send_pending(state: &AppState) {
    loop {
        match send_one(state).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::warn!(error = %error, "refunds: will retry");
                return;
            }
        }
    }
}

/// Sends one pending refund; `false` when there was none to send now.
async fn send_one(state: &AppState) -> anyhow::Result<bool> {
    let mut tx = state.pool.begin().await?;
    let refund: Option<PendingRefund> = sqlx::query_as(
        "SELECT r.id, r.order_id, r.amount, o.payment_ref FROM refunds r \
         JOIN orders o ON o.id = r.order_id \
         WHERE r.status = 'pending' AND r.attempts < $1 \
         ORDER BY r.created_at LIMIT 1 FOR UPDATE OF r SKIP LOCKED",
    )
    .bind(MAX_ATTEMPTS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(refund) = refund else {
        return Ok(false);
    };
    let now = crate::now(&state.clock);
    let Some(payment_ref) = refund.payment_ref.as_deref() else {
        fail(
            &mut tx,
            refund.id,
            "the order has no payment to refund",
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(true);
    };
    let sent = state
        .payments
        .refund(&NewRefund {
            refund_id: refund.id,
            order_id: refund.order_id,
            payment_ref,
            amount: refund.amount,
        })
        .await;
    match sent {
        Ok(sent) => {
            sqlx::query(
                "UPDATE refunds SET status = 'succeeded', provider_ref = $2, attempts = attempts + 1, \
                 updated_at = $3 WHERE id = $1",
            )
            .bind(refund.id)
            .bind(&sent.reference)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE orders SET refunded_amount = refunded_amount + $2 WHERE id = $1")
                .bind(refund.order_id)
                .bind(refund.amount)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(order_id = %refund.order_id, refund = %sent.reference, amount = refund.amount, "refunded");
            metrics::counter!("refunds_total", "result" => "succeeded").increment(1);
            Ok(true)
        }
        Err(PaymentError::Refused(message)) => {
            fail(&mut tx, refund.id, &message, now).await?;
            tx.commit().await?;
            tracing::error!(order_id = %refund.order_id, %message, "the provider refused a refund; it needs a person");
            metrics::counter!("refunds_total", "result" => "failed").increment(1);
            Ok(true)
        }
        Err(PaymentError::Unavailable(source)) => {
            // The last attempt that failed ends it as failed, for a person to look at, rather
            // than leaving it pending where nothing would take it again.
            sqlx::query(
                "UPDATE refunds SET attempts = attempts + 1, last_error = $2, updated_at = $3, \
                 status = CASE WHEN attempts + 1 >= $4 THEN 'failed' ELSE status END WHERE id = $1",
            )
            .bind(refund.id)
            .bind(format!("{source:#}"))
            .bind(now)
            .bind(MAX_ATTEMPTS)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Err(source.context("the provider is unavailable for refunds"))
        }
    }
}

async fn fail(
    conn: &mut PgConnection,
    id: Uuid,
    message: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE refunds SET status = 'failed', attempts = attempts + 1, last_error = $2, updated_at = $3 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(message)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
