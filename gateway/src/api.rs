//! The handler of every `/api/v1/...` request: route, identify, limit, forward, answer.
//!
//! 1. match the route table (404 / 405 in the common shape);
//! 2. count the request against the per-IP limit, and routes with an account limit against
//!    the per-account limit (429 with `Retry-After`);
//! 3. identify the caller (bearer or cookie; a bad token is 401), apply CSRF rules to cookie
//!    sessions, require a caller on signed-in routes;
//! 4. read the body up to the limit (413), mint an internal token for the owning service with
//!    the caller and request id, forward with only the headers a client may set;
//! 5. pass a service's 2xx-4xx answer through; turn anything else into the common shape;
//!    set or clear session cookies on the session routes.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full};
use mercato_common::context::current_request_id;
use mercato_common::error::ApiError;
use mercato_common::server::{MetricsRoute, REQUEST_ID_HEADER};
use serde_json::Value;

use crate::AppState;
use crate::limits::Decision;
use crate::proxy::{ForwardError, connection_named, forwardable, strip_response_headers};
use crate::routes::{
    Access, AccountLimit, Match, PREFIX, Route, Session, allowed_methods, find, public_path,
};
use crate::session::{self, Identity, REFRESH_COOKIE};

static X_FORWARDED_FOR: http::HeaderName = http::HeaderName::from_static("x-forwarded-for");

/// Handles one API request.
pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let path = request
        .uri()
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or_default()
        .to_owned();
    let route = match find(request.method(), &path) {
        Match::Found(route) => route,
        Match::WrongMethod => {
            let mut response = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
            .into_response();
            if let Ok(allow) = HeaderValue::try_from(allowed_methods(&path)) {
                response.headers_mut().insert(http::header::ALLOW, allow);
            }
            return response;
        }
        Match::NotFound => return ApiError::not_found("no such route").into_response(),
    };
    let mut response = match forward(&state, peer, route, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    // The server's metrics then count this request under its public route rather than the
    // catch-all this handler is mounted on.
    response
        .extensions_mut()
        .insert(MetricsRoute(public_path(route)));
    response
}

fn client_ip(state: &AppState, peer: SocketAddr, headers: &http::HeaderMap) -> IpAddr {
    if state.trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|ip| ip.trim().parse().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.ip()
}

/// The 429 for a client over `per_minute` requests, with `Retry-After` and the rate-limit
/// headers (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`: the window's size, what
/// is left of it and the seconds until it starts over).
fn rate_limited(per_minute: u64, wait: std::time::Duration) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many requests; slow down and retry later",
    )
    .into_response();
    let seconds = HeaderValue::from(wait.as_secs().max(1));
    let headers = response.headers_mut();
    headers.insert(RETRY_AFTER, seconds.clone());
    headers.insert("ratelimit-limit", HeaderValue::from(per_minute));
    headers.insert("ratelimit-remaining", HeaderValue::from(0_u64));
    headers.insert("ratelimit-reset", seconds);
    response
}

async fn forward(
    state: &AppState,
    peer: SocketAddr,
    route: &'static Route,
    request: Request,
) -> Result<Response, Response> {
    let (parts, body) = request.into_parts();
    let ip = client_ip(state, peer, &parts.headers).to_string();
    if let Decision::Deny(wait) = state.limiter.check("ip", &ip, state.limits.per_ip).await {
        return Err(rate_limited(state.limits.per_ip, wait));
    }

    let identity = session::identify(&parts.headers, &state.user_verifier)
        .map_err(IntoResponse::into_response)?;
    let refresh_cookie = session::cookie(&parts.headers, REFRESH_COOKIE).map(str::to_owned);
    let cookie_session = matches!(identity, Identity::Cookie(_))
        || (route.session != Session::None && refresh_cookie.is_some());
    if cookie_session && session::is_unsafe(&parts.method) {
        session::check_origin(&parts.headers, &state.allowed_origins)
            .map_err(IntoResponse::into_response)?;
    }
    if route.access == Access::SignedIn
        && identity.caller().is_none()
        && route.session != Session::Clear
    {
        return Err(ApiError::unauthorized("sign in first").into_response());
    }

    let mut body = axum::body::to_bytes(Body::new(body), state.limits.max_body_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            )
            .into_response()
        })?;
    if let Some(by) = route.account_limit {
        let account = match by {
            AccountLimit::BodyField(field) => serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get(field).and_then(Value::as_str).map(str::to_lowercase)),
            AccountLimit::Caller => identity.caller().map(|caller| caller.user_id.to_string()),
        };
        if let Some(account) = account
            && let Decision::Deny(wait) = state
                .limiter
                .check("account", &account, state.limits.per_account)
                .await
        {
            return Err(rate_limited(state.limits.per_account, wait));
        }
    }
    // Browsers hold the refresh token only as a cookie: hand it to auth in the body.
    if route.session != Session::None
        && body.is_empty()
        && let Some(token) = &refresh_cookie
    {
        body = Bytes::from(serde_json::json!({ "refresh_token": token }).to_string());
    }

    let request_id = current_request_id().unwrap_or_default();
    let authorization = state
        .internal_tokens
        .authorization(route.service, identity.caller())
        .map_err(|err| ApiError::internal(err).into_response())?;
    let path = parts.uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let upstream_path = match parts.uri.query() {
        Some(query) => format!("/v1{path}?{query}"),
        None => format!("/v1{path}"),
    };
    let has_body = !body.is_empty();
    let mut upstream = http::Request::new(Full::new(body));
    *upstream.method_mut() = parts.method.clone();
    *upstream.uri_mut() = upstream_path
        .parse()
        .map_err(|err: http::uri::InvalidUri| ApiError::internal(err).into_response())?;
    let connection_named = connection_named(&parts.headers);
    let headers = upstream.headers_mut();
    for (name, value) in &parts.headers {
        if forwardable(name, &connection_named) {
            headers.append(name.clone(), value.clone());
        }
    }
    if route.session != Session::None && has_body && !parts.headers.contains_key(CONTENT_TYPE) {
        upstream
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let headers = upstream.headers_mut();
    headers.insert(http::header::AUTHORIZATION, authorization);
    headers.insert(
        REQUEST_ID_HEADER.clone(),
        HeaderValue::try_from(request_id.as_str())
            .map_err(|err| ApiError::internal(err).into_response())?,
    );
    headers.insert(
        X_FORWARDED_FOR.clone(),
        HeaderValue::try_from(ip).map_err(|err| ApiError::internal(err).into_response())?,
    );

    let response = state
        .upstreams
        .send(route.service, upstream)
        .await
        .map_err(|err| unavailable(route, &err))?;
    answer(state, route, response).await
}

fn unavailable(route: &Route, err: &ForwardError) -> Response {
    tracing::warn!(service = route.service, error = %err, "upstream failed");
    metrics::counter!("gateway_upstream_errors_total", "service" => route.service, "kind" => match err {
        ForwardError::Unconfigured => "unconfigured",
        ForwardError::Overloaded => "overloaded",
        ForwardError::Timeout => "timeout",
        ForwardError::Unreachable(_) => "unreachable",
    })
    .increment(1);
    match err {
        ForwardError::Timeout => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            "the service did not answer in time",
        ),
        ForwardError::Overloaded => ApiError::unavailable("the service is busy; retry shortly"),
        ForwardError::Unconfigured | ForwardError::Unreachable(_) => {
            ApiError::unavailable("the service is unavailable; retry shortly")
        }
    }
    .into_response()
}

/// A service's answer as the client gets it.
async fn answer(
    state: &AppState,
    route: &Route,
    response: Response<Body>,
) -> Result<Response, Response> {
    let status = response.status();
    if status.is_server_error() || status.is_informational() {
        tracing::error!(
            service = route.service,
            status = status.as_u16(),
            "upstream answered with an error"
        );
        metrics::counter!("gateway_upstream_errors_total", "service" => route.service, "kind" => "server_error")
            .increment(1);
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            "the service failed",
        )
        .into_response());
    }
    let (mut parts, body) = response.into_parts();
    strip_response_headers(&mut parts.headers);
    if !status.is_success() || route.session == Session::None {
        return Ok(Response::from_parts(parts, body));
    }
    let bytes = body
        .collect()
        .await
        .map_err(|err| ApiError::internal(err).into_response())?
        .to_bytes();
    if route.session == Session::Clear {
        state.cookies.clear(&mut parts.headers);
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    }
    let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    let Some(issued) =
        session::issue(&mut json, &state.minter).map_err(IntoResponse::into_response)?
    else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    state.cookies.set(
        &mut parts.headers,
        &issued.access_token,
        state.minter.user_token_ttl().as_secs(),
        issued
            .refresh
            .as_ref()
            .map(|(token, ttl)| (token.as_str(), *ttl)),
    );
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(json.to_string())))
}
