//! The axum side of gateway tokens: a middleware that refuses requests without a valid internal
//! token, and extractors that hand handlers the caller.
//!
//! The middleware stores the [`Verified`] token in the request extensions; the extractors read it.
//! Both fail closed: an extractor on a route the middleware does not cover answers 401.

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::AUTHORIZATION;
use http::request::Parts;

use super::verify::TokenVerifier;
use super::{Caller, Verified};
use crate::error::ApiError;
use crate::server::is_probe_path;

/// The state of [`require_gateway_token`]: the verifier for this service's audience, and the
/// paths whose requests authenticate themselves.
#[derive(Debug, Clone)]
pub struct GatewayAuth {
    verifier: TokenVerifier,
    self_authenticated: Vec<&'static str>,
}

impl GatewayAuth {
    /// Requires tokens that `verifier` accepts.
    pub fn new(verifier: TokenVerifier) -> Self {
        Self {
            verifier,
            self_authenticated: Vec::new(),
        }
    }

    /// Lets requests under `prefix` through unchecked: what serves them checks a token of its
    /// own (a Socket.IO connection carries it in its handshake, not in each HTTP request).
    #[must_use]
    pub fn except_under(mut self, prefix: &'static str) -> Self {
        self.self_authenticated.push(prefix);
        self
    }
}

/// Middleware: every request except the probes needs `Authorization: Bearer <internal token>`.
///
/// Install it with `axum::middleware::from_fn_with_state(auth, require_gateway_token)`, or let
/// [`crate::server::HttpServer::require_gateway_token`] do it around every route and fallback.
pub async fn require_gateway_token(
    State(auth): State<GatewayAuth>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if is_probe_path(path)
        || auth
            .self_authenticated
            .iter()
            .any(|prefix| path.starts_with(prefix))
    {
        return next.run(request).await;
    }
    let Some(token) = bearer_token(request.headers()) else {
        return ApiError::unauthorized("a gateway token is required").into_response();
    };
    match auth.verifier.verify(token) {
        Ok(verified) => {
            request.extensions_mut().insert(verified);
            next.run(request).await
        }
        Err(reason) => {
            tracing::info!(%reason, "gateway token refused");
            ApiError::unauthorized("the gateway token is invalid or expired").into_response()
        }
    }
}

/// The token of an `Authorization: Bearer` header, if there is one.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
/// use mercato_common::token::extract::bearer_token;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(bearer_token(&headers), None);
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc.def.ghi"));
/// assert_eq!(bearer_token(&headers), Some("abc.def.ghi"));
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic dXNlcjpwYXNz"));
/// assert_eq!(bearer_token(&headers), None);
/// ```
pub fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// The signed-in caller; answers 401 when the request has no signed-in user.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Caller);

/// The caller if one is signed in; still needs a valid gateway token.
///
/// Use this instead of `Option<CurrentUser>`, which would turn a bad token into "anonymous".
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Caller>);

fn verified(parts: &Parts) -> Result<&Verified, ApiError> {
    parts
        .extensions
        .get::<Verified>()
        .ok_or_else(|| ApiError::unauthorized("a gateway token is required"))
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        verified(parts)?
            .caller
            .clone()
            .map(Self)
            .ok_or_else(|| ApiError::unauthorized("sign in first"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(verified(parts)?.caller.clone()))
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::get;
    use serde_json::Value;

    use super::*;
    use crate::config::CommonConfig;
    use crate::server::HttpServer;
    use crate::token::{Jwks, KeySet, SigningKey, TokenMinter};

    async fn whoami(CurrentUser(caller): CurrentUser) -> String {
        caller.username
    }

    async fn maybe(MaybeUser(caller): MaybeUser) -> String {
        caller.map_or_else(|| "anonymous".to_owned(), |c| c.username)
    }

    async fn start() -> (String, TokenMinter) {
        let key = SigningKey::generate("k1").unwrap();
        let keys = KeySet::from_jwks(&Jwks {
            keys: vec![key.public_jwk()],
        })
        .unwrap();
        let router = Router::new()
            .route("/v1/me", get(whoami))
            .route("/v1/maybe", get(maybe));
        let server = HttpServer::new("orders", CommonConfig::for_tests(), router)
            .require_gateway_token(GatewayAuth::new(TokenVerifier::internal(keys, "orders")))
            .bind()
            .await
            .unwrap();
        let base = format!("http://{}", server.local_addr());
        tokio::spawn(server.run());
        (base, TokenMinter::new(key))
    }

    fn alice() -> Caller {
        Caller {
            user_id: uuid::Uuid::now_v7(),
            username: "alice".into(),
            email_verified: true,
        }
    }

    #[tokio::test]
    async fn current_user_needs_a_signed_in_caller_and_maybe_user_does_not() {
        let (base, minter) = start().await;
        let client = reqwest::Client::new();
        let anonymous = minter.mint_internal_token("orders", None).unwrap();
        let signed_in = minter
            .mint_internal_token("orders", Some(&alice()))
            .unwrap();

        let me = client
            .get(format!("{base}/v1/me"))
            .bearer_auth(&signed_in)
            .send()
            .await
            .unwrap();
        assert_eq!(me.text().await.unwrap(), "alice");
        let me_anonymous = client
            .get(format!("{base}/v1/me"))
            .bearer_auth(&anonymous)
            .send()
            .await
            .unwrap();
        assert_eq!(me_anonymous.status(), 401);
        assert_eq!(
            me_anonymous.json::<Value>().await.unwrap()["error"]["code"],
            "unauthorized"
        );
        let maybe = client
            .get(format!("{base}/v1/maybe"))
            .bearer_auth(&anonymous)
            .send()
            .await
            .unwrap();
        assert_eq!(maybe.text().await.unwrap(), "anonymous");
    }

    #[tokio::test]
    async fn every_route_but_the_probes_needs_a_token() {
        let (base, minter) = start().await;
        let client = reqwest::Client::new();

        for path in ["/v1/me", "/v1/maybe", "/unknown"] {
            let response = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(response.status(), 401, "{path}");
        }
        for path in ["/healthz", "/readyz", "/metrics"] {
            let response = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
        }
        let user_token = minter.mint_user_token(&alice()).unwrap();
        let replayed = client
            .get(format!("{base}/v1/maybe"))
            .bearer_auth(user_token)
            .send()
            .await
            .unwrap();
        assert_eq!(replayed.status(), 401);
        let lowercase = client
            .get(format!("{base}/v1/maybe"))
            .header(
                "authorization",
                format!(
                    "bearer {}",
                    minter.mint_internal_token("orders", None).unwrap()
                ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(lowercase.status(), 200);
    }
}
