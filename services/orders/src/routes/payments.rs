//! Payment outcomes: the provider's webhook (`POST /v1/payments/webhook`, no session, verified
//! by its `Stripe-Signature`), and the sandbox's confirmation page, where a buyer pays with a
//! test card and the sandbox answers through that same webhook handler.
//!
//! A webhook is applied once per event id (a provider retrying it gets 200 and nothing
//! happens again) and only to an order still waiting for its payment; an event about a payment
//! orders does not know is acknowledged and logged. A missing, forged, or stale signature (a
//! replay) is a 400 and changes nothing.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use mercato_common::error::{ApiError, FieldErrors};
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::token::CurrentUser;
use serde::{Deserialize, Serialize};

use super::{AppState, read};
use crate::lifecycle::{self, Actor, Status, Step};
use crate::payments::sandbox::CardOutcome;
use crate::payments::{Outcome, PaymentProvider, parse_event, signature};
use crate::store::{ORDER_COLUMNS, OrderRow};
use crate::views::OrderView;

/// What the webhook answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookAnswer {
    /// Always `true`: the event was received.
    pub received: bool,
    /// `applied`, `duplicate` (seen before), `ignored` (nothing to do), `refunded` (a payment
    /// that succeeded for an order that had ended unpaid, refunded in full) or `unknown_payment`.
    pub result: String,
}

fn answer(result: &str) -> WebhookAnswer {
    WebhookAnswer {
        received: true,
        result: result.to_owned(),
    }
}

/// Verifies and applies one webhook event.
///
/// # Errors
///
/// 400 `invalid_signature` or `invalid_event`; a database error (the provider retries).
pub async fn receive(
    state: &AppState,
    signature_header: Option<&str>,
    body: &[u8],
) -> Result<WebhookAnswer, ApiError> {
    signature::verify(
        state.payments.webhook_secret(),
        signature_header,
        body,
        state.clock.unix_seconds(),
        state.webhook_tolerance,
    )
    .map_err(|err| {
        tracing::warn!(error = %err, "a webhook with a bad signature was refused");
        metrics::counter!("payment_webhooks_refused_total").increment(1);
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_signature",
            err.to_string(),
        )
    })?;
    let event = parse_event(body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_event",
            "the body is not a payment event",
        )
    })?;
    let mut tx = state.pool.begin().await?;
    let kind = match &event.outcome {
        Outcome::Succeeded => "succeeded",
        Outcome::Failed(_) => "failed",
        Outcome::Ignored(_) => "ignored",
    };
    let fresh = sqlx::query(
        "INSERT INTO payment_events (event_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(&event.id)
    .bind(kind)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        tx.commit().await?;
        return Ok(answer("duplicate"));
    }
    if matches!(event.outcome, Outcome::Ignored(_)) {
        tx.commit().await?;
        return Ok(answer("ignored"));
    }
    let order: Option<OrderRow> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE payment_ref = $1 FOR UPDATE"
    ))
    .bind(&event.payment_ref)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(order) = order else {
        tracing::warn!(payment = %event.payment_ref, event = %event.id, "a webhook about a payment orders does not know");
        tx.commit().await?;
        return Ok(answer("unknown_payment"));
    };
    if order.status != Status::PendingPayment {
        if event.outcome == Outcome::Succeeded && order.paid_at.is_none() {
            // The provider took money for an order that ended unpaid (its payment had failed):
            // it goes back to the buyer in full.
            let refund_id = uuid::Uuid::now_v7();
            sqlx::query(
                "INSERT INTO refunds (id, order_id, amount, currency, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'pending', $5, $5)",
            )
            .bind(refund_id)
            .bind(order.id)
            .bind(order.price_amount + order.fee_amount)
            .bind(&order.currency)
            .bind(crate::now(&state.clock))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::error!(order_id = %order.id, payment = %event.payment_ref, "a payment succeeded for an order that is not waiting for one; refunding it");
            state
                .after(lifecycle::Done {
                    alerts: Vec::new(),
                    refunds: vec![refund_id],
                })
                .await;
            return Ok(answer("refunded"));
        }
        tx.commit().await?;
        return Ok(answer("ignored"));
    }
    let mut step = Step::begin(
        &mut tx,
        &order,
        Actor::System,
        crate::now(&state.clock),
        &state.lifecycle,
    )
    .await?;
    match &event.outcome {
        Outcome::Succeeded => lifecycle::confirm_payment::run(&mut step).await?,
        Outcome::Failed(reason) => lifecycle::fail_payment::run(&mut step, reason).await?,
        Outcome::Ignored(_) => {}
    }
    let done = step.finish();
    tx.commit().await?;
    state.after(done).await;
    if matches!(event.outcome, Outcome::Failed(_)) {
        // The order ended: nothing may succeed on its payment any more.
        let state = state.clone();
        let reference = event.payment_ref.clone();
        tokio::spawn(async move {
            if let Err(error) = state.payments.cancel(&reference).await {
                tracing::warn!(%error, payment = %reference, "the failed payment was not cancelled at the provider");
            }
        });
    }
    tracing::info!(order_id = %order.id, outcome = kind, "payment outcome applied");
    metrics::counter!("payment_outcomes_total", "outcome" => kind).increment(1);
    Ok(answer("applied"))
}

error_responses!(
    /// What a webhook can refuse.
    WebhookErrors { 400 => ["invalid_signature", "invalid_event"] }
);

/// The payment provider's webhook: signed events about payments (no session).
#[utoipa::path(post, path = "/v1/payments/webhook", tag = "orders",
    params(("Stripe-Signature" = String, Header, description = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">`")),
    request_body(content = serde_json::Value, description = "A provider event, as the provider sends it", content_type = "application/json"),
    responses((status = 200, description = "Received", body = WebhookAnswer), WebhookErrors))]
#[tracing::instrument(skip_all)]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAnswer>, ApiError> {
    let header = headers
        .get(signature::HEADER)
        .and_then(|value| value.to_str().ok());
    Ok(Json(receive(&state, header, &body).await?))
}

/// A sandbox payment.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxPayment {
    /// A sandbox test card: `4242424242424242` pays, `4000000000000002` is declined,
    /// `4000000000000341` is accepted and then fails.
    #[schema(min_length = 12, max_length = 23)]
    pub card_number: String,
}

error_responses!(
    /// What a sandbox payment can refuse.
    SandboxErrors {
        404 => ["not_found"],
        409 => ["invalid_transition"],
        422 => ["validation_failed"]
    }
);

/// Pays the caller's unpaid order in the sandbox with a test card; answers the order after
/// the sandbox's webhook (a "fails later" card leaves it waiting, then failed).
#[utoipa::path(post, path = "/v1/payments/sandbox/{reference}/confirm", tag = "orders", security(("session" = [])),
    params(("reference" = String, Path, description = "The payment's `reference`")),
    request_body = SandboxPayment,
    responses((status = 200, description = "The order", body = OrderView), SandboxErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn sandbox_confirm(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(reference): Path<String>,
    Json(body): Json<SandboxPayment>,
) -> Result<Json<OrderView>, ApiError> {
    let not_found = || ApiError::not_found("no such sandbox payment");
    let sandbox = state.payments.sandbox().ok_or_else(not_found)?;
    let order: OrderRow = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE payment_ref = $1 AND buyer_user_id = $2"
    ))
    .bind(&reference)
    .bind(caller.user_id)
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(not_found)?;
    if order.status != Status::PendingPayment {
        return Err(lifecycle::invalid_transition("pay", order.status));
    }
    let Some(outcome) = CardOutcome::of(&body.card_number) else {
        let mut fields = FieldErrors::new();
        fields.insert(
            "card_number".into(),
            vec![
                "is not a sandbox test card (4242424242424242, 4000000000000002, 4000000000000341)"
                    .into(),
            ],
        );
        return Err(ApiError::validation(fields));
    };
    match outcome {
        CardOutcome::Succeeds | CardOutcome::Declined => {
            let (event, header) = sandbox.event(
                &reference,
                outcome == CardOutcome::Succeeds,
                state.clock.unix_seconds(),
            );
            receive(&state, Some(&header), &event).await?;
        }
        CardOutcome::FailsLater => {
            let later = state.clone();
            let wait = sandbox.late_failure;
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let Some(sandbox) = later.payments.sandbox() else {
                    return;
                };
                let (event, header) = sandbox.event(&reference, false, later.clock.unix_seconds());
                if let Err(err) = receive(&later, Some(&header), &event).await {
                    tracing::error!(error = ?err, "the sandbox's late failure was not applied");
                }
            });
        }
    }
    read::current(&state, order.id, caller.user_id).await
}
