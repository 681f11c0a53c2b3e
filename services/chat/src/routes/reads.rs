//! Read marks: how far each participant has read a conversation.

use axum::extract::{Path, State};
use mercato_common::error::ApiError;
use mercato_common::error_responses;
use mercato_common::extract::Json;
use mercato_common::openapi::Id;
use mercato_common::token::CurrentUser;
use mongodb::ClientSession;
use mongodb::bson::doc;

use super::{AppState, conversation_of, no_such_conversation};
use crate::domain::{MarkRead, invalid};
use crate::store::user_ids;
use crate::views::{MessageUpdate, ReadMark};

error_responses!(
    /// What a read mark can refuse.
    ReadErrors { 404 => ["not_found"], 422 => ["validation_failed"] }
);

/// Marks the conversation read up to a message, for the caller. A mark never moves back.
#[utoipa::path(post, path = "/v1/conversations/{id}/read", tag = "chat", security(("session" = [])),
    params(("id" = Id, Path, description = "The conversation's id")),
    request_body = MarkRead,
    responses((status = 200, description = "Where the caller's reading stands", body = ReadMark), ReadErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id, conversation_id = %id))]
pub async fn read(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<MarkRead>,
) -> Result<Json<ReadMark>, ApiError> {
    let conversation = conversation_of(&state, &id, &caller).await?;
    if body.up_to_seq < 1 || body.up_to_seq > conversation.last_seq {
        return Err(invalid(
            "up_to_seq",
            &format!(
                "must be a message of the conversation (1 to {})",
                conversation.last_seq
            ),
        ));
    }
    let me = caller.user_id.to_string();
    let turn = state.turns.take(&conversation.id).await;
    let mark = in_transaction!(state.store, |session| write_read_mark(
        &state,
        &mut session,
        &conversation.id,
        &me,
        body.up_to_seq
    ));
    drop(turn);
    let mark = mark.ok_or_else(no_such_conversation)?;
    state
        .hub
        .deliver(
            &user_ids(&conversation.participants),
            "message:updated",
            &MessageUpdate::Read(mark.clone()),
        )
        .await;
    Ok(Json(mark))
}

/// Moves `reader`'s mark to `up_to` (never back) and recounts what they have not read.
async fn write_read_mark(
    state: &AppState,
    session: &mut ClientSession,
    conversation_id: &str,
    reader: &str,
    up_to: i64,
) -> mongodb::error::Result<Option<ReadMark>> {
    let Some(current) = state
        .store
        .conversations()
        .find_one(doc! {"_id": conversation_id})
        .session(&mut *session)
        .await?
    else {
        return Ok(None);
    };
    let read_up_to = current
        .read_up_to
        .get(reader)
        .copied()
        .unwrap_or(0)
        .max(up_to);
    let unread = state
        .store
        .messages()
        .count_documents(doc! {
            "conversation_id": conversation_id,
            "sender_id": {"$ne": reader},
            "seq": {"$gt": read_up_to},
        })
        .session(&mut *session)
        .await?;
    let unread = i64::try_from(unread).unwrap_or(i64::MAX);
    state
        .store
        .conversations()
        .update_one(
            doc! {"_id": conversation_id},
            doc! {"$set": {
                format!("read_up_to.{reader}"): read_up_to,
                format!("unread.{reader}"): unread,
            }},
        )
        .session(&mut *session)
        .await?;
    Ok(Some(ReadMark {
        conversation_id: conversation_id.to_owned(),
        reader_id: reader.to_owned(),
        read_up_to,
        unread_count: unread,
    }))
}
