//! `POST /v1/orders`: placing an order, idempotently. The `Idempotency-Key` header is
//! required; the same key with the same body answers the same order (200, the first answer
//! was 201), with another body 422 `idempotency_key_reused`. Concurrent identical requests
//! make one order: the key is unique per buyer, and the losers of the insert answer the
//! winner's order. The payment is started after the order is written, under the order's own
//! idempotency key at the provider, so a retry after a provider failure resumes it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use mercato_common::error::{ApiError, FieldErrors};
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::token::{Caller, CurrentUser};
use mercato_common::validation::Checker;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppState, read, require_verified};
use crate::lifecycle::place::{self, NewOrder, Ordered};
use crate::lifecycle::{Party, Status};
use crate::payments::{NewPayment, PaymentError, PaymentProvider};
use crate::store::{self, OrderRow};
use crate::views::OrderView;

/// The longest idempotency key.
pub const MAX_KEY_LENGTH: usize = 255;

/// An order of a gig at its price, or of a custom offer the caller accepted. The price, fee
/// and delivery time are the server's: sending them is a 422 (unknown field).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderRequest {
    /// The gig to order (or `offer_id`, not both).
    #[schema(value_type = Option<mercato_common::openapi::Id>)]
    #[serde(default)]
    pub gig_id: Option<Uuid>,
    /// The accepted custom offer to order (or `gig_id`, not both).
    #[schema(value_type = Option<mercato_common::openapi::Id>)]
    #[serde(default)]
    pub offer_id: Option<Uuid>,
    /// What the seller needs to know, 1 to 5,000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub requirements: String,
}

impl PlaceOrderRequest {
    fn check(&self) -> Result<Ordered, ApiError> {
        let mut checker = Checker::default();
        checker.text("requirements", &self.requirements, 1, 5000);
        let ordered = match (self.gig_id, self.offer_id) {
            (Some(gig), None) => Some(Ordered::Gig(gig)),
            (None, Some(offer)) => Some(Ordered::Offer(offer)),
            _ => {
                checker.check(false, "gig_id", "give either gig_id or offer_id");
                None
            }
        };
        checker.finish().map_err(ApiError::validation)?;
        ordered.ok_or_else(|| ApiError::validation(FieldErrors::new()))
    }

    /// A digest of what the request asks for, to recognise its retries.
    fn digest(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            &canonical,
        ))
    }
}

error_responses!(
    /// What placing can refuse.
    PlaceErrors {
        400 => ["invalid_idempotency_key"],
        403 => ["email_not_verified", "own_gig"],
        404 => ["not_found"],
        409 => ["gig_unavailable", "offer_already_ordered"],
        422 => ["idempotency_key_reused"],
        503 => ["payment_unavailable"]
    }
);

/// The caller's idempotency key.
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let invalid = |message: &'static str| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_idempotency_key", message)
    };
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| invalid("send an Idempotency-Key header (a UUID you make per order)"))?
        .to_str()
        .map_err(|_| invalid("the Idempotency-Key must be printable ASCII"))?
        .trim();
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return Err(invalid("the Idempotency-Key must be 1 to 255 characters"));
    }
    Ok(key.to_owned())
}

/// Places an order of a gig or of an accepted custom offer; pay it with what `payment` says.
#[utoipa::path(post, path = "/v1/orders", tag = "orders", security(("session" = [])),
    params(("Idempotency-Key" = String, Header, description = "Your key for this order (a UUID): a retry with the same key and body answers the same order")),
    request_body = PlaceOrderRequest,
    responses(
        (status = 201, description = "The new order, waiting for its payment", body = OrderView),
        (status = 200, description = "The order this key placed before", body = OrderView),
        PlaceErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn place(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    headers: HeaderMap,
    Json(body): Json<PlaceOrderRequest>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    require_verified(&caller)?;
    let key = idempotency_key(&headers)?;
    let ordered = body.check()?;
    let digest = body.digest();
    if let Some(existing) = store::by_key(&state.pool, caller.user_id, &key).await? {
        return replay(&state, &caller, existing, &digest).await;
    }
    let terms = place::terms(&state.pool, caller.user_id, ordered).await?;
    let fee = state.fees.fee(terms.price.amount);
    let id = Uuid::now_v7();
    let mut tx = state.pool.begin().await?;
    let inserted = place::insert(
        &mut tx,
        &NewOrder {
            id,
            buyer_user_id: caller.user_id,
            terms: &terms,
            requirements: body.requirements.trim(),
            fee,
            idempotency_key: &key,
            request_digest: &digest,
            payment_provider: state.payments.name(),
            max_revisions: state.lifecycle.max_revisions,
            at: crate::now(&state.clock),
        },
    )
    .await?;
    tx.commit().await?;
    let order = store::by_key(&state.pool, caller.user_id, &key)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the order just placed is gone")))?;
    if !inserted {
        return replay(&state, &caller, order, &digest).await;
    }
    tracing::info!(order_id = %order.id, "order placed, waiting for its payment");
    metrics::counter!("orders_placed_total").increment(1);
    let order = start_payment(&state, order).await?;
    Ok((
        StatusCode::CREATED,
        Json(read::view(&state, order, Party::Buyer).await?),
    ))
}

/// The answer to a retry with `key`: the same order, its payment started if it was not.
async fn replay(
    state: &AppState,
    caller: &Caller,
    order: OrderRow,
    digest: &str,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    if order.request_digest != digest {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key placed an order with another body; use a new key for a new order",
        ));
    }
    debug_assert_eq!(order.buyer_user_id, caller.user_id);
    let order = start_payment(state, order).await?;
    Ok((
        StatusCode::OK,
        Json(read::view(state, order, Party::Buyer).await?),
    ))
}

/// Starts the payment of an unpaid `order` that has none yet; the order as it is now.
async fn start_payment(state: &AppState, order: OrderRow) -> Result<OrderRow, ApiError> {
    if order.payment_ref.is_some() || order.status != Status::PendingPayment {
        return Ok(order);
    }
    let description = format!("Mercato order {}: {}", order.id, order.title);
    let started = state
        .payments
        .start(&NewPayment {
            order_id: order.id,
            amount: order.price_amount + order.fee_amount,
            currency: &order.currency,
            description: &description,
            idempotency_key: &format!("order-{}", order.id),
        })
        .await
        .map_err(|err| match err {
            PaymentError::Refused(message) => {
                tracing::error!(order_id = %order.id, %message, "the provider refused to start a payment");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "payment_unavailable",
                    "the payment could not be started; retry with the same Idempotency-Key",
                )
            }
            PaymentError::Unavailable(source) => {
                tracing::warn!(order_id = %order.id, error = %source, "the provider is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "payment_unavailable",
                    "the payment provider is unavailable; retry with the same Idempotency-Key",
                )
            }
        })?;
    // Concurrent retries may both start it: the provider answers the same payment, and the
    // first write stays.
    sqlx::query(
        "UPDATE orders SET payment_ref = $2, client_secret = $3 WHERE id = $1 AND payment_ref IS NULL",
    )
    .bind(order.id)
    .bind(&started.reference)
    .bind(started.client_secret.as_deref())
    .execute(&state.pool)
    .await?;
    let (order, _) = store::read_for(&state.pool, order.id, order.buyer_user_id).await?;
    Ok(order)
}
