//! Conversations: the inbox, opening one (or finding the one that exists), reading one.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::TryStreamExt;
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::events::mongo::is_duplicate_key;
use mercato_common::extract::{Json, Query};
use mercato_common::openapi::{Cursor, Id};
use mercato_common::token::{Caller, CurrentUser};
use mongodb::bson::{DateTime, doc};
use serde::Deserialize;
use uuid::Uuid;

use super::{AppState, conversation_of, require_verified};
use crate::domain::{OpenConversation, invalid};
use crate::store::{ConversationDoc, GigDoc};
use crate::views::{ConversationView, Inbox};

fn default_limit() -> i64 {
    20
}

/// `GET /v1/conversations`: a page of the inbox.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Conversations per page, 1 to 100.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: i64,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>)]
    cursor: Option<String>,
}

error_responses!(
    /// A page refused.
    InboxErrors { 400 => ["bad_request", "invalid_cursor"], 422 => ["validation_failed"] }
);

/// The caller's conversations, newest activity first, each with the partner, the last
/// message and the caller's unread count.
#[utoipa::path(get, path = "/v1/conversations", tag = "chat", security(("session" = [])),
    params(InboxQuery),
    responses((status = 200, description = "A page of the inbox", body = Inbox), InboxErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn inbox(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Query(query): Query<InboxQuery>,
) -> Result<Json<Inbox>, ApiError> {
    if !(1..=100).contains(&query.limit) {
        return Err(invalid("limit", "must be 1 to 100"));
    }
    let me = caller.user_id.to_string();
    let mut filter = doc! {"participants": &me};
    if let Some(cursor) = &query.cursor {
        let (at, id) = decode_cursor(cursor).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "the cursor is not one this list gave",
            )
        })?;
        filter.insert(
            "$or",
            vec![
                doc! {"last_activity_at": {"$lt": at}},
                doc! {"last_activity_at": at, "_id": {"$lt": id}},
            ],
        );
    }
    let mut page: Vec<ConversationDoc> = state
        .store
        .conversations()
        .find(filter)
        .sort(doc! {"last_activity_at": -1, "_id": -1})
        .limit(query.limit + 1)
        .await?
        .try_collect()
        .await?;
    let more = page.len() as i64 > query.limit;
    page.truncate(usize::try_from(query.limit).unwrap_or(0));
    let next_cursor = more.then(|| page.last().map(encode_cursor)).flatten();
    Ok(Json(Inbox {
        items: views_of(&state, &page, &me).await?,
        next_cursor,
    }))
}

fn encode_cursor(last: &ConversationDoc) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}|{}",
        last.last_activity_at.timestamp_millis(),
        last.id
    ))
}

fn decode_cursor(cursor: &str) -> Option<(DateTime, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (millis, id) = text.split_once('|')?;
    Uuid::parse_str(id).ok()?;
    Some((DateTime::from_millis(millis.parse().ok()?), id.to_owned()))
}

/// `conversations` as `viewer` sees them, with names and gig titles from the directory.
pub(super) async fn views_of(
    state: &AppState,
    conversations: &[ConversationDoc],
    viewer: &str,
) -> Result<Vec<ConversationView>, ApiError> {
    let partners = conversations
        .iter()
        .map(|c| c.partner_of(viewer).to_owned())
        .collect();
    let people = state.store.people_by_id(partners).await?;
    let gig_ids: Vec<String> = conversations
        .iter()
        .filter_map(|c| c.gig_id.clone())
        .collect();
    let gigs: HashMap<String, GigDoc> = if gig_ids.is_empty() {
        HashMap::new()
    } else {
        state
            .store
            .gigs()
            .find(doc! {"_id": {"$in": gig_ids}})
            .await?
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .map(|g| (g.id.clone(), g))
            .collect()
    };
    Ok(conversations
        .iter()
        .map(|c| ConversationView::of(c, viewer, &people, &gigs))
        .collect())
}

async fn view_of(
    state: &AppState,
    conversation: ConversationDoc,
    caller: &Caller,
) -> Result<ConversationView, ApiError> {
    let mut views = views_of(state, &[conversation], &caller.user_id.to_string()).await?;
    views
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a conversation without its view")))
}

error_responses!(
    /// What opening a conversation can refuse.
    OpenErrors {
        403 => ["email_not_verified"],
        404 => ["not_found"],
        422 => ["validation_failed"]
    }
);

/// Opens a conversation with a user, optionally about a gig of either of the two; when the
/// pair already has one about that gig, that one (200) instead of a new one (201).
#[utoipa::path(post, path = "/v1/conversations", tag = "chat", security(("session" = [])),
    request_body = OpenConversation,
    responses(
        (status = 201, description = "A new conversation", body = ConversationView),
        (status = 200, description = "The pair's conversation about that gig, which existed", body = ConversationView),
        OpenErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn open(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<OpenConversation>,
) -> Result<(StatusCode, Json<ConversationView>), ApiError> {
    require_verified(&caller)?;
    let me = caller.user_id.to_string();
    let username = body.with_username.trim().to_lowercase();
    if username.is_empty() || username.len() > 64 {
        return Err(invalid("with_username", "must be 1 to 64 characters"));
    }
    let partner = state
        .store
        .people()
        .find_one(doc! {"username_lower": &username})
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user named {:?}", body.with_username)))?;
    if partner.id == me {
        return Err(invalid("with_username", "is you; pick someone else"));
    }
    let gig_id = match &body.gig_id {
        None => None,
        Some(id) => {
            let gig = match Uuid::parse_str(id) {
                Ok(_) => {
                    state
                        .store
                        .gigs()
                        .find_one(doc! {"_id": id, "deleted": false})
                        .await?
                }
                Err(_) => None,
            };
            let gig = gig.ok_or_else(|| invalid("gig_id", "is not a gig"))?;
            if gig.seller_user_id != me && gig.seller_user_id != partner.id {
                return Err(invalid("gig_id", "is not a gig of either of you"));
            }
            Some(gig.id)
        }
    };
    let mut participants = [me.clone(), partner.id.clone()];
    participants.sort();
    let pair_key = format!(
        "{}:{}:{}",
        participants[0],
        participants[1],
        gig_id.as_deref().unwrap_or("-")
    );
    if let Some(existing) = state
        .store
        .conversations()
        .find_one(doc! {"pair_key": &pair_key})
        .await?
    {
        return Ok((
            StatusCode::OK,
            Json(view_of(&state, existing, &caller).await?),
        ));
    }
    let now = DateTime::now();
    let conversation = ConversationDoc {
        id: Uuid::now_v7().to_string(),
        pair_key: pair_key.clone(),
        participants: participants.to_vec(),
        gig_id,
        created_at: now,
        last_activity_at: now,
        last_seq: 0,
        last_message: None,
        unread: HashMap::new(),
        read_up_to: HashMap::new(),
        emailed_at: HashMap::new(),
    };
    match state.store.conversations().insert_one(&conversation).await {
        Ok(_) => Ok((
            StatusCode::CREATED,
            Json(view_of(&state, conversation, &caller).await?),
        )),
        // Opened at the same moment by the other request: that one is the conversation.
        Err(err) if is_duplicate_key(&err) => {
            let existing = state
                .store
                .conversations()
                .find_one(doc! {"pair_key": &pair_key})
                .await?
                .ok_or_else(|| ApiError::internal(err))?;
            Ok((
                StatusCode::OK,
                Json(view_of(&state, existing, &caller).await?),
            ))
        }
        Err(err) => Err(err.into()),
    }
}

error_responses!(
    /// No such conversation for the caller.
    OneErrors { 404 => ["not_found"] }
);

/// One of the caller's conversations.
#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "chat", security(("session" = [])),
    params(("id" = Id, Path, description = "The conversation's id")),
    responses((status = 200, description = "The conversation", body = ConversationView), OneErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, conversation_id = %id))]
pub async fn one(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ConversationView>, ApiError> {
    let conversation = conversation_of(&state, &id, &caller).await?;
    Ok(Json(view_of(&state, conversation, &caller).await?))
}
