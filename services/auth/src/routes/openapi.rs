//! The auth service's part of the API contract, derived from its handlers' types: the gateway
//! assembles the public document from it, and `services/auth/openapi.json` is its committed
//! form.

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

mercato_common::openapi_part!(ApiDoc);
