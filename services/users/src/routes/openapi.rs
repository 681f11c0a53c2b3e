//! The users service's part of the API contract, derived from its handlers' types: the gateway
//! assembles the public document from it, and `services/users/openapi.json` is its committed
//! form.

use serde_json::Value;
use utoipa::OpenApi;

use super::{buyers, sellers};

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
    )
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
