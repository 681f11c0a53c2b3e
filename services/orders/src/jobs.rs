//! The periodic tasks: completing deliveries nobody answered within the policy's days, and
//! sending refunds that could not be sent at once. Both are safe with several replicas: each
//! order or refund is taken under its row's lock with `SKIP LOCKED`, and a step re-checks the
//! order's status under that lock.

use std::time::Duration;

use mercato_common::server::Shutdown;
use uuid::Uuid;

use crate::lifecycle::{Actor, Step, complete};
use crate::routes::AppState;
use crate::store::{ORDER_COLUMNS, OrderRow};

/// Runs the tasks every `interval` until `shutdown`.
pub async fn run(state: AppState, interval: Duration, shutdown: Shutdown) {
    loop {
        tokio::select! {
            () = shutdown.triggered() => return,
            () = tokio::time::sleep(interval) => {}
        }
        loop {
            match complete_one_overdue(&state).await {
                Ok(Some(order_id)) => tracing::info!(%order_id, "completed an unanswered delivery"),
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(error = %error, "auto-completion failed; next round retries");
                    break;
                }
            }
        }
        crate::refunds::send_pending(&state).await;
        metrics::counter!("orders_job_rounds_total").increment(1);
    }
}

/// Completes one delivered order whose time to answer is over; its id, or `None` when there is
/// none.
///
/// # Errors
///
/// A database error.
pub async fn complete_one_overdue(state: &AppState) -> anyhow::Result<Option<Uuid>> {
    let now = crate::now(&state.clock);
    let mut tx = state.pool.begin().await?;
    let order: Option<OrderRow> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE status = 'delivered' AND auto_complete_at <= $1 \
         ORDER BY auto_complete_at LIMIT 1 FOR UPDATE SKIP LOCKED"
    ))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(order) = order else {
        return Ok(None);
    };
    let mut step = Step::begin(&mut tx, &order, Actor::System, now, &state.lifecycle).await?;
    complete::run(&mut step)
        .await
        .map_err(|err| anyhow::anyhow!("cannot complete order {}: {}", order.id, err.code()))?;
    let done = step.finish();
    tx.commit().await?;
    state.after(done).await;
    metrics::counter!("orders_auto_completed_total").increment(1);
    Ok(Some(order.id))
}
