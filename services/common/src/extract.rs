//! Request extractors whose rejections use the common error shape (the JSON body one,
//! [`crate::error::Json`], lives with the error it renders).

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::error::ApiError;

/// Query parameters; malformed or unknown ones are a 400 `bad_request` saying which.
///
/// Use it instead of `axum::extract::Query` in handlers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}
