//! The auth service's part of the API contract, derived from its handlers' types: the gateway
//! assembles the public document from it, and `services/auth/openapi.json` is its committed
//! form.

use serde_json::Value;
use utoipa::OpenApi;

use super::{accounts, passwords, sessions, signin};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mercato auth",
        description = "Accounts, sign-in and sessions."
    ),
    paths(
        accounts::signup,
        accounts::me,
        accounts::verify_email,
        accounts::resend_verification,
        signin::signin,
        signin::signin_otp,
        sessions::refresh,
        sessions::signout,
        passwords::forgot,
        passwords::reset,
        passwords::change,
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
