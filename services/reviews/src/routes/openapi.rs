//! The reviews service's part of the API contract, derived from its handlers' types: the
//! gateway assembles the public document from it, and `services/reviews/openapi.json` is its
//! committed form.

use utoipa::OpenApi;

use super::{create, lists};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mercato reviews",
        description = "Reviews after completed orders, and the lists that show them."
    ),
    paths(create::create, lists::of_gig, lists::of_seller, lists::of_buyer)
)]
struct ApiDoc;

mercato_common::openapi_part!(ApiDoc);
