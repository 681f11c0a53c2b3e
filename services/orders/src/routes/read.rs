//! Reading orders: one order with its history, extensions, deliveries (with download links)
//! and, for the buyer of an unpaid one, how to pay; the caller's orders page by page.

use std::time::Duration;

use axum::extract::{Path, State};
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::{Json, Query};
use mercato_common::openapi::{Cursor, Id};
use mercato_common::token::CurrentUser;
use serde::Deserialize;

use super::{AppState, order_id};
use crate::lifecycle::{Party, Status};
use crate::payments::PaymentProvider;
use crate::store::{self, ORDER_COLUMNS, OrderRow};
use crate::views::{
    DeliveredFileView, DeliveryView, GigRef, OrderPage, OrderParts, OrderSummary, OrderView,
    PaymentView, PersonRef,
};
use mercato_common::pages::{self, DEFAULT_LIMIT};

/// How long a delivered file's link works.
const FILE_LINK_TTL: Duration = Duration::from_secs(15 * 60);

/// `order` as `party` sees it, with everything around it.
///
/// # Errors
///
/// A database or storage error.
pub async fn view(state: &AppState, order: OrderRow, party: Party) -> Result<OrderView, ApiError> {
    let details = store::details(&state.pool, order.id).await?;
    let usernames =
        store::usernames(&state.pool, &[order.buyer_user_id, order.seller_user_id]).await?;
    let mut deliveries = Vec::with_capacity(details.deliveries.len());
    for delivery in details.deliveries {
        let mut files = Vec::with_capacity(delivery.attachments.0.len());
        for file in delivery.attachments.0 {
            files.push(DeliveredFileView {
                url: state
                    .storage
                    .presign_get(&file.key, FILE_LINK_TTL)
                    .await
                    .map_err(ApiError::internal)?,
                name: file.name,
                content_type: file.content_type,
                size: file.size,
            });
        }
        deliveries.push(DeliveryView {
            id: delivery.id,
            message: delivery.message,
            files,
            delivered_at: delivery.delivered_at,
        });
    }
    let payment = (party == Party::Buyer).then(|| {
        let unpaid = order.status == Status::PendingPayment;
        PaymentView {
            provider: order.payment_provider.clone(),
            reference: order.payment_ref.clone(),
            client_secret: order.client_secret.clone().filter(|_| unpaid),
            confirmation_url: order
                .payment_ref
                .as_deref()
                .filter(|_| unpaid)
                .and_then(|reference| state.payments.confirmation_url(reference)),
            error: order.payment_error.clone(),
        }
    });
    Ok(OrderView::of(
        order,
        party,
        OrderParts {
            usernames,
            payment,
            history: details.history,
            extensions: details.extensions,
            deliveries,
        },
    ))
}

/// The order as the caller sees it now (after a step).
///
/// # Errors
///
/// 404, or a database or storage error.
pub async fn current(
    state: &AppState,
    id: uuid::Uuid,
    user: uuid::Uuid,
) -> Result<Json<OrderView>, ApiError> {
    let (order, party) = store::read_for(&state.pool, id, user).await?;
    Ok(Json(view(state, order, party).await?))
}

error_responses!(
    /// Not a party's order, or none at all.
    OneErrors { 404 => ["not_found"] }
);

/// One of the caller's orders.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", security(("session" = [])),
    params(("id" = Id, Path, description = "The order's id")),
    responses((status = 200, description = "The order", body = OrderView), OneErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, order_id = %id))]
pub async fn order(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    current(&state, order_id(&id)?, caller.user_id).await
}

fn default_limit() -> i64 {
    DEFAULT_LIMIT
}

/// Which of the caller's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orders the caller placed.
    Buyer,
    /// Orders of the caller's gigs (paid ones).
    Seller,
}

/// `GET /v1/orders`: a page of the caller's orders.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only as buyer or only as seller; both when absent.
    #[serde(default)]
    #[param(inline)]
    role: Option<Role>,
    /// Only orders in this status.
    #[serde(default)]
    status: Option<Status>,
    /// Orders per page, 1 to 100.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: i64,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>)]
    cursor: Option<String>,
}

error_responses!(
    /// A page refused.
    ListErrors { 400 => ["bad_request", "invalid_cursor"], 422 => ["validation_failed"] }
);

/// The caller's orders, newest first: as buyer (all of them), as seller (paid ones).
#[utoipa::path(get, path = "/v1/orders", tag = "orders", security(("session" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of orders", body = OrderPage), ListErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn orders(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<OrderPage>, ApiError> {
    let limit = pages::check_limit(query.limit)?;
    let after = query.cursor.as_deref().map(pages::decode).transpose()?;
    let me = caller.user_id;
    let party = match query.role {
        Some(Role::Buyer) => "buyer_user_id = $1",
        Some(Role::Seller) => {
            "(seller_user_id = $1 AND status NOT IN ('pending_payment', 'payment_failed'))"
        }
        None => {
            "(buyer_user_id = $1 OR (seller_user_id = $1 AND status NOT IN ('pending_payment', 'payment_failed')))"
        }
    };
    let mut rows: Vec<OrderRow> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE {party} \
         AND ($2::text IS NULL OR status = $2) \
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4)) \
         ORDER BY created_at DESC, id DESC LIMIT $5"
    ))
    .bind(me)
    .bind(query.status.map(Status::as_str))
    .bind(after.map(|a| a.at))
    .bind(after.map(|a| a.id))
    .bind(limit + 1)
    .fetch_all(&state.pool)
    .await?;
    let next_cursor = pages::finish(&mut rows, limit, |last| (last.created_at, last.id));
    let mut people: Vec<uuid::Uuid> = rows
        .iter()
        .flat_map(|r| [r.buyer_user_id, r.seller_user_id])
        .collect();
    people.sort_unstable();
    people.dedup();
    let usernames = store::usernames(&state.pool, &people).await?;
    let person = |user_id| PersonRef {
        user_id,
        username: usernames.get(&user_id).cloned(),
    };
    let items = rows
        .into_iter()
        .map(|row| OrderSummary {
            id: row.id,
            status: row.status,
            role: if row.buyer_user_id == me {
                Party::Buyer
            } else {
                Party::Seller
            },
            gig: GigRef {
                id: row.gig_id,
                title: row.title.clone(),
            },
            buyer: person(row.buyer_user_id),
            seller: person(row.seller_user_id),
            price: row.price(),
            total: row.total(),
            created_at: row.created_at,
            due_at: row.due_at,
        })
        .collect();
    Ok(Json(OrderPage { items, next_cursor }))
}
