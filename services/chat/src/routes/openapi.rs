//! The chat service's part of the API contract, derived from its handlers' types: the gateway
//! assembles the public document from it, and `services/chat/openapi.json` is its committed
//! form.

use utoipa::OpenApi;

use super::{conversations, history, messages, offers, reads, uploads};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mercato chat",
        description = "Conversations, messages and custom offers."
    ),
    paths(
        conversations::inbox,
        conversations::open,
        conversations::one,
        history::history,
        messages::send,
        reads::read,
        offers::accept,
        offers::decline,
        offers::withdraw,
        uploads::attachment,
    )
)]
struct ApiDoc;

mercato_common::openapi_part!(ApiDoc);
