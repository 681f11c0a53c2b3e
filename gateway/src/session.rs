//! Sessions at the edge: which user a request speaks for, and the cookies that carry it.
//!
//! - The access token (15 minutes) travels in the `mercato_access` cookie (HttpOnly, Secure,
//!   SameSite=Lax) and in the JSON body, for clients that send `Authorization: Bearer`.
//! - The refresh token travels in the `mercato_refresh` cookie, scoped to `/api/v1/auth`, and
//!   in the body for non-browser clients; auth rotates it on every use.
//! - A cookie-authenticated unsafe request (anything but GET, HEAD, OPTIONS) must come from an
//!   allowed origin: SameSite=Lax already keeps cross-site forms from sending the cookie, and
//!   the Origin check closes the rest (CSRF).

use http::header::{COOKIE, ORIGIN, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method};
use mercato_common::error::ApiError;
use mercato_common::token::extract::bearer_token;
use mercato_common::token::{Caller, TokenMinter, TokenVerifier};
use serde_json::Value;

/// The access token cookie.
pub const ACCESS_COOKIE: &str = "mercato_access";
/// The refresh token cookie.
pub const REFRESH_COOKIE: &str = "mercato_refresh";
/// The path the refresh cookie is sent to.
pub const REFRESH_PATH: &str = "/api/v1/auth";

/// The value of cookie `name`, if the request has it.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credentials.
    Anonymous,
    /// A valid bearer token.
    Bearer(Caller),
    /// A valid access cookie (CSRF rules apply).
    Cookie(Caller),
}

impl Identity {
    /// The caller, when signed in.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Self::Anonymous => None,
            Self::Bearer(caller) | Self::Cookie(caller) => Some(caller),
        }
    }
}

/// Reads the caller from `Authorization: Bearer` or the access cookie. A credential that is
/// present but invalid is a 401, never "anonymous".
///
/// # Errors
///
/// 401 `invalid_token` for an expired, forged or malformed token.
pub fn identify(headers: &HeaderMap, verifier: &TokenVerifier) -> Result<Identity, ApiError> {
    let invalid = |reason| {
        tracing::info!(%reason, "access token refused");
        ApiError::new(
            http::StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the access token is invalid or expired; refresh it or sign in again",
        )
    };
    if headers.contains_key(http::header::AUTHORIZATION) {
        let token = bearer_token(headers)
            .ok_or_else(|| invalid(mercato_common::token::TokenError::Malformed))?;
        let verified = verifier.verify(token).map_err(invalid)?;
        return verified
            .caller
            .map(Identity::Bearer)
            .ok_or_else(|| invalid(mercato_common::token::TokenError::Claim("sub")));
    }
    if let Some(token) = cookie(headers, ACCESS_COOKIE) {
        let verified = verifier.verify(token).map_err(invalid)?;
        return verified
            .caller
            .map(Identity::Cookie)
            .ok_or_else(|| invalid(mercato_common::token::TokenError::Claim("sub")));
    }
    Ok(Identity::Anonymous)
}

/// Whether `method` changes state.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a cookie-authenticated unsafe request that does not come from an allowed origin.
///
/// # Errors
///
/// 403 `csrf_rejected`.
pub fn check_origin(headers: &HeaderMap, allowed: &[String]) -> Result<(), ApiError> {
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    match origin {
        Some(origin) if allowed.iter().any(|a| a == origin) => Ok(()),
        _ => Err(ApiError::new(
            http::StatusCode::FORBIDDEN,
            "csrf_rejected",
            "a request authenticated by cookie must come from an allowed origin",
        )),
    }
}

/// Builds cookie headers.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    /// Whether to mark cookies `Secure`.
    pub secure: bool,
}

impl Cookies {
    fn build(self, name: &str, value: &str, path: &str, max_age: u64) -> Option<HeaderValue> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        ))
        .ok()
    }

    /// Sets both session cookies.
    pub fn set(
        self,
        headers: &mut HeaderMap,
        access: &str,
        access_ttl: u64,
        refresh: Option<(&str, u64)>,
    ) {
        headers.extend(
            self.build(ACCESS_COOKIE, access, "/", access_ttl)
                .map(|v| (SET_COOKIE, v)),
        );
        if let Some((refresh, ttl)) = refresh {
            headers.extend(
                self.build(REFRESH_COOKIE, refresh, REFRESH_PATH, ttl)
                    .map(|v| (SET_COOKIE, v)),
            );
        }
    }

    /// Expires both session cookies.
    pub fn clear(self, headers: &mut HeaderMap) {
        headers.extend(
            self.build(ACCESS_COOKIE, "", "/", 0)
                .map(|v| (SET_COOKIE, v)),
        );
        headers.extend(
            self.build(REFRESH_COOKIE, "", REFRESH_PATH, 0)
                .map(|v| (SET_COOKIE, v)),
        );
    }
}

/// A session the gateway just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The new access token.
    pub access_token: String,
    /// The refresh token and its lifetime in seconds, when auth gave one.
    pub refresh: Option<(String, u64)>,
}

/// What auth answers to a successful sign-up, sign-in, code check or refresh:
/// `{"user": {"id", "username", "email_verified", ...}, "refresh_token", "refresh_expires_in", ...}`.
/// The gateway mints the access token from `user`, adds `access_token` and `expires_in` to
/// the body and sets the cookies. Other answers (such as `otp_required`) pass unchanged.
///
/// # Errors
///
/// A body that claims a session but lacks its parts is a contract breach by auth (500).
pub fn issue(body: &mut Value, minter: &TokenMinter) -> Result<Option<Issued>, ApiError> {
    let Some(user) = body.get("user") else {
        return Ok(None);
    };
    if body.get("refresh_token").is_none() {
        return Ok(None);
    }
    let breach = || {
        ApiError::internal(anyhow::anyhow!(
            "auth answered a session without a valid user"
        ))
    };
    let caller = Caller {
        user_id: user
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .ok_or_else(breach)?,
        username: user
            .get("username")
            .and_then(Value::as_str)
            .ok_or_else(breach)?
            .to_owned(),
        email_verified: user
            .get("email_verified")
            .and_then(Value::as_bool)
            .ok_or_else(breach)?,
    };
    let access = minter
        .mint_user_token(&caller)
        .map_err(ApiError::internal)?;
    let refresh = body
        .get("refresh_token")
        .and_then(Value::as_str)
        .map(|token| {
            (
                token.to_owned(),
                body.get("refresh_expires_in")
                    .and_then(Value::as_u64)
                    .unwrap_or(30 * 24 * 3600),
            )
        });
    let ttl = minter.user_token_ttl().as_secs();
    if let Some(object) = body.as_object_mut() {
        object.insert("access_token".into(), Value::String(access.clone()));
        object.insert("expires_in".into(), Value::from(ttl));
    }
    Ok(Some(Issued {
        access_token: access,
        refresh,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; mercato_access=tok; b=2"),
        );
        assert_eq!(cookie(&headers, ACCESS_COOKIE), Some("tok"));
        assert_eq!(cookie(&headers, REFRESH_COOKIE), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_when_asked() {
        let mut headers = HeaderMap::new();
        Cookies { secure: true }.set(&mut headers, "acc", 900, Some(("ref", 60)));
        let values: Vec<_> = headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(values.len(), 2);
        assert!(
            values[0].starts_with("mercato_access=acc; Path=/;")
                && values[0].contains("HttpOnly")
                && values[0].contains("SameSite=Lax")
                && values[0].ends_with("Secure")
        );
        assert!(
            values[1].starts_with("mercato_refresh=ref; Path=/api/v1/auth;")
                && values[1].contains("HttpOnly")
                && values[1].contains("SameSite=Lax")
                && values[1].ends_with("Secure"),
            "{values:?}"
        );
    }
}
