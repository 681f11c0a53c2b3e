//! The orders service's part of the API contract, derived from its handlers' types: the
//! gateway assembles the public document from it, and `services/orders/openapi.json` is its
//! committed form.

use utoipa::OpenApi;

use super::{alerts, payments, place, read, steps, uploads};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mercato orders",
        description = "Orders, their payments and lifecycle, and in-app notifications."
    ),
    paths(
        place::place,
        read::orders,
        read::order,
        steps::cancel,
        steps::request_extension,
        steps::approve_extension,
        steps::reject_extension,
        steps::deliver,
        steps::request_revision,
        steps::complete,
        alerts::notifications,
        alerts::mark_read,
        payments::webhook,
        payments::sandbox_confirm,
        uploads::upload_delivery,
    )
)]
struct ApiDoc;

mercato_common::openapi_part!(ApiDoc);
