//! Gateway tokens: how a caller's identity travels from the gateway to a service.
//!
//! The gateway mints every JWT, signed EdDSA (Ed25519) with a `kid` naming the key:
//!
//! - a **user access token** (`typ: at+jwt`, `aud: mercato-api`, `sub` = user id, 15 minutes),
//!   which clients hold and present to the gateway;
//! - an **internal token** per caller and target service (`typ: mercato-internal+jwt`, `aud` =
//!   the service, `sub` only when a user is signed in, a `jti` of its own, at most 60 seconds),
//!   which the gateway reuses for that caller and service while half its lifetime remains.
//!
//! Services verify internal tokens with the gateway's public keys (a JWKS, several keys during a
//! rotation): algorithm pinned to EdDSA, explicit `typ`, known `kid`, `iss`, `aud` = their own
//! name, `exp` and `iat` required, a leeway of a few seconds. A user token replayed to a service
//! fails on `typ` and `aud`; a token signed any other way fails on the algorithm or signature.
//!
//! # Layout
//!
//! - [`keys`]: Ed25519 signing keys, verification key sets, JWKS documents.
//! - [`mint`]: [`TokenMinter`], used only by the gateway.
//! - [`verify`]: [`TokenVerifier`] and [`TokenError`].
//! - [`reload`]: re-reading a key file, for rotations without restarts.
//! - [`extract`]: the axum layer that requires a token and the [`CurrentUser`] / [`MaybeUser`]
//!   extractors.

pub mod extract;
pub mod keys;
pub mod mint;
pub mod reload;
pub mod verify;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use extract::{CurrentUser, GatewayAuth, MaybeUser, require_gateway_token};
pub use keys::{Jwks, KeySet, PublicJwk, SigningKey};
pub use mint::TokenMinter;
pub use verify::{TokenError, TokenVerifier};

/// The issuer of every token: the gateway.
pub const ISSUER: &str = "mercato-gateway";

/// The audience of user access tokens.
pub const USER_AUDIENCE: &str = "mercato-api";

/// The `typ` header of user access tokens (RFC 9068).
pub const USER_TOKEN_TYPE: &str = "at+jwt";

/// The `typ` header of internal gateway-to-service tokens.
pub const INTERNAL_TOKEN_TYPE: &str = "mercato-internal+jwt";

/// Seconds of clock skew tolerated on `exp` and `iat`.
pub const LEEWAY_SECONDS: u64 = 5;

/// The longest lifetime an internal token may have.
pub const MAX_INTERNAL_LIFETIME_SECONDS: i64 = 60;

/// The signed-in user a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Caller {
    /// The user's id (the token's `sub`).
    pub user_id: Uuid,
    /// The user's username.
    pub username: String,
    /// Whether the user has verified their email; selling, ordering and messaging need it.
    pub email_verified: bool,
}

/// The claims of both token kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Always [`ISSUER`].
    pub iss: String,
    /// [`USER_AUDIENCE`] or the target service's name.
    pub aud: String,
    /// The user id, when a user is signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Token id; unique per minted internal token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The user's username, with `sub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Whether the user's email is verified, with `sub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

/// The verified content of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The signed-in user, if any.
    pub caller: Option<Caller>,
    /// The token id (`jti`); an internal token serves many requests of one caller, each of
    /// which has its own request id in `x-request-id`.
    pub token_id: Option<String>,
    /// Expiry, seconds since the epoch.
    pub expires_at: i64,
}

#[cfg(test)]
mod tests;
