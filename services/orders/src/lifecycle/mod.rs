//! The order lifecycle as an explicit state machine. Each transition lives in its own file and
//! states, as a [`Rule`], the statuses it leaves from and who may take it; the rest of the file
//! is what it changes, the event it publishes, and whom it tells (an in-app alert and an
//! email to the other party).
//!
//! ```text
//!                     place
//!                       │
//!                pending_payment ──payment fails──▶ payment_failed
//!                       │ payment confirmed (order.placed.v1)
//!                       ▼
//!   ┌─────────────▶ in_progress ◀──── extensions: request (seller), approve/reject (buyer)
//!   │ revision          │ deliver (seller)          cancel (either party, refund)──▶ cancelled
//!   │ (buyer)           ▼
//!   └────────────── delivered ──complete (buyer, or by itself after N days)──▶ completed
//! ```
//!
//! A transition not allowed from the current status is a 409 `invalid_transition` naming the
//! status (`fields.status`); a party taking the other party's step is a 403 `wrong_party`.
//! Every transition writes a history entry (who, when, from, to).

pub mod cancel;
pub mod complete;
pub mod confirm_payment;
pub mod deliver;
pub mod fail_payment;
pub mod place;
pub mod request_extension;
pub mod request_revision;
pub mod resolve_extension;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use mercato_common::error::{ApiError, FieldErrors};
use mercato_common::events::Event;
use mercato_common::events::catalog::EmailRequested;
use mercato_common::events::emails::EmailTemplate;
use mercato_common::events::postgres::publish;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::NAME;
use crate::store::OrderRow;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderStatus)]
pub enum Status {
    /// Placed; waiting for the provider to confirm the payment.
    PendingPayment,
    /// The provider declined or failed the payment; place a new order to try again.
    PaymentFailed,
    /// Paid: the seller is working on it.
    InProgress,
    /// The seller delivered; the buyer completes it or asks for a revision.
    Delivered,
    /// Done; the seller earned the price.
    Completed,
    /// Cancelled, with a refund to the buyer.
    Cancelled,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 6] = [
        Self::PendingPayment,
        Self::PaymentFailed,
        Self::InProgress,
        Self::Delivered,
        Self::Completed,
        Self::Cancelled,
    ];

    /// Its name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::PaymentFailed => "payment_failed",
            Self::InProgress => "in_progress",
            Self::Delivered => "delivered",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether the seller sees an order in this status (from the moment it is paid).
    pub fn seller_sees(self) -> bool {
        !matches!(self, Self::PendingPayment | Self::PaymentFailed)
    }
}

impl TryFrom<String> for Status {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| format!("unknown order status {value:?}"))
    }
}

/// One of the two parties of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderRole)]
pub enum Party {
    /// Who ordered and pays.
    Buyer,
    /// Who does the work.
    Seller,
}

impl Party {
    /// The other party.
    pub fn other(self) -> Self {
        match self {
            Self::Buyer => Self::Seller,
            Self::Seller => Self::Buyer,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Buyer => "buyer",
            Self::Seller => "seller",
        }
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A party, by their account.
    Party(Party, Uuid),
    /// The service itself: a payment provider's confirmation, a deadline.
    System,
}

impl Actor {
    fn user_id(self) -> Option<Uuid> {
        match self {
            Self::Party(_, id) => Some(id),
            Self::System => None,
        }
    }
}

/// Who may take a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The buyer.
    Buyer,
    /// The seller.
    Seller,
    /// The service itself.
    System,
}

/// A transition's preconditions: the statuses it leaves from and who may take it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The step's name in the history (`deliver`).
    pub action: &'static str,
    /// What it is, for error messages ("deliver the work").
    pub describes: &'static str,
    /// The statuses it may leave from.
    pub from: &'static [Status],
    /// Who may take it.
    pub by: &'static [Who],
}

impl Rule {
    /// Checks that `actor` may take this step on `order` now.
    ///
    /// # Errors
    ///
    /// 403 `wrong_party` for the other party's step, then 409 `invalid_transition` with the
    /// current status for a status it does not leave from.
    pub fn check(&self, order: &OrderRow, actor: Actor) -> Result<(), ApiError> {
        let allowed = match actor {
            Actor::Party(Party::Buyer, _) => self.by.contains(&Who::Buyer),
            Actor::Party(Party::Seller, _) => self.by.contains(&Who::Seller),
            Actor::System => self.by.contains(&Who::System),
        };
        if !allowed {
            let only = if self.by.contains(&Who::Buyer) {
                Party::Buyer
            } else {
                Party::Seller
            };
            return Err(ApiError::new(
                http::StatusCode::FORBIDDEN,
                "wrong_party",
                format!("only the {} can {}", only.name(), self.describes),
            ));
        }
        if !self.from.contains(&order.status) {
            return Err(invalid_transition(self.describes, order.status));
        }
        Ok(())
    }
}

/// 409 `invalid_transition`: `what` cannot happen to an order in `status`.
pub fn invalid_transition(what: &str, status: Status) -> ApiError {
    let mut fields = FieldErrors::new();
    fields.insert("status".into(), vec![status.as_str().to_owned()]);
    ApiError::conflict(
        "invalid_transition",
        format!("cannot {what}: the order is {}", status.as_str()),
    )
    .with_fields(fields)
}

/// The lifecycle's settings.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Days after a delivery before the order completes by itself.
    pub auto_complete_days: u32,
    /// Revisions a buyer may ask for, per order.
    pub max_revisions: u32,
    /// The web client's URL, without a trailing slash.
    pub public_url: String,
}

impl Policy {
    /// The order's page in the web client.
    pub fn order_url(&self, id: Uuid) -> mercato_common::events::emails::Link {
        mercato_common::events::emails::Link::new(format!("{}/orders/{id}", self.public_url))
            .unwrap_or_else(|_| {
                mercato_common::events::emails::Link::new(format!(
                    "http://127.0.0.1:4000/orders/{id}"
                ))
                .unwrap_or_else(|_| unreachable!("a constant http URL is a link"))
            })
    }
}

/// What a committed step leaves to do: alerts to push, refunds to send.
#[derive(Debug, Default)]
pub struct Done {
    /// Alerts written, to push in real time, with their recipients.
    pub alerts: Vec<(Uuid, crate::views::AlertView)>,
    /// Refunds written, to send to the provider.
    pub refunds: Vec<Uuid>,
}

/// A person as emails name them.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Person {
    pub user_id: Uuid,
    pub username: String,
    pub email: String,
}

/// One transition under way, inside the transaction that holds the order's lock.
#[derive(Debug)]
pub struct Step<'a> {
    /// The transaction.
    pub conn: &'a mut PgConnection,
    /// The order, as locked before the step.
    pub order: &'a OrderRow,
    /// Who takes the step.
    pub actor: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// The settings.
    pub policy: &'a Policy,
    buyer: Person,
    seller: Person,
    done: Done,
}

impl<'a> Step<'a> {
    /// Starts a step on the locked `order`.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn begin(
        conn: &'a mut PgConnection,
        order: &'a OrderRow,
        actor: Actor,
        at: DateTime<Utc>,
        policy: &'a Policy,
    ) -> sqlx::Result<Self> {
        let people: Vec<Person> =
            sqlx::query_as("SELECT user_id, username, email FROM people WHERE user_id = ANY($1)")
                .bind([order.buyer_user_id, order.seller_user_id])
                .fetch_all(&mut *conn)
                .await?;
        let find = |id: Uuid| {
            people
                .iter()
                .find(|p| p.user_id == id)
                .cloned()
                .unwrap_or_else(|| Person {
                    user_id: id,
                    username: "a Mercato user".into(),
                    email: String::new(),
                })
        };
        Ok(Self {
            buyer: find(order.buyer_user_id),
            seller: find(order.seller_user_id),
            conn,
            order,
            actor,
            at,
            policy,
            done: Done::default(),
        })
    }

    /// `party` as emails name them.
    pub fn person(&self, party: Party) -> &Person {
        match party {
            Party::Buyer => &self.buyer,
            Party::Seller => &self.seller,
        }
    }

    /// Moves the order to `to` and writes the history entry.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn move_to(
        &mut self,
        rule: &Rule,
        to: Status,
        note: Option<&str>,
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE orders SET status = $2 WHERE id = $1")
            .bind(self.order.id)
            .bind(to.as_str())
            .execute(&mut *self.conn)
            .await?;
        self.history(rule.action, Some(self.order.status), to, note)
            .await
    }

    /// Writes a history entry without a change of status (an extension asked for).
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn history(
        &mut self,
        action: &str,
        from: Option<Status>,
        to: Status,
        note: Option<&str>,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO order_history (order_id, action, from_status, to_status, actor, note, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.order.id)
        .bind(action)
        .bind(from.map(Status::as_str))
        .bind(to.as_str())
        .bind(self.actor.user_id())
        .bind(note)
        .bind(self.at)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    /// Withdraws the order's open extension request, if any: once the work is delivered or the
    /// order cancelled, the request can no longer be answered.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn withdraw_open_extension(&mut self) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE extensions SET status = 'withdrawn', resolved_at = $2 \
             WHERE order_id = $1 AND status = 'pending'",
        )
        .bind(self.order.id)
        .bind(self.at)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    /// Publishes `event` with the step.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn publish<E: Event>(&mut self, event: &E) -> sqlx::Result<()> {
        publish(&mut *self.conn, NAME, event).await
    }

    /// Alerts `party` in the app with `message`; pushed in real time after the commit.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn alert(
        &mut self,
        party: Party,
        kind: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> sqlx::Result<()> {
        let alert = crate::views::AlertView {
            id: Uuid::now_v7(),
            order_id: self.order.id,
            kind: kind.to_owned(),
            message: message.into().into_owned(),
            created_at: self.at,
            read_at: None,
        };
        sqlx::query(
            "INSERT INTO alerts (id, user_id, order_id, kind, message, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(alert.id)
        .bind(self.order.user_of(party))
        .bind(alert.order_id)
        .bind(&alert.kind)
        .bind(&alert.message)
        .bind(alert.created_at)
        .execute(&mut *self.conn)
        .await?;
        self.done.alerts.push((self.order.user_of(party), alert));
        Ok(())
    }

    /// Emails `party` the template `vars` (nothing when orders has no address for them yet).
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn email<T: EmailTemplate>(&mut self, party: Party, vars: &T) -> sqlx::Result<()> {
        let to = self.person(party).email.clone();
        if to.is_empty() {
            tracing::warn!(order_id = %self.order.id, ?party, "no email address known; email skipped");
            return Ok(());
        }
        self.publish(&EmailRequested::new(to, vars)).await
    }

    /// Records a refund to send after the commit.
    pub fn refund(&mut self, id: Uuid) {
        self.done.refunds.push(id);
    }

    /// What is left to do once the transaction commits.
    pub fn finish(self) -> Done {
        self.done
    }
}
