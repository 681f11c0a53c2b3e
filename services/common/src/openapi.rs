//! The OpenAPI building blocks every service shares: the named schemas reused across the API
//! (`Error`, `Id`, `Timestamp`, `Cursor`; `Money` lives with the events that carry it), error
//! responses listing the codes they can carry ([`error_responses!`](crate::error_responses)),
//! and [`finish`], which adds the errors every operation of a kind can give and turns a service's
//! derived document into the JSON part the gateway assembles the public document from.
//!
//! A service describes its own routes at `/v1/...` as the gateway forwards them; the security
//! scheme `session` marks routes that need a signed-in caller (an empty alternative beside it
//! marks routes that only read one when present). The gateway maps both to its public paths
//! and credentials.

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use serde_json::Value;
use serde_json::{Map, json};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, Schema};
use utoipa::openapi::{KnownFormat, ObjectBuilder, Ref, RefOr, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

pub use utoipa;

/// The security scheme a service part names for a signed-in caller.
pub const SESSION_SCHEME: &str = "session";

/// Declares a named string schema, `$ref`-erenced wherever a field names it as its
/// `value_type`.
macro_rules! named_string_schema {
    ($(#[$meta:meta])* $name:ident, $format:expr, $description:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format($format)
                    .description(Some($description))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

named_string_schema!(
    /// An object's id: a UUID the server made (`#[schema(value_type = Id)]`).
    Id,
    Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)),
    "An id the server made (a UUID)."
);

named_string_schema!(
    /// A moment, as RFC 3339 date-time text in UTC (`#[schema(value_type = Timestamp)]`).
    Timestamp,
    Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)),
    "A moment in RFC 3339 form, e.g. `2026-05-01T09:30:00Z`."
);

named_string_schema!(
    /// The position after a page of a list, to pass back for the next page; opaque to clients
    /// (`#[schema(value_type = Cursor)]`).
    Cursor,
    None,
    "An opaque position in a list: pass it back unchanged to get the next page."
);

/// The reason phrase of a status, for the descriptions of error responses.
fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// An error response whose `error.code` is one of `codes`: the common `Error` with the code
/// narrowed.
fn error_response(status: u16, codes: &[String]) -> Response {
    let code = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes.iter().cloned()));
    let narrowed =
        ObjectBuilder::new().property("error", ObjectBuilder::new().property("code", code));
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name("Error"))
        .item(narrowed);
    let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
    ResponseBuilder::new()
        .description(format!(
            "{}: `error.code` is {}",
            reason(status),
            listed.join(" or ")
        ))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

/// Error responses for `(status, codes)` pairs, for [`utoipa::IntoResponses`] implementations;
/// use [`error_responses!`](crate::error_responses) rather than calling this.
pub fn error_responses(list: &[(u16, &[&str])]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, codes)| {
            let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
            (
                status.to_string(),
                RefOr::T(error_response(*status, &codes)),
            )
        })
        .collect()
}

/// Declares a type listing the error responses an operation can give, each status with the
/// `error.code` values it carries, for `responses(...)` of `#[utoipa::path]`:
///
/// ```
/// mercato_common::error_responses!(
///     /// What signing up can refuse.
///     SignupErrors { 409 => ["username_taken", "email_taken"] }
/// );
/// ```
///
/// Errors every operation of a kind can give (a JSON body's 400/413/415/422, a signed-in
/// route's 401, 500) are added by [`finish`]; list only the operation's own.
#[macro_export]
macro_rules! error_responses {
    ($(#[$meta:meta])* $name:ident { $($status:literal => [$($code:literal),+ $(,)?]),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl $crate::openapi::utoipa::IntoResponses for $name {
            fn responses() -> ::std::collections::BTreeMap<
                ::std::string::String,
                $crate::openapi::utoipa::openapi::RefOr<
                    $crate::openapi::utoipa::openapi::response::Response,
                >,
            > {
                $crate::openapi::error_responses(&[$(($status, &[$($code),+])),+])
            }
        }
    };
}

/// Defines `part()`, a service's finished part of the API contract from its `#[derive(OpenApi)]`
/// type, and the test that fails when the committed `openapi.json` beside the crate's manifest
/// differs from it (`UPDATE_GOLDEN=1 cargo nextest run -p <crate> committed_part` rewrites it).
#[macro_export]
macro_rules! openapi_part {
    ($doc:ty) => {
        /// The service's part of the API contract.
        pub fn part() -> $crate::openapi::Value {
            $crate::openapi::finish(&<$doc as $crate::openapi::utoipa::OpenApi>::openapi())
        }

        #[cfg(test)]
        mod committed_part {
            #[test]
            fn the_committed_part_is_what_the_handlers_derive() {
                $crate::testing::check_openapi_part(
                    env!("CARGO_MANIFEST_DIR"),
                    env!("CARGO_PKG_NAME"),
                    &super::part(),
                );
            }
        }
    };
}

/// Adds `codes` to the error response `status` of `operation`, creating it when absent.
pub fn add_error(operation: &mut Value, status: u16, codes: &[&str]) {
    let responses = &mut operation["responses"];
    if !responses.is_object() {
        *responses = json!({});
    }
    let key = status.to_string();
    let mut all: Vec<String> = responses
        .pointer(&format!(
            "/{key}/content/application~1json/schema/allOf/1/properties/error/properties/code/enum"
        ))
        .and_then(Value::as_array)
        .map(|known| {
            known
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for code in codes {
        if !all.iter().any(|known| known == code) {
            all.push((*code).to_owned());
        }
    }
    responses[key] =
        serde_json::to_value(error_response(status, &all)).unwrap_or_else(|_| json!({}));
}

/// The operations of a document as `(path, method, operation)`.
pub fn operations_mut(document: &mut Value) -> impl Iterator<Item = (String, String, &mut Value)> {
    document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.iter_mut())
        .flat_map(|(path, item)| {
            item.as_object_mut()
                .into_iter()
                .flat_map(|methods| methods.iter_mut())
                .map(move |(method, operation)| (path.clone(), method.clone(), operation))
        })
}

/// Whether an operation requires a signed-in caller: it names security requirements and none
/// of them is the empty (anonymous) one.
pub fn requires_session(operation: &Value) -> bool {
    operation["security"].as_array().is_some_and(|all| {
        !all.is_empty()
            && all
                .iter()
                .all(|requirement| requirement.as_object().is_some_and(|r| !r.is_empty()))
    })
}

/// A service's finished part: the derived document as JSON, with the common `Error` schema,
/// the `session` security scheme, and the errors every operation of a kind can give:
/// a JSON body's `400`, `413`, `415` and `422`, a signed-in route's `401`, and everyone's `500`.
///
/// # Panics
///
/// Never: a utoipa document always serialises.
pub fn finish(document: &utoipa::openapi::OpenApi) -> Value {
    let mut part = serde_json::to_value(document).expect("an OpenAPI document serialises");
    for (_, _, operation) in operations_mut(&mut part) {
        if operation.get("requestBody").is_some() {
            add_error(operation, 400, &["invalid_json", "bad_request"]);
            add_error(operation, 413, &["payload_too_large"]);
            add_error(operation, 415, &["unsupported_media_type"]);
            add_error(operation, 422, &["validation_failed"]);
        }
        if requires_session(operation) {
            add_error(operation, 401, &["unauthorized"]);
        }
        add_error(operation, 500, &["internal_error"]);
    }
    let components = part
        .as_object_mut()
        .expect("a document is an object")
        .entry("components")
        .or_insert_with(|| json!({}));
    let mut schemas = Vec::new();
    <crate::error::ErrorBody as ToSchema>::schemas(&mut schemas);
    schemas.push((
        <crate::error::ErrorBody as ToSchema>::name().into_owned(),
        <crate::error::ErrorBody as PartialSchema>::schema(),
    ));
    let named = components["schemas"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut all: Map<String, Value> = named;
    for (name, schema) in schemas {
        all.insert(
            name,
            serde_json::to_value(schema).expect("a schema serialises"),
        );
    }
    // Sorted, so a new schema lands in a predictable place in the committed file.
    let sorted: BTreeMap<String, Value> = all.into_iter().collect();
    components["schemas"] = json!(sorted);
    components["securitySchemes"] = json!({
        SESSION_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "The caller's identity, as the gateway forwards it.",
        }
    });
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_added_error_keeps_the_codes_already_listed() {
        let mut operation = json!({"responses": {}});
        let own = error_responses(&[(422, &["gig_paused"])]);
        operation["responses"]["422"] = serde_json::to_value(&own["422"]).unwrap();

        add_error(&mut operation, 422, &["validation_failed", "gig_paused"]);

        assert_eq!(
            operation.pointer("/responses/422/content/application~1json/schema/allOf/1/properties/error/properties/code/enum"),
            Some(&json!(["gig_paused", "validation_failed"]))
        );
        assert_eq!(
            operation["responses"]["422"]["description"],
            "Unprocessable Entity: `error.code` is `gig_paused` or `validation_failed`"
        );
    }

    #[test]
    fn only_a_requirement_without_an_anonymous_alternative_requires_a_session() {
        assert!(requires_session(&json!({"security": [{"session": []}]})));
        assert!(!requires_session(
            &json!({"security": [{}, {"session": []}]})
        ));
        assert!(!requires_session(&json!({})));
    }
}
