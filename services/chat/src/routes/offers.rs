//! Custom offers: the buyer accepts or declines one while it is pending and unexpired; the
//! seller may withdraw it. Each change is one event and one real-time update to both.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::events::catalog::{Money, OfferAccepted, OfferDeclined};
use mercato_common::events::mongo::publish;
use mercato_common::extract::Json;
use mercato_common::openapi::Id;
use mercato_common::token::{Caller, CurrentUser};
use mongodb::ClientSession;
use mongodb::bson::{DateTime, doc};
use mongodb::options::ReturnDocument;
use uuid::Uuid;

use super::AppState;
use crate::NAME;
use crate::domain::parse_id;
use crate::store::{OfferDoc, OfferStatus, user_ids};
use crate::views::{MessageUpdate, OfferView};

/// What a participant does to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Accept,
    Decline,
    Withdraw,
}

impl Action {
    fn outcome(self) -> OfferStatus {
        match self {
            Self::Accept => OfferStatus::Accepted,
            Self::Decline => OfferStatus::Declined,
            Self::Withdraw => OfferStatus::Withdrawn,
        }
    }
}

error_responses!(
    /// What the buyer's answer to an offer can refuse.
    AnswerErrors {
        403 => ["not_offer_recipient"],
        404 => ["not_found"],
        409 => ["offer_not_pending", "offer_expired"]
    }
);

error_responses!(
    /// What withdrawing an offer can refuse.
    WithdrawErrors {
        403 => ["not_offer_sender"],
        404 => ["not_found"],
        409 => ["offer_not_pending", "offer_expired"]
    }
);

/// Accepts a pending offer made to the caller: an order can then be placed from it at its
/// price (`chat.offer_accepted.v1` carries it to orders).
#[utoipa::path(post, path = "/v1/offers/{id}/accept", tag = "chat", security(("session" = [])),
    params(("id" = Id, Path, description = "The offer's id")),
    responses((status = 200, description = "The accepted offer", body = OfferView), AnswerErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, offer_id = %id))]
pub async fn accept(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<OfferView>, ApiError> {
    change(&state, &caller, &id, Action::Accept).await
}

/// Declines a pending offer made to the caller.
#[utoipa::path(post, path = "/v1/offers/{id}/decline", tag = "chat", security(("session" = [])),
    params(("id" = Id, Path, description = "The offer's id")),
    responses((status = 200, description = "The declined offer", body = OfferView), AnswerErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, offer_id = %id))]
pub async fn decline(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<OfferView>, ApiError> {
    change(&state, &caller, &id, Action::Decline).await
}

/// Withdraws a pending offer the caller made.
#[utoipa::path(post, path = "/v1/offers/{id}/withdraw", tag = "chat", security(("session" = [])),
    params(("id" = Id, Path, description = "The offer's id")),
    responses((status = 200, description = "The withdrawn offer", body = OfferView), WithdrawErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, offer_id = %id))]
pub async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<OfferView>, ApiError> {
    change(&state, &caller, &id, Action::Withdraw).await
}

fn no_such_offer() -> ApiError {
    ApiError::not_found("no such offer")
}

/// Why `offer` cannot take `action` from `me` now, if it cannot.
fn refusal(offer: &OfferDoc, me: &str, action: Action) -> Option<ApiError> {
    let allowed = match action {
        Action::Accept | Action::Decline => offer.buyer_id == me,
        Action::Withdraw => offer.seller_id == me,
    };
    if !allowed {
        return Some(match action {
            Action::Withdraw => ApiError::new(
                StatusCode::FORBIDDEN,
                "not_offer_sender",
                "only the seller who made the offer can withdraw it",
            ),
            _ => ApiError::new(
                StatusCode::FORBIDDEN,
                "not_offer_recipient",
                "only the buyer the offer was made to can answer it",
            ),
        });
    }
    match offer.status_at(DateTime::now()) {
        OfferStatus::Pending => None,
        OfferStatus::Expired => Some(ApiError::conflict("offer_expired", "the offer has expired")),
        status => Some(ApiError::conflict(
            "offer_not_pending",
            format!("the offer is already {}", status.as_str()),
        )),
    }
}

async fn change(
    state: &AppState,
    caller: &Caller,
    id: &str,
    action: Action,
) -> Result<Json<OfferView>, ApiError> {
    parse_id(id, "offer")?;
    let me = caller.user_id.to_string();
    let offer = state
        .store
        .offers()
        .find_one(doc! {"_id": id, "$or": [{"buyer_id": &me}, {"seller_id": &me}]})
        .await?
        .ok_or_else(no_such_offer)?;
    if let Some(refused) = refusal(&offer, &me, action) {
        return Err(refused);
    }
    let changed = in_transaction!(state.store, |session| write_change(
        state,
        &mut session,
        &offer,
        action
    ));
    let Some(changed) = changed else {
        // Another request changed it, or it expired, between the check and the write.
        let now = state
            .store
            .offers()
            .find_one(doc! {"_id": id})
            .await?
            .ok_or_else(no_such_offer)?;
        return Err(refusal(&now, &me, action).unwrap_or_else(|| {
            ApiError::conflict("offer_not_pending", "the offer changed meanwhile")
        }));
    };
    state.relay.wake();
    metrics::counter!("chat_offer_changes_total", "status" => action.outcome().as_str())
        .increment(1);
    let view = OfferView::of(&changed);
    state
        .hub
        .deliver(
            &user_ids([&changed.buyer_id, &changed.seller_id]),
            "message:updated",
            &MessageUpdate::Offer {
                conversation_id: changed.conversation_id.clone(),
                offer: Box::new(view.clone()),
            },
        )
        .await;
    Ok(Json(view))
}

/// Moves `offer` from pending to `action`'s outcome if it is still pending and unexpired, with
/// its event; `None` when it no longer was.
async fn write_change(
    state: &AppState,
    session: &mut ClientSession,
    offer: &OfferDoc,
    action: Action,
) -> mongodb::error::Result<Option<OfferDoc>> {
    let now = DateTime::now();
    let Some(changed) = state
        .store
        .offers()
        .find_one_and_update(
            doc! {"_id": &offer.id, "status": "pending", "expires_at": {"$gt": now}},
            doc! {"$set": {"status": action.outcome().as_str(), "updated_at": now}},
        )
        .return_document(ReturnDocument::After)
        .session(&mut *session)
        .await?
    else {
        return Ok(None);
    };
    let id = |text: &str| Uuid::parse_str(text).unwrap_or_default();
    match action {
        Action::Accept => {
            let accepted = OfferAccepted {
                offer_id: id(&changed.id),
                conversation_id: id(&changed.conversation_id),
                gig_id: id(&changed.gig_id),
                buyer_user_id: id(&changed.buyer_id),
                seller_user_id: id(&changed.seller_id),
                description: changed.description.clone(),
                price: Money {
                    amount: changed.price,
                    currency: changed.currency.clone(),
                },
                delivery_days: u32::try_from(changed.delivery_days).unwrap_or(0),
                accepted_at: chrono::Utc::now(),
            };
            publish(&state.store.db, session, NAME, &accepted).await?;
        }
        Action::Decline | Action::Withdraw => {
            let declined = OfferDeclined {
                offer_id: id(&changed.id),
                buyer_user_id: id(&changed.buyer_id),
                seller_user_id: id(&changed.seller_id),
                withdrawn: action == Action::Withdraw,
            };
            publish(&state.store.db, session, NAME, &declined).await?;
        }
    }
    Ok(Some(changed))
}
