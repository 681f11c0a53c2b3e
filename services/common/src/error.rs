//! The one error shape of the platform and the error type that produces it.
//!
//! Every component answers errors as
//! `{"error": {"code": "snake_case", "message": "...", "fields": {...}?, "request_id": "..."}}`.
//! Client errors (4xx) carry a stable `code` clients can branch on. Server errors (5xx) are
//! logged with their cause and the request id, counted, and reach the client only as a generic
//! message with the request id: driver and internal text never leave the process.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::context::current_request_id;

/// Validation messages per field name (JSON path of the field in the request body).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// The JSON document of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// What went wrong (the inside of [`ErrorBody`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case machine-readable code (`not_found`, `validation_failed`, ...).
    pub code: String,
    /// A sentence for humans; never internal detail.
    pub message: String,
    /// Per-field validation messages, when the error is about the request's fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, inline)]
    pub fields: Option<FieldErrors>,
    /// The id of the request, to match a report with the logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub request_id: Option<String>,
}

/// An error a handler returns; it renders as [`ErrorBody`] with the right status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: Cow<'static, str>,
    fields: Option<FieldErrors>,
    /// The cause of a server error, logged and never sent.
    source: Option<anyhow::Error>,
    /// Where a server error arose (the `?` that converted a driver error, or the call of
    /// [`ApiError::internal`]), logged so a 500 says which step failed.
    at: Option<&'static std::panic::Location<'static>>,
}

/// The message a 500 carries instead of its cause.
pub const GENERIC_SERVER_ERROR: &str =
    "something went wrong on our side; quote the request id if you report it";

/// The message a server error carries instead of anything specific: one fixed sentence per
/// status, so no internal text can ever reach a client.
pub fn generic_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_GATEWAY => {
            "a service behind the gateway failed; quote the request id if you report it"
        }
        StatusCode::SERVICE_UNAVAILABLE => "temporarily unavailable; retry shortly",
        StatusCode::GATEWAY_TIMEOUT => "a service did not answer in time; retry shortly",
        _ => GENERIC_SERVER_ERROR,
    }
}

impl ApiError {
    /// A client error with an explicit status, stable code and message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            fields: None,
            source: None,
            at: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401 `unauthorized`: no valid credentials.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403 `forbidden`: valid credentials, not allowed.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 `not_found`. Also the answer for another user's object, so ids are not confirmed.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409 with a specific code such as `username_taken`.
    pub fn conflict(
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 `validation_failed` with messages per field.
    pub fn validation(fields: FieldErrors) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "some fields are invalid",
        );
        error.fields = Some(fields);
        error
    }

    /// 503 `service_unavailable`: a dependency is down; the client may retry.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            message,
        )
    }

    /// 500 `internal_error` caused by `source`, which is logged with where it arose and
    /// never sent.
    #[track_caller]
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: Cow::Borrowed("internal_error"),
            message: Cow::Borrowed(GENERIC_SERVER_ERROR),
            fields: None,
            source: Some(source.into()),
            at: Some(std::panic::Location::caller()),
        }
    }

    /// Adds per-field messages to any client error.
    #[must_use]
    pub fn with_fields(mut self, fields: FieldErrors) -> Self {
        self.fields = Some(fields);
        self
    }

    /// The HTTP status this error renders with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code this error renders with.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Where a server error arose, as logged with it.
    pub fn arose_at(&self) -> Option<&'static std::panic::Location<'static>> {
        self.at
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = current_request_id();
        let message = if self.status.is_server_error() {
            tracing::error!(
                request_id = request_id.as_deref().unwrap_or("-"),
                status = self.status.as_u16(),
                code = %self.code,
                at = self.at.map(ToString::to_string),
                error = ?self.source,
                "request failed"
            );
            // Whatever a server error says, the client gets only the generic sentence.
            Cow::Borrowed(generic_message(self.status))
        } else {
            self.message
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into_owned(),
                message: message.into_owned(),
                fields: self.fields,
                request_id,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(err) => {
                // serde's message names the field and what was wrong with it, never a value.
                let (field, message) = data_error_field(&err.body_text());
                let mut fields = FieldErrors::new();
                fields.insert(field, vec![message]);
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "the request body does not have the expected fields",
                )
                .with_fields(fields)
            }
            JsonRejection::JsonSyntaxError(_) => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "the request body is not valid JSON",
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is too large",
                )
            }
            other => Self::new(
                other.status(),
                "bad_request",
                "the request body could not be read",
            ),
        }
    }
}

/// The field a body that did not deserialize is wrong in, and what is wrong with it, from
/// serde's "…: `path`: `message` at line L column C". An unknown or missing field is reported
/// under its own path; a problem with the body as a whole under `body`.
fn data_error_field(text: &str) -> (String, String) {
    let detail = text
        .split_once("target type: ")
        .map_or(text, |(_, detail)| detail);
    let detail = detail
        .rsplit_once(" at line ")
        .map_or(detail, |(message, _)| message);
    let (path, message) = match detail.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path, message),
        _ => (".", detail),
    };
    // The path of an unknown field ends with its name already; a missing one's is its parent.
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    let field = match (path, missing) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        (path, Some(name)) => format!("{path}.{name}"),
        (path, None) => path.to_owned(),
    };
    (field, message.to_owned())
}

/// Database errors become 500s with `?`, remembering where (`at` in the log line).
#[cfg(any(feature = "postgres", feature = "mysql"))]
impl From<sqlx::Error> for ApiError {
    #[track_caller]
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

/// MongoDB errors become 500s with `?`, remembering where (`at` in the log line).
#[cfg(feature = "mongodb")]
impl From<mongodb::error::Error> for ApiError {
    #[track_caller]
    fn from(err: mongodb::error::Error) -> Self {
        Self::internal(err)
    }
}

/// Turns a unique-index violation into the 409 it means for the client.
pub trait OrConflict<T> {
    /// A violation of a unique index becomes the error `conflict` makes from the index's name
    /// (or the database's message naming it); any other error is a 500 at the caller.
    ///
    /// # Errors
    ///
    /// The conflict, or the server error.
    fn or_conflict(self, conflict: impl FnOnce(&str) -> ApiError) -> Result<T, ApiError>;
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl<T> OrConflict<T> for Result<T, sqlx::Error> {
    #[track_caller]
    fn or_conflict(self, conflict: impl FnOnce(&str) -> ApiError) -> Result<T, ApiError> {
        match self {
            Ok(value) => Ok(value),
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                Err(conflict(err.constraint().unwrap_or(err.message())))
            }
            Err(err) => Err(ApiError::internal(err)),
        }
    }
}

#[cfg(feature = "mongodb")]
impl<T> OrConflict<T> for Result<T, mongodb::error::Error> {
    #[track_caller]
    fn or_conflict(self, conflict: impl FnOnce(&str) -> ApiError) -> Result<T, ApiError> {
        match self {
            Ok(value) => Ok(value),
            Err(err) if crate::events::mongo::is_duplicate_key(&err) => {
                Err(conflict(&err.to_string()))
            }
            Err(err) => Err(ApiError::internal(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn render(error: ApiError, request_id: &str) -> (StatusCode, serde_json::Value) {
        let response =
            crate::context::scope(request_id.to_owned(), async { error.into_response() }).await;
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn a_body_that_does_not_deserialize_is_reported_under_the_field_at_fault() {
        let prefix = "Failed to deserialize the JSON body into the target type: ";
        let cases = [
            (
                "languages[0].level: unknown variant `expert`, expected one of `basic`, `native` at line 1 column 185",
                "languages[0].level",
                "unknown variant `expert`, expected one of `basic`, `native`",
            ),
            (
                "is_admin: unknown field `is_admin`, expected one of `username`, `email` at line 1 column 90",
                "is_admin",
                "unknown field `is_admin`, expected one of `username`, `email`",
            ),
            (
                "missing field `email` at line 1 column 20",
                "email",
                "missing field `email`",
            ),
            (
                "experience[1]: missing field `title` at line 1 column 40",
                "experience[1].title",
                "missing field `title`",
            ),
            (
                "invalid type: integer `3`, expected a map at line 1 column 1",
                "body",
                "invalid type: integer `3`, expected a map",
            ),
        ];
        for (detail, field, message) in cases {
            assert_eq!(
                data_error_field(&format!("{prefix}{detail}")),
                (field.to_owned(), message.to_owned()),
                "{detail}"
            );
        }
    }

    #[tokio::test]
    async fn a_client_error_renders_code_message_fields_and_request_id() {
        let mut fields = FieldErrors::new();
        fields.insert("username".into(), vec!["must be 3 to 30 characters".into()]);

        let (status, body) = render(ApiError::validation(fields), "req-1").await;

        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "code": "validation_failed",
                "message": "some fields are invalid",
                "fields": {"username": ["must be 3 to 30 characters"]},
                "request_id": "req-1",
            }})
        );
    }

    #[tokio::test]
    async fn a_server_error_sends_only_the_generic_message_and_request_id() {
        let cause =
            anyhow::anyhow!("password authentication failed for user \"mercato\" at 10.0.0.7");

        let (status, body) = render(ApiError::internal(cause), "req-2").await;

        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "code": "internal_error",
                "message": GENERIC_SERVER_ERROR,
                "request_id": "req-2",
            }})
        );
        let text = body.to_string();
        assert!(!text.contains("password") && !text.contains("10.0.0.7"));
    }

    #[tokio::test]
    async fn a_server_error_with_a_custom_message_still_hides_it() {
        let error = ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream_failed",
            "pool timed out at db-3",
        );

        let (status, body) = render(error, "req-3").await;

        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert_eq!(
            body["error"]["message"],
            generic_message(StatusCode::BAD_GATEWAY)
        );
        assert!(!body.to_string().contains("db-3"));
        assert_eq!(body["error"]["code"], "upstream_failed");
    }
}
