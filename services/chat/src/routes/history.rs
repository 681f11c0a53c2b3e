//! The history of a conversation: pages of its messages, with their attachments' links and
//! their offers.

use std::time::Duration;

use axum::extract::{Path, State};
use futures_util::TryStreamExt;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::{Json, Query};
use mercato_common::openapi::Id;
use mercato_common::token::CurrentUser;
use mongodb::bson::{Document, doc};
use serde::Deserialize;

use super::{AppState, conversation_of};
use crate::domain::invalid;
use crate::store::{AttachmentDoc, MessageDoc, OfferDoc};
use crate::views::{AttachmentView, MessagePage, MessageView};

/// How long an attachment's download link lasts.
const ATTACHMENT_LINK_TTL: Duration = Duration::from_secs(15 * 60);

fn default_limit() -> i64 {
    50
}

/// `GET /v1/conversations/{id}/messages`: which messages.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only messages numbered below this (older); without `after`, the newest page below it.
    #[param(minimum = 1)]
    before: Option<i64>,
    /// Only messages numbered above this (newer), the oldest first: to catch up from the last
    /// one a client has.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Messages per page, 1 to 200.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: i64,
}

error_responses!(
    /// A history refused.
    HistoryErrors { 400 => ["bad_request"], 404 => ["not_found"], 422 => ["validation_failed"] }
);

/// A page of a conversation's messages, oldest first. Messages are numbered in the order they
/// were committed, so paging with `before`/`after` neither skips nor repeats one while others
/// are being sent.
#[utoipa::path(get, path = "/v1/conversations/{id}/messages", tag = "chat", security(("session" = [])),
    params(("id" = Id, Path, description = "The conversation's id"), HistoryQuery),
    responses((status = 200, description = "Messages, oldest first", body = MessagePage), HistoryErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, conversation_id = %id))]
pub async fn history(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<MessagePage>, ApiError> {
    let conversation = conversation_of(&state, &id, &caller).await?;
    if !(1..=200).contains(&query.limit) {
        return Err(invalid("limit", "must be 1 to 200"));
    }
    if query.before.is_some_and(|b| b < 1) || query.after.is_some_and(|a| a < 0) {
        return Err(invalid(
            "before",
            "before must be at least 1 and after at least 0",
        ));
    }
    let mut range = Document::new();
    if let Some(before) = query.before {
        range.insert("$lt", before);
    }
    if let Some(after) = query.after {
        range.insert("$gt", after);
    }
    let mut filter = doc! {"conversation_id": &conversation.id};
    if !range.is_empty() {
        filter.insert("seq", range);
    }
    // Oldest first after `after`; otherwise the newest below `before`, turned around.
    let ascending = query.after.is_some();
    let mut page: Vec<MessageDoc> = state
        .store
        .messages()
        .find(filter)
        .sort(doc! {"seq": if ascending { 1 } else { -1 }})
        .limit(query.limit + 1)
        .await?
        .try_collect()
        .await?;
    let has_more = page.len() as i64 > query.limit;
    page.truncate(usize::try_from(query.limit).unwrap_or(0));
    if !ascending {
        page.reverse();
    }
    Ok(Json(MessagePage {
        items: message_views(&state, &page).await?,
        has_more,
    }))
}

/// `messages` with their attachments' links and their offers.
pub(super) async fn message_views(
    state: &AppState,
    messages: &[MessageDoc],
) -> Result<Vec<MessageView>, ApiError> {
    let offer_ids: Vec<&str> = messages
        .iter()
        .filter_map(|m| m.offer_id.as_deref())
        .collect();
    let offers: std::collections::HashMap<String, OfferDoc> = if offer_ids.is_empty() {
        Default::default()
    } else {
        state
            .store
            .offers()
            .find(doc! {"_id": {"$in": offer_ids}})
            .await?
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect()
    };
    let mut views = Vec::with_capacity(messages.len());
    for message in messages {
        let attachment = match &message.attachment {
            Some(attachment) => Some(attachment_view(state, attachment).await?),
            None => None,
        };
        let offer = message.offer_id.as_ref().and_then(|id| offers.get(id));
        views.push(MessageView::of(message, attachment, offer));
    }
    Ok(views)
}

pub(super) async fn attachment_view(
    state: &AppState,
    attachment: &AttachmentDoc,
) -> Result<AttachmentView, ApiError> {
    let expires_at =
        chrono::Utc::now() + chrono::Duration::from_std(ATTACHMENT_LINK_TTL).unwrap_or_default();
    let url = state
        .storage
        .presign_get(&attachment.key, ATTACHMENT_LINK_TTL)
        .await
        .map_err(ApiError::internal)?;
    Ok(AttachmentView::of(
        attachment,
        url,
        expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    ))
}
