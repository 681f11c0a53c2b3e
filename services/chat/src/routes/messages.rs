//! Sending a message: text, a file, or a custom offer, with its events and emails.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::events::catalog::{EmailRequested, Money, OfferSent};
use mercato_common::events::emails::{Link, NewMessage as NewMessageEmail, OfferReceived};
use mercato_common::events::mongo::publish;
use mercato_common::extract::Json;
use mercato_common::openapi::Id;
use mercato_common::storage::{Purpose, safe_file_name};
use mercato_common::token::{Caller, CurrentUser};
use mongodb::ClientSession;
use mongodb::bson::{DateTime, doc};
use mongodb::options::ReturnDocument;
use uuid::Uuid;

use super::{AppState, conversation_of, require_verified};
use crate::NAME;
use crate::domain::{NewMessage, invalid};
use crate::store::{
    AttachmentDoc, ConversationDoc, GigDoc, LastMessage, MessageDoc, OfferDoc, OfferStatus,
    PersonDoc, user_ids,
};
use crate::views::MessageView;

use super::history::attachment_view;

error_responses!(
    /// What sending can refuse.
    SendErrors {
        403 => ["email_not_verified", "not_gig_seller"],
        404 => ["not_found"],
        422 => ["validation_failed"]
    }
);

/// What a send commits beside the message: an offer and the emails to request.
struct Extras {
    offer: Option<OfferDoc>,
    attachment: Option<AttachmentDoc>,
    preview: String,
    recipient_online: bool,
}

/// Sends a message: text up to 5,000 characters, a file uploaded with
/// `POST /uploads/attachment`, or a custom offer (only from the seller of the gig, to the
/// other participant). The recipient is emailed about an offer, and about a message when they
/// are offline, at most once per conversation in the quiet period (15 minutes by default).
#[utoipa::path(post, path = "/v1/conversations/{id}/messages", tag = "chat", security(("session" = [])),
    params(("id" = Id, Path, description = "The conversation's id")),
    request_body = NewMessage,
    responses((status = 201, description = "The message as sent", body = MessageView), SendErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, conversation_id = %id))]
pub async fn send(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<NewMessage>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let conversation = conversation_of(&state, &id, &caller).await?;
    require_verified(&caller)?;
    let now = chrono::Utc::now();
    body.check(now)?;
    let me = caller.user_id.to_string();
    let recipient = conversation.partner_of(&me).to_owned();

    let attachment = match &body.attachment {
        Some(reference) => Some(attachment_of(&state, &caller, reference).await?),
        None => None,
    };
    let offer = match &body.offer {
        Some(offer) => {
            let gig = offer_gig(&state, &conversation, offer.gig_id.as_deref(), &me).await?;
            Some(OfferDoc {
                id: Uuid::now_v7().to_string(),
                conversation_id: conversation.id.clone(),
                message_seq: 0,
                gig_id: gig.id,
                gig_title: gig.title,
                seller_id: me.clone(),
                buyer_id: recipient.clone(),
                description: offer.description.trim().to_owned(),
                price: offer.price,
                currency: gig.currency,
                delivery_days: offer.delivery_days,
                expires_at: DateTime::from_millis(offer.expires_at.timestamp_millis()),
                status: OfferStatus::Pending,
                created_at: DateTime::now(),
                updated_at: DateTime::now(),
            })
        }
        None => None,
    };
    let extras = Extras {
        preview: body.preview(attachment.as_ref().map(|a| a.name.as_str())),
        offer,
        attachment,
        recipient_online: state
            .hub
            .is_online(Uuid::parse_str(&recipient).unwrap_or_default())
            .await,
    };
    let people = state
        .store
        .people_by_id(vec![me.clone(), recipient.clone()])
        .await?;
    let turn = state.turns.take(&conversation.id).await;
    let (message, offer) = in_transaction!(state.store, |session| write_message(
        &state,
        &mut session,
        &conversation,
        &caller,
        &body,
        &extras,
        people.get(&recipient)
    ));
    drop(turn);
    state.relay.wake();
    metrics::counter!("chat_messages_sent_total", "kind" => if offer.is_some() { "offer" } else if message.attachment.is_some() { "attachment" } else { "text" }).increment(1);
    let view = MessageView::of(
        &message,
        match &message.attachment {
            Some(a) => Some(attachment_view(&state, a).await?),
            None => None,
        },
        offer.as_ref(),
    );
    state
        .hub
        .deliver(
            &user_ids(&conversation.participants),
            "message:received",
            &view,
        )
        .await;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Writes the message (and its offer and emails) in `session`; the caller commits.
async fn write_message(
    state: &AppState,
    session: &mut ClientSession,
    conversation: &ConversationDoc,
    caller: &Caller,
    body: &NewMessage,
    extras: &Extras,
    recipient_person: Option<&PersonDoc>,
) -> mongodb::error::Result<(MessageDoc, Option<OfferDoc>)> {
    let me = caller.user_id.to_string();
    let recipient = conversation.partner_of(&me).to_owned();
    // Taking the next number writes the conversation: concurrent sends conflict here and run
    // one after the other, so numbers follow the commit order.
    let numbered = state
        .store
        .conversations()
        .find_one_and_update(
            doc! {"_id": &conversation.id},
            doc! {"$inc": {"last_seq": 1_i64}},
        )
        .return_document(ReturnDocument::After)
        .session(&mut *session)
        .await?
        .ok_or_else(|| mongodb::error::Error::custom("the conversation vanished"))?;
    let seq = numbered.last_seq;
    let now = DateTime::now();
    let offer = extras.offer.clone().map(|mut offer| {
        offer.message_seq = seq;
        offer
    });
    let message = MessageDoc {
        id: Uuid::now_v7().to_string(),
        conversation_id: conversation.id.clone(),
        seq,
        sender_id: me.clone(),
        body: body.body.trim().to_owned(),
        attachment: extras.attachment.clone(),
        offer_id: offer.as_ref().map(|o| o.id.clone()),
        sent_at: now,
    };
    state
        .store
        .messages()
        .insert_one(&message)
        .session(&mut *session)
        .await?;
    let mut set = doc! {
        "last_activity_at": now,
        "last_message": mongodb::bson::to_bson(&LastMessage {
            seq,
            sender_id: me.clone(),
            preview: extras.preview.clone(),
            sent_at: now,
        }).map_err(|e| mongodb::error::Error::custom(e.to_string()))?,
        format!("read_up_to.{me}"): seq,
        format!("unread.{me}"): 0_i64,
    };
    if let Some(offer) = &offer {
        state
            .store
            .offers()
            .insert_one(offer)
            .session(&mut *session)
            .await?;
        publish(&state.store.db, session, NAME, &offer_sent(offer)).await?;
        if let Some(email) = recipient_person.and_then(|p| p.email.clone()) {
            let vars = OfferReceived {
                buyer_username: recipient_person
                    .and_then(|p| p.username.clone())
                    .unwrap_or_default(),
                seller_username: caller.username.clone(),
                gig_title: offer.gig_title.clone(),
                description: offer.description.clone(),
                price: Money {
                    amount: offer.price,
                    currency: offer.currency.clone(),
                },
                delivery_days: u32::try_from(offer.delivery_days).unwrap_or(0),
                offer_url: link(state, &conversation.id)?,
            };
            publish(
                &state.store.db,
                session,
                NAME,
                &EmailRequested::new(email, &vars),
            )
            .await?;
        }
    } else if !extras.recipient_online {
        let quiet_since = chrono::Utc::now() - state.emails.quiet_period;
        let emailed_recently = numbered
            .emailed_at
            .get(&recipient)
            .is_some_and(|at| at.timestamp_millis() > quiet_since.timestamp_millis());
        if !emailed_recently && let Some(email) = recipient_person.and_then(|p| p.email.clone()) {
            let vars = NewMessageEmail {
                recipient_username: recipient_person
                    .and_then(|p| p.username.clone())
                    .unwrap_or_default(),
                sender_username: caller.username.clone(),
                message_preview: extras.preview.clone(),
                conversation_url: link(state, &conversation.id)?,
            };
            publish(
                &state.store.db,
                session,
                NAME,
                &EmailRequested::new(email, &vars),
            )
            .await?;
            set.insert(format!("emailed_at.{recipient}"), now);
        }
    }
    state
        .store
        .conversations()
        .update_one(
            doc! {"_id": &conversation.id},
            doc! {"$set": set, "$inc": {format!("unread.{recipient}"): 1_i64}},
        )
        .session(&mut *session)
        .await?;
    Ok((message, offer))
}

/// The conversation's page in the web client, for emails.
fn link(state: &AppState, conversation_id: &str) -> mongodb::error::Result<Link> {
    Link::new(format!(
        "{}/inbox/{conversation_id}",
        state.emails.public_url
    ))
    .map_err(|e| mongodb::error::Error::custom(e.to_string()))
}

/// The `chat.offer_sent.v1` of `offer`.
fn offer_sent(offer: &OfferDoc) -> OfferSent {
    OfferSent {
        offer_id: Uuid::parse_str(&offer.id).unwrap_or_default(),
        conversation_id: Uuid::parse_str(&offer.conversation_id).unwrap_or_default(),
        gig_id: Uuid::parse_str(&offer.gig_id).unwrap_or_default(),
        seller_user_id: Uuid::parse_str(&offer.seller_id).unwrap_or_default(),
        buyer_user_id: Uuid::parse_str(&offer.buyer_id).unwrap_or_default(),
        description: offer.description.clone(),
        price: Money {
            amount: offer.price,
            currency: offer.currency.clone(),
        },
        delivery_days: u32::try_from(offer.delivery_days).unwrap_or(0),
        expires_at: chrono::DateTime::from_timestamp_millis(offer.expires_at.timestamp_millis())
            .unwrap_or_default(),
    }
}

/// The caller's uploaded attachment `reference`, checked against the storage, described as
/// the storage has it.
async fn attachment_of(
    state: &AppState,
    caller: &Caller,
    reference: &crate::domain::AttachmentRef,
) -> Result<AttachmentDoc, ApiError> {
    let stored = state
        .storage
        .verify(Purpose::Attachment, caller.user_id, &reference.key)
        .await
        .map_err(ApiError::internal)?
        .map_err(|problem| invalid("attachment.key", &problem.to_string()))?;
    let uploaded_name = reference.key.rsplit('/').next().unwrap_or_default();
    let name = reference
        .name
        .as_deref()
        .map_or_else(|| uploaded_name.to_owned(), safe_file_name);
    Ok(AttachmentDoc {
        key: reference.key.clone(),
        name,
        size: i64::try_from(stored.size).unwrap_or(i64::MAX),
        content_type: stored.content_type,
    })
}

/// The gig an offer in `conversation` is based on: `gig_id`, or the conversation's. Only its
/// seller may make one, and only while it is live.
async fn offer_gig(
    state: &AppState,
    conversation: &ConversationDoc,
    gig_id: Option<&str>,
    sender: &str,
) -> Result<GigDoc, ApiError> {
    let Some(gig_id) = gig_id.or(conversation.gig_id.as_deref()) else {
        return Err(invalid(
            "offer.gig_id",
            "is required in a conversation about no gig",
        ));
    };
    if Uuid::parse_str(gig_id).is_err() {
        return Err(invalid("offer.gig_id", "is not a gig"));
    }
    let gig = state
        .store
        .gigs()
        .find_one(doc! {"_id": gig_id, "deleted": false})
        .await?
        .ok_or_else(|| invalid("offer.gig_id", "is not a gig"))?;
    if gig.seller_user_id != sender {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_gig_seller",
            "only the gig's seller can make an offer for it",
        ));
    }
    if !gig.active {
        return Err(invalid(
            "offer.gig_id",
            "is paused; resume it to make offers for it",
        ));
    }
    Ok(gig)
}
