//! The users service's part of the API contract, derived from its handlers' types: the gateway
//! assembles the public document from it, and `services/users/openapi.json` is its committed
//! form.

use utoipa::OpenApi;

use super::{buyers, sellers, uploads};

#[derive(OpenApi)]
#[openapi(
    info(title = "Mercato users", description = "Buyer and seller profiles."),
    paths(
        buyers::me,
        buyers::by_username,
        sellers::create,
        sellers::update_mine,
        sellers::random,
        sellers::by_username,
        sellers::by_id,
        uploads::profile_picture,
    )
)]
struct ApiDoc;

mercato_common::openapi_part!(ApiDoc);
