//! The gigs service's part of the API contract, derived from its handlers' types: the gateway
//! assembles the public document from it, and `services/gigs/openapi.json` is its committed
//! form.

use utoipa::OpenApi;

use super::{manage, read};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mercato gigs",
        description = "Gigs: listing, search, categories."
    ),
    paths(
        manage::create,
        read::search,
        read::top,
        read::one,
        manage::edit,
        manage::delete,
        manage::pause,
        manage::activate,
        read::similar,
        read::of_seller,
        read::categories,
        manage::upload_cover,
    ),
    // Named only by a query parameter, which utoipa does not follow.
    components(schemas(crate::search::Sort, crate::taxonomy::CategorySlug))
)]
struct ApiDoc;

mercato_common::openapi_part!(ApiDoc);
