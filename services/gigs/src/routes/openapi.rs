//! The gigs service's part of the API contract, derived from its handlers' types: the gateway
//! assembles the public document from it, and `services/gigs/openapi.json` is its committed
//! form.

use serde_json::Value;
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
    ),
    // Named only by a query parameter, which utoipa does not follow.
    components(schemas(crate::search::Sort))
)]
struct ApiDoc;

/// The service's part of the API contract.
pub fn part() -> Value {
    mercato_common::openapi::finish(&ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_part_is_what_the_handlers_derive() {
        mercato_common::testing::check_openapi_part(
            env!("CARGO_MANIFEST_DIR"),
            env!("CARGO_PKG_NAME"),
            &super::part(),
        );
    }
}
