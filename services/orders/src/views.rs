//! What answers show: an order as one of its parties sees it, a page of orders, alerts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mercato_common::events::catalog::Money;
use mercato_common::openapi::{Cursor, Id, Timestamp};
use serde::Serialize;
use uuid::Uuid;

use crate::lifecycle::{Party, Status};
use crate::store::{ExtensionRow, HistoryRow, OrderRow};

/// A party of an order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = OrderPerson)]
pub struct PersonRef {
    #[schema(value_type = Id)]
    pub user_id: Uuid,
    /// Their username, when orders knows it.
    pub username: Option<String>,
}

/// The gig ordered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = OrderedGig)]
pub struct GigRef {
    #[schema(value_type = Id)]
    pub id: Uuid,
    /// Its title when ordered.
    pub title: String,
}

/// How the buyer pays, while the order waits for the payment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    /// `stripe` or `sandbox`.
    pub provider: String,
    /// The provider's payment id.
    pub reference: Option<String>,
    /// For Stripe.js `confirmPayment` (buyer only, while unpaid).
    pub client_secret: Option<String>,
    /// For the sandbox: `POST` a test card here (buyer only, while unpaid).
    pub confirmation_url: Option<String>,
    /// Why the provider declined, after a failure.
    pub error: Option<String>,
}

/// One step of an order's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryView {
    /// The step (`place`, `confirm_payment`, `deliver`, ...).
    pub action: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    /// Who took it; `null` for the service itself.
    #[schema(value_type = Option<Id>)]
    pub by: Option<Uuid>,
    /// The reason or message given with it.
    pub note: Option<String>,
    #[schema(value_type = Timestamp)]
    pub at: DateTime<Utc>,
}

/// An extension request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExtensionView {
    #[schema(value_type = Id)]
    pub id: Uuid,
    pub days: i32,
    pub reason: String,
    /// `pending`, `approved`, `rejected`, or `withdrawn` (still open when the seller delivered
    /// or the order was cancelled).
    pub status: String,
    #[schema(value_type = Timestamp)]
    pub requested_at: DateTime<Utc>,
    #[schema(value_type = Option<Timestamp>)]
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<ExtensionRow> for ExtensionView {
    fn from(row: ExtensionRow) -> Self {
        Self {
            id: row.id,
            days: row.days,
            reason: row.reason,
            status: row.status,
            requested_at: row.requested_at,
            resolved_at: row.resolved_at,
        }
    }
}

/// A delivered file, with a link to download it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveredFileView {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    /// A presigned link, valid for 15 minutes from the answer.
    pub url: String,
}

/// Work delivered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    #[schema(value_type = Id)]
    pub id: Uuid,
    pub message: String,
    pub files: Vec<DeliveredFileView>,
    #[schema(value_type = Timestamp)]
    pub delivered_at: DateTime<Utc>,
}

/// Revisions used and allowed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Revisions {
    pub used: i32,
    pub allowed: i32,
}

/// The reviews left on a completed order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewRefs {
    /// The buyer's review of the seller.
    #[schema(value_type = Option<Id>)]
    pub by_buyer: Option<Uuid>,
    /// The seller's review of the buyer.
    #[schema(value_type = Option<Id>)]
    pub by_seller: Option<Uuid>,
}

/// An order as one of its parties sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    #[schema(value_type = Id)]
    pub id: Uuid,
    pub status: Status,
    /// Which party the caller is.
    pub role: Party,
    pub gig: GigRef,
    /// The custom offer ordered, if any, and its description.
    #[schema(value_type = Option<Id>)]
    pub offer_id: Option<Uuid>,
    pub offer_description: Option<String>,
    pub buyer: PersonRef,
    pub seller: PersonRef,
    pub requirements: String,
    /// What the seller earns.
    pub price: Money,
    /// The platform's fee, paid by the buyer.
    pub service_fee: Money,
    /// What the buyer pays.
    pub total: Money,
    /// Refunded to the buyer so far.
    pub refunded: Money,
    pub delivery_days: i32,
    pub revisions: Revisions,
    #[schema(value_type = Timestamp)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<Timestamp>)]
    pub paid_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Timestamp>)]
    pub due_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Timestamp>)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// When a delivery nobody answers completes by itself.
    #[schema(value_type = Option<Timestamp>)]
    pub auto_complete_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Timestamp>)]
    pub completed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Timestamp>)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The payment, for the buyer.
    pub payment: Option<PaymentView>,
    pub extensions: Vec<ExtensionView>,
    pub deliveries: Vec<DeliveryView>,
    pub history: Vec<HistoryView>,
    pub reviews: ReviewRefs,
}

/// What an order view is built from besides the row.
#[derive(Debug, Default)]
pub struct OrderParts {
    pub usernames: HashMap<Uuid, String>,
    pub payment: Option<PaymentView>,
    pub history: Vec<HistoryRow>,
    pub extensions: Vec<ExtensionRow>,
    pub deliveries: Vec<DeliveryView>,
}

impl OrderView {
    /// `order` as `role` sees it.
    pub fn of(order: OrderRow, role: Party, parts: OrderParts) -> Self {
        let person = |user_id: Uuid| PersonRef {
            user_id,
            username: parts.usernames.get(&user_id).cloned(),
        };
        Self {
            id: order.id,
            status: order.status,
            role,
            gig: GigRef {
                id: order.gig_id,
                title: order.title.clone(),
            },
            offer_id: order.offer_id,
            offer_description: order.offer_description.clone(),
            buyer: person(order.buyer_user_id),
            seller: person(order.seller_user_id),
            requirements: order.requirements.clone(),
            price: order.price(),
            service_fee: order.fee(),
            total: order.total(),
            refunded: order.money(order.refunded_amount),
            delivery_days: order.delivery_days,
            revisions: Revisions {
                used: order.revisions_used,
                allowed: order.max_revisions,
            },
            created_at: order.created_at,
            paid_at: order.paid_at,
            due_at: order.due_at,
            delivered_at: order.delivered_at,
            auto_complete_at: order.auto_complete_at,
            completed_at: order.completed_at,
            cancelled_at: order.cancelled_at,
            payment: parts.payment,
            extensions: parts.extensions.into_iter().map(Into::into).collect(),
            deliveries: parts.deliveries,
            history: parts
                .history
                .into_iter()
                .map(|h| HistoryView {
                    action: h.action,
                    from_status: h.from_status.and_then(|s| Status::try_from(s).ok()),
                    to_status: Status::try_from(h.to_status).unwrap_or(Status::PendingPayment),
                    by: h.actor,
                    note: h.note,
                    at: h.at,
                })
                .collect(),
            reviews: ReviewRefs {
                by_buyer: order.buyer_review_id,
                by_seller: order.seller_review_id,
            },
        }
    }
}

/// An order in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    #[schema(value_type = Id)]
    pub id: Uuid,
    pub status: Status,
    pub role: Party,
    pub gig: GigRef,
    pub buyer: PersonRef,
    pub seller: PersonRef,
    pub price: Money,
    pub total: Money,
    #[schema(value_type = Timestamp)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<Timestamp>)]
    pub due_at: Option<DateTime<Utc>>,
}

/// A page of orders, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[schema(value_type = Option<Cursor>)]
    pub next_cursor: Option<String>,
}

/// An in-app notification about an order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Notification)]
pub struct AlertView {
    #[schema(value_type = Id)]
    pub id: Uuid,
    #[schema(value_type = Id)]
    pub order_id: Uuid,
    /// What happened: `order_placed`, `payment_confirmed`, `payment_failed`,
    /// `extension_requested`, `extension_resolved`, `order_delivered`, `revision_requested`,
    /// `order_completed`, `order_cancelled`.
    pub kind: String,
    /// One sentence for the person.
    pub message: String,
    #[schema(value_type = Timestamp)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<Timestamp>)]
    pub read_at: Option<DateTime<Utc>>,
}

/// A page of the caller's notifications, newest first, with how many are unread in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = NotificationPage)]
pub struct AlertPage {
    pub items: Vec<AlertView>,
    #[schema(value_type = Option<Cursor>)]
    pub next_cursor: Option<String>,
    pub unread_count: i64,
}
